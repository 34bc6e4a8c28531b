"""Staff adding passengers to one vehicle at once (PostgreSQL, real parallel transactions)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections
from django.utils import translation

from fangkong.accounts.models import Role
from fangkong.transfers.models import TransferPassenger
from fangkong.transfers.services import TransferConflict, add_passenger, request_hospital_transfer
from fangkong.transfers.tests.factories import make_site, make_task, make_vehicle, new_measure

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent transactions of a real server"),
]


def race(*actions: Callable[[], Any]) -> list[Any]:
    barrier = threading.Barrier(len(actions))
    results: list[Any] = [None] * len(actions)

    def run(index: int, action: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=30)
            # The language is per thread: the racers read their messages in English too.
            with translation.override("en"):
                results[index] = action()
        except Exception as exc:  # each racer's outcome is what the test inspects
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_parallel_additions_never_fill_more_seats_than_the_vehicle_has(world: Any) -> None:
    staff = world.user(Role.SITE_STAFF, "A")
    vehicle = make_vehicle(world.hq, world.A.street, seats=3)
    task = make_task(world.hq, [new_measure(world)], vehicle=vehicle, site=make_site(world.hq, world.A.street))
    waiting = [new_measure(world) for _ in range(6)]

    results = race(*(lambda m=m: add_passenger(actor=staff, task=task, measure=m) for m in waiting))

    added = [r for r in results if isinstance(r, TransferPassenger)]
    refused = [r for r in results if isinstance(r, TransferConflict)]
    assert (len(added), len(refused)) == (2, 4), results
    assert all("3 passenger seats" in r.message for r in refused)
    assert TransferPassenger.objects.filter(task=task, is_active=True).count() == 3


def test_one_person_added_to_two_tasks_at_once_rides_on_one(world: Any) -> None:
    staff = world.user(Role.SITE_STAFF, "A")
    site = make_site(world.hq, world.A.street)
    first = make_task(world.hq, [new_measure(world)], vehicle=make_vehicle(world.hq, world.A.street), site=site)
    second = make_task(world.hq, [new_measure(world)], vehicle=make_vehicle(world.hq, world.A.street), site=site)
    person = new_measure(world)

    results = race(
        lambda: add_passenger(actor=staff, task=first, measure=person),
        lambda: add_passenger(actor=staff, task=second, measure=person),
    )

    assert sorted(type(r).__name__ for r in results) == ["TransferConflict", "TransferPassenger"], results
    assert TransferPassenger.objects.filter(person_id=person.person_id, is_active=True).count() == 1


def test_two_fever_reports_at_once_make_one_hospital_transfer(world: Any) -> None:
    measure = new_measure(world)
    results = race(*(lambda: request_hospital_transfer(actor=None, measure=measure, reason="38.6") for _ in range(3)))
    assert len({r.pk for r in results}) == 1, results
    assert TransferPassenger.objects.filter(person_id=measure.person_id).count() == 1
