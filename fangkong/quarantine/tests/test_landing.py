"""A site worker lands on their site: occupancy, today's placements, releases due; never the coverage counts."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from fangkong.accounts.models import Role
from fangkong.conftest import make_person
from fangkong.quarantine.models import Measure, SiteStaff
from fangkong.quarantine.services import add_staff, place_person
from fangkong.quarantine.tests.factories import make_measure, make_site, room

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


def test_site_worker_lands_on_the_site_with_occupancy_and_releases_due_today(world):
    site = make_site(world.hq, world.A.street, rooms=3, name="A酒店")
    make_site(world.hq, world.B.street, rooms=2, name="B酒店")
    measure = make_measure(world.hq, world.A.person)
    place_person(actor=world.hq, measure=measure, room=room(site, "101"))
    Measure.objects.filter(pk=measure.pk).update(ends_on=timezone.localdate())

    html = landing(world.user(Role.SITE_STAFF, "A"))

    assert 'data-widget="quarantine.my_site"' in html
    assert "A酒店" in html
    assert "B酒店" not in html
    assert count(html, "site-guests") == 1
    assert count(html, "site-free") == 2
    assert count(html, "site-occupied") == 1
    assert count(html, "site-placed-today") == 1
    assert count(html, "site-releases-due") == 1
    assert f'href="/quarantine/measures/{measure.pk}/"' in html
    assert world.A.person.masked_document in html
    assert world.A.person.document_number not in html
    assert 'data-count="persons"' not in html


def test_a_site_worker_on_a_roster_lands_on_that_site_only(world):
    make_site(world.hq, world.A.street, name="A一号店")
    mine = make_site(world.hq, world.A.street, name="A二号店")
    worker = world.user(Role.SITE_STAFF, "A")
    staff = add_staff(
        actor=world.hq,
        site=mine,
        name="点长",
        role="manager",
        phone="13700000000",
        shift_starts=dt.time(8),
        shift_ends=dt.time(20),
    )
    SiteStaff.objects.filter(pk=staff.pk).update(user=worker)

    html = landing(worker)

    assert "A二号店" in html
    assert "A一号店" not in html


def test_a_person_not_at_the_site_is_not_on_its_releases(world):
    make_site(world.hq, world.A.street, name="A酒店")
    home = make_measure(world.hq, make_person(world.A.household, name="居家甲", seq=301))
    Measure.objects.filter(pk=home.pk).update(ends_on=timezone.localdate())

    html = landing(world.user(Role.SITE_STAFF, "A"))

    assert count(html, "site-releases-due") == 0
    assert "居家甲" not in html
