"""A site worker sees the transfers due at their site today."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from fangkong.accounts.models import Role
from fangkong.transfers.models import TransferTask
from fangkong.transfers.tests.factories import make_site, make_task, make_vehicle, new_measure

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


def test_site_worker_sees_todays_arrivals_at_their_site_only(world):
    site = make_site(world.hq, world.A.street, name="A酒店")
    other = make_site(world.hq, world.B.street, name="B酒店")
    task = make_task(
        world.hq,
        [new_measure(world, "A"), new_measure(world, "A")],
        vehicle=make_vehicle(world.hq, world.A.street),
        site=site,
    )
    make_task(world.hq, [new_measure(world, "B")], vehicle=make_vehicle(world.hq, world.B.street), site=other)
    TransferTask.objects.update(planned_at=timezone.now())

    html = landing(world.user(Role.SITE_STAFF, "A"))

    arrivals = html.split('data-widget="transfers.arrivals"', 1)[1].split("</section>", 1)[0]
    assert count(arrivals, "arrivals-transfers") == 1
    assert count(arrivals, "arrivals-passengers") == 2
    assert f'href="/transfers/{task.pk}/"' in arrivals
    assert "B酒店" not in arrivals
