"""The hospital transfer monitoring asks for when a person under a measure reports fever."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from fangkong.accounts.models import Role
from fangkong.conftest import World
from fangkong.transfers.models import TransferKind, TransferPassenger, TransferStatus
from fangkong.transfers.services import TransferConflict, depart, request_hospital_transfer
from fangkong.transfers.tests.factories import make_site, make_task, make_vehicle, new_measure

pytestmark = pytest.mark.django_db


def test_fever_report_creates_a_planned_hospital_transfer_without_vehicle(world: World) -> None:
    measure = new_measure(world)
    task = request_hospital_transfer(actor=None, measure=measure, reason="体温 38.5")
    assert (task.kind, task.status, task.vehicle_id, task.place_path) == (
        TransferKind.TO_HOSPITAL,
        TransferStatus.PLANNED,
        None,
        measure.place_path,
    )
    assert list(task.passengers.values_list("measure_id", "is_active")) == [(measure.pk, True)]


def test_second_request_for_the_same_person_returns_the_same_task(world: World) -> None:
    measure = new_measure(world)
    first = request_hospital_transfer(actor=None, measure=measure, reason="体温 38.5")
    second = request_hospital_transfer(actor=world.hq, measure=measure, reason="咳嗽")
    assert second.pk == first.pk
    assert TransferPassenger.objects.filter(person_id=measure.person_id).count() == 1


def test_hospital_transfer_takes_the_person_off_a_planned_site_transfer(world: World) -> None:
    site = make_site(world.hq, world.A.street)
    measure, other = new_measure(world), new_measure(world)
    planned = make_task(world.hq, [measure, other], vehicle=make_vehicle(world.hq, world.A.street), site=site)
    task = request_hospital_transfer(actor=None, measure=measure, reason="发热")
    assert task.pk != planned.pk
    assert list(planned.passengers.values_list("measure_id", flat=True)) == [other.pk]


def test_a_long_report_is_cut_not_refused(world: World) -> None:
    task = request_hospital_transfer(actor=None, measure=new_measure(world), reason="发热" * 400)
    assert len(task.reason) == 300


def test_a_person_already_on_the_road_is_not_double_booked(world: World) -> None:
    measure = new_measure(world)
    task = make_task(
        world.hq, [measure], vehicle=make_vehicle(world.hq, world.A.street), site=make_site(world.hq, world.A.street)
    )
    depart(actor=world.hq, task=task)
    with pytest.raises(TransferConflict, match=f"on transfer task #{task.pk}, en route"):
        request_hospital_transfer(actor=None, measure=measure, reason="发热")
    assert TransferPassenger.objects.filter(person_id=measure.person_id).count() == 1


def test_staff_of_another_jurisdiction_cannot_request_it(world: World) -> None:
    with pytest.raises(PermissionDenied):
        request_hospital_transfer(actor=world.user(Role.SITE_STAFF, "B"), measure=new_measure(world), reason="发热")
