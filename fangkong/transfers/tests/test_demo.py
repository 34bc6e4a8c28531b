from __future__ import annotations

import random

import pytest

from fangkong.conftest import World
from fangkong.quarantine.services import place_person
from fangkong.transfers.demo import seed_transfers
from fangkong.transfers.models import TransferPassenger, TransferStatus, TransferTask, Vehicle, VehicleStatus
from fangkong.transfers.tests.factories import make_site, new_measure

pytestmark = pytest.mark.django_db


def test_demo_pool_has_four_vehicles_and_runs_in_each_state(world: World) -> None:
    site = make_site(world.hq, world.A.street, rooms=6)
    for number in ("101", "102", "103", "104", "105"):
        place_person(actor=world.hq, measure=new_measure(world), room=site.rooms.get(number=number))
    waiting = [new_measure(world), new_measure(world)]

    made = seed_transfers(world.district, random.Random(3))

    assert made == {"vehicles": 4, "tasks": 3}
    assert Vehicle.objects.count() == 4
    rows = TransferTask.objects.filter(is_request=False).values_list("status", "disinfected_at", "vehicle__status")
    runs = sorted((status, disinfected is None, vehicle) for status, disinfected, vehicle in rows)
    assert runs == [
        (TransferStatus.ARRIVED, False, VehicleStatus.AVAILABLE),
        (TransferStatus.ARRIVED, True, VehicleStatus.DISINFECTING),
        (TransferStatus.PLANNED, True, VehicleStatus.AVAILABLE),
    ]
    planned = TransferTask.objects.get(status=TransferStatus.PLANNED)
    assert sorted(planned.passengers.values_list("measure_id", flat=True)) == sorted(m.pk for m in waiting)
    assert planned.crew.filter(role="driver").exists()
    assert TransferPassenger.objects.filter(is_active=True).count() == 2


def test_demo_runs_need_no_measures_and_plates_repeat_with_the_seed(world: World) -> None:
    seed_transfers(world.district, random.Random(5))
    first = list(Vehicle.objects.order_by("id").values_list("plate", flat=True))
    assert not TransferTask.objects.exists()
    Vehicle.objects.all().delete()
    seed_transfers(world.district, random.Random(5))
    assert list(Vehicle.objects.order_by("id").values_list("plate", flat=True)) == first


def test_with_everyone_at_home_the_demo_runs_took_them_home(world: World) -> None:
    at_home = [new_measure(world), new_measure(world)]
    for m in at_home:
        m.at_home = True
        m.save(update_fields=["at_home"])
    assert seed_transfers(world.district, random.Random(3)) == {"vehicles": 4, "tasks": 2}
    runs = list(TransferTask.objects.order_by("arrived_at").values_list("kind", "vehicle__status"))
    assert runs == [("to_home", VehicleStatus.AVAILABLE), ("to_home", VehicleStatus.DISINFECTING)]
