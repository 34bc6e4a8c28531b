"""The landing of a checkpoint's staff is their gate; field workers see the alerts not handled."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from fangkong.accounts.models import Role
from fangkong.checkpoints.tests.factories import make_checkpoint, pass_gate

pytestmark = pytest.mark.django_db


def landing(user: Any) -> str:
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def count(html: str, key: str, after: str = "") -> int:
    if after:
        html = html.split(after, 1)[1]
    match = re.search(rf'data-count="{key}">(\d+)<', html)
    assert match, f"{key} not shown"
    return int(match.group(1))


def test_checkpoint_worker_lands_on_their_gate_with_today_and_its_open_alerts(world):
    gate = make_checkpoint(world.hq, world.A.community, name="A东门")
    make_checkpoint(world.hq, world.B.community, name="B西门")
    pass_gate(world.hq, gate, phone=world.A.person.phone, temperature="38.4")
    pass_gate(world.hq, gate, phone="13912345678", temperature="36.5", name="过客")

    html = landing(world.user(Role.CHECKPOINT_STAFF, "A"))

    assert 'data-widget="checkpoints.my_gate"' in html
    assert f'href="/checkpoints/{gate.pk}/gate/"' in html
    assert count(html, "gate-passages") == 2
    assert count(html, "gate-abnormal") == 1
    assert count(html, "gate-open-alerts") == 1
    assert "B西门" not in html
    assert 'data-count="persons"' not in html  # not the coverage counts
    assert world.A.person.phone not in html


def test_community_worker_sees_the_checkpoint_alerts_not_handled_masked(world):
    gate = make_checkpoint(world.hq, world.A.community, name="A东门")
    pass_gate(world.hq, gate, phone=world.A.person.phone, health_code="red")
    pass_gate(world.hq, make_checkpoint(world.hq, world.B.community), phone=world.B.person.phone, health_code="red")

    html = landing(world.user(Role.COMMUNITY_WORKER, "A"))

    assert count(html, "checkpoint-alerts-open") == 1
    section = html.split('data-widget="checkpoints.open_alerts"', 1)[1].split("</section>", 1)[0]
    assert world.A.person.name in section
    assert world.A.person.masked_phone in section
    assert world.A.person.phone not in html
    assert world.B.person.name not in html
