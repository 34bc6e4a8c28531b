"""Field workers and site workers see the reports due in this slot and the open health alerts, urgent first."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from fangkong.accounts.models import Role
from fangkong.monitoring.tests.factories import at, central_measure, home_measure, report, set_clock
from fangkong.quarantine.services import place_person
from fangkong.quarantine.tests.factories import make_site, room

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


def section(html: str, widget: str) -> str:
    return html.split(f'data-widget="{widget}"', 1)[1].split("</section>", 1)[0]


def test_grid_worker_sees_the_reports_due_this_slot_and_the_urgent_alerts_first(world, monkeypatch):
    set_clock(monkeypatch, at(9))
    silent = home_measure(world, "A", name="未报甲")
    feverish = home_measure(world, "A", name="发热乙")
    home_measure(world, "B", name="未报丙")
    report(world.hq, feverish, temperature="38.6", slot="morning")

    html = landing(world.user(Role.GRID_WORKER, "A"))

    due = section(html, "monitoring.reports_due")
    assert count(due, "reports-due") == 1
    assert "未报甲" in due
    assert f'href="/monitoring/measures/{silent.pk}/"' in due
    assert silent.person.phone not in html
    alerts = section(html, "monitoring.health_alerts")
    assert count(alerts, "health-alerts-urgent") >= 1
    assert "发热乙" in alerts
    assert "未报丙" not in html


def test_a_site_worker_sees_the_alerts_and_reports_of_their_site_not_of_homes(world, monkeypatch):
    set_clock(monkeypatch, at(9))
    site = make_site(world.hq, world.A.street, name="A酒店")
    guest = central_measure(world, "A")
    place_person(actor=world.hq, measure=guest, room=room(site, "101"))
    at_home = home_measure(world, "A", name="居家丁")
    report(world.hq, guest, temperature="38.8", slot="morning")
    report(world.hq, at_home, temperature="39.0", slot="morning")

    html = landing(world.user(Role.SITE_STAFF, "A"))

    alerts = section(html, "monitoring.health_alerts")
    assert guest.person.name in alerts
    assert "居家丁" not in alerts
    assert count(section(html, "monitoring.reports_due"), "reports-due") == 0  # the guest reported
