"""Placement under real parallel transactions (PostgreSQL): no room is ever double booked."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

import pytest
from django.db import connection, connections
from django.utils import translation

from fangkong.conftest import make_person
from fangkong.quarantine.models import Measure, Placement, Room
from fangkong.quarantine.services import AlreadyPlaced, RoomUnavailable, place_in_next_free_room, place_person
from fangkong.quarantine.tests.factories import make_measure, make_site

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent transactions of a real server"),
]

# Each racer holds a connection of its own; the server allows 100 and the test runner holds some.
CONNECTIONS = 40


def race(actions: list[Callable[[], Any]]) -> list[Any]:
    """Run every action on its own thread pool slot, all released at the same moment."""
    start = threading.Event()

    def run(action: Callable[[], Any]) -> Any:
        start.wait(timeout=30)
        # Each thread starts in the default language; the assertions read the English messages.
        translation.activate("en")
        try:
            return action()
        except Exception as exc:  # each racer's outcome is what the test inspects
            return exc
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=CONNECTIONS) as pool:
        futures = [pool.submit(run, a) for a in actions]
        start.set()
        return [f.result(timeout=120) for f in futures]


def _measures(world: Any, n: int) -> list[Measure]:
    people = [make_person(world.A.household, name=f"隔离{i}", seq=601 + 2 * i) for i in range(n)]
    return [make_measure(world.hq, p) for p in people]


def test_a_hundred_parallel_placements_into_ten_single_rooms_place_exactly_ten(world: Any) -> None:
    site = make_site(world.hq, world.A.street, rooms=10)
    rooms = list(Room.objects.filter(site=site).order_by("number"))
    measures = _measures(world, 100)
    results = race(
        [partial(place_person, actor=world.hq, measure=m, room=rooms[i % 10]) for i, m in enumerate(measures)]
    )
    outcomes = Counter(type(r).__name__ for r in results)
    assert outcomes == {"Placement": 10, "RoomUnavailable": 90}
    assert all("no longer free" in r.message for r in results if isinstance(r, RoomUnavailable))
    assert Placement.objects.filter(ended_at__isnull=True).count() == 10
    assert sorted(Room.objects.filter(site=site).values_list("occupants", flat=True)) == [1] * 10
    assert Placement.objects.filter(ended_at__isnull=True).values("room").distinct().count() == 10


def test_parallel_next_free_room_requests_fill_every_room_once(world: Any) -> None:
    site = make_site(world.hq, world.A.street, rooms=10)
    measures = _measures(world, 30)
    results = race([partial(place_in_next_free_room, actor=world.hq, measure=m) for m in measures])
    placed = [r for r in results if isinstance(r, Placement)]
    refused = [r for r in results if isinstance(r, RoomUnavailable)]
    assert (len(placed), len(refused)) == (10, 20)
    assert len({p.room_id for p in placed}) == 10
    assert sorted(Room.objects.filter(site=site).values_list("occupants", flat=True)) == [1] * 10


def test_a_double_click_on_place_from_two_browsers_places_the_person_once(world: Any) -> None:
    site = make_site(world.hq, world.A.street, rooms=4)
    [measure] = _measures(world, 1)
    rooms = list(Room.objects.filter(site=site).order_by("number"))
    results = race([partial(place_person, actor=world.hq, measure=measure, room=r) for r in rooms])
    assert Counter(type(r).__name__ for r in results) == {"Placement": 1, "AlreadyPlaced": 3}
    assert all(isinstance(r, Placement | AlreadyPlaced) for r in results)
    assert Placement.objects.filter(person=measure.person).count() == 1
    assert sum(Room.objects.filter(site=site).values_list("occupants", flat=True)) == 1
