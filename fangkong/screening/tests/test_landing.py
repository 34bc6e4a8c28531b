"""A grid worker lands on the key persons still to work on, overdue first; never on coverage counts."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from fangkong.accounts.models import Role
from fangkong.screening.models import KeyPerson
from fangkong.screening.tests.factories import make_key_person

pytestmark = pytest.mark.django_db


def landing(user: Any) -> str:
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def count(html: str, key: str) -> int:
    match = re.search(rf'data-count="{key}">(\d+)<', html)
    assert match, f"{key} not shown"
    return int(match.group(1))


def test_grid_worker_lands_on_their_key_persons_due_not_the_district_counts(world):
    kp = make_key_person(world.hq, world.A.person)
    KeyPerson.objects.filter(pk=kp.pk).update(due_at=timezone.now() - dt.timedelta(hours=2))
    make_key_person(world.hq, world.B.person)

    html = landing(world.user(Role.GRID_WORKER, "A"))

    assert 'data-widget="screening.key_persons_due"' in html
    assert count(html, "key-persons-overdue") == 1
    assert count(html, "key-persons-open") == 1
    assert f'href="/screening/{kp.pk}/"' in html
    assert world.A.person.masked_phone in html
    assert world.A.person.phone not in html
    assert world.B.person.name not in html
    assert 'data-count="persons"' not in html
    assert 'id="grids-without-worker"' not in html


def test_a_key_person_due_later_today_is_counted_due_today_not_overdue(world):
    kp = make_key_person(world.hq, world.A.person)
    KeyPerson.objects.filter(pk=kp.pk).update(due_at=timezone.now() + dt.timedelta(minutes=5))

    html = landing(world.user(Role.GRID_WORKER, "A"))

    assert count(html, "key-persons-overdue") == 0
    assert count(html, "key-persons-due-today") == (
        1 if timezone.localtime(timezone.now() + dt.timedelta(minutes=5)).date() == timezone.localdate() else 0
    )
