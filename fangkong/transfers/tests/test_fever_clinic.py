"""A fever at a gate asks transfers to take the person to the fever clinic, no measure first (issue 16, B9)."""

from __future__ import annotations

from typing import Any

import pytest

from fangkong.accounts.models import Role
from fangkong.checkpoints.tests.factories import make_checkpoint, pass_gate
from fangkong.conftest import World
from fangkong.quarantine.models import Measure
from fangkong.transfers.models import TransferKind, TransferPassenger, TransferStatus, TransferTask
from fangkong.transfers.services import CrewInput, add_crew_member, arrive, assign_vehicle, depart
from fangkong.transfers.tests.factories import make_vehicle, new_measure

pytestmark = pytest.mark.django_db


@pytest.fixture
def gate(world: World) -> Any:
    return make_checkpoint(world.hq, world.A.community)


def fever(world: World, gate: Any, person: Any) -> Any:
    return pass_gate(
        world.user(Role.CHECKPOINT_STAFF, "A"), gate, document_number=person.document_number, temperature="38.5"
    )


def test_a_fever_at_a_gate_is_a_fever_clinic_request_picked_up_at_the_gate(world: World, gate: Any) -> None:
    result = fever(world, gate, world.A.person)
    task = TransferTask.objects.get(source_alert=result.alert)
    assert (task.kind, task.status, task.is_request) == (TransferKind.FEVER_CLINIC, TransferStatus.PLANNED, True)
    assert gate.name in task.from_address
    assert task.place_path == gate.place_path
    passenger = TransferPassenger.objects.get(task=task)
    assert (passenger.person_id, passenger.measure_id, passenger.is_active) == (world.A.person.pk, None, True)
    assert not Measure.objects.filter(person=world.A.person).exists()


def test_the_fever_clinic_request_is_dispatched_at_once_without_a_measure(world: World, gate: Any) -> None:
    task = TransferTask.objects.get(source_alert=fever(world, gate, world.A.person).alert)
    site_staff = world.user(Role.SITE_STAFF, "A")
    assign_vehicle(actor=site_staff, task=task, vehicle=make_vehicle(world.hq, world.A.community))
    add_crew_member(actor=site_staff, task=task, data=CrewInput(role="driver", name="王师傅"))
    task = depart(actor=site_staff, task=task)
    assert task.status == TransferStatus.EN_ROUTE
    result = arrive(actor=site_staff, task=task)
    assert result.task.status == TransferStatus.ARRIVED
    assert not TransferPassenger.objects.filter(person=world.A.person, is_active=True).exists()


def test_a_person_under_a_measure_rides_with_their_measure_and_one_request_per_person(world: World, gate: Any) -> None:
    measure = new_measure(world)
    first = fever(world, gate, measure.person)
    again = fever(world, gate, measure.person)
    assert TransferTask.objects.filter(kind=TransferKind.FEVER_CLINIC).count() == 1
    task = TransferTask.objects.get(source_alert=first.alert)
    assert TransferPassenger.objects.get(task=task).measure == measure
    assert again.alert is not None
    assert not TransferTask.objects.filter(source_alert=again.alert).exists()


def test_a_red_code_asks_for_no_transfer(world: World, gate: Any) -> None:
    pass_gate(world.hq, gate, document_number=world.A.person.document_number, health_code="red")
    assert not TransferTask.objects.exists()
