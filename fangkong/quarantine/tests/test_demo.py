"""The demo's sites and measures are consistent with what the services would have written."""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models import Count

from fangkong.conftest import make_person
from fangkong.protocols.selectors import active_protocol, build_schedule, category_of
from fangkong.quarantine.demo import add_demo_measures, add_demo_sites
from fangkong.quarantine.models import Measure, Placement, Room
from fangkong.quarantine.selectors import capacity_board
from fangkong.screening.services import transition
from fangkong.screening.tests.factories import make_key_person

pytestmark = pytest.mark.django_db


def test_demo_measures_fill_rooms_once_and_match_the_board(world: Any) -> None:
    add_demo_sites(in_use=1, reserve=1, rooms_per_site=4)
    for i in range(6):
        kp = make_key_person(world.hq, make_person(world.A.household, name=f"演示{i}", seq=801 + 2 * i))
        for step in ("identified", "verified"):
            kp = transition(actor=world.hq, key_person=kp, to=step)
        # Controlled the way the demo's bulk loader does it: without the signal that opens a measure.
        kp.clear_state = "controlled"
        kp.measure_started_on = kp.created_at.date()
        protocol = active_protocol(world.district).protocol
        category = category_of(protocol, "close_contact")
        assert category is not None
        kp.schedule = build_schedule(category, kp.measure_started_on)
        kp.save()
    assert add_demo_measures() == 6
    assert add_demo_measures() == 0  # a second run adds nothing
    occupied = Room.objects.filter(occupants__gt=0).count()
    assert occupied == Placement.objects.filter(ended_at__isnull=True).count()
    assert not Placement.objects.values("room").annotate(n=Count("id")).filter(n__gt=1).exists()
    assert Measure.objects.filter(site__isnull=False).count() == occupied
    board = capacity_board(world.hq)
    assert board.totals.occupied == occupied
    assert [c.site.status for c in board.reserve] == ["reserve"]
