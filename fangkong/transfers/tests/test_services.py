"""Transfer tasks as the site staff run them: seats, one active task per person, the run, disinfection."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from fangkong.accounts.models import Role
from fangkong.audit.models import AuditEvent
from fangkong.conftest import World
from fangkong.quarantine.models import MeasureStatus, Placement, RoomStatus
from fangkong.quarantine.selectors import unmet_release_conditions
from fangkong.quarantine.services import ReleaseBlocked, place_person, release_measure
from fangkong.transfers.models import (
    CrewMember,
    TransferKind,
    TransferPassenger,
    TransferStatus,
    TransferTask,
    Vehicle,
    VehicleStatus,
    normalize_plate,
    validate_plate,
)
from fangkong.transfers.services import (
    CrewInput,
    TransferConflict,
    VehicleInput,
    add_crew_member,
    add_passenger,
    arrive,
    assign_vehicle,
    cancel_task,
    create_vehicle,
    depart,
    record_disinfection,
    remove_passenger,
    update_vehicle,
)
from fangkong.transfers.tests.factories import make_measure, make_site, make_task, make_vehicle, new_measure

pytestmark = pytest.mark.django_db


def staff(world: World, side: str = "A"):
    return world.user(Role.SITE_STAFF, side)


# --- vehicles -----------------------------------------------------------------------------------


@pytest.mark.parametrize("plate", ["豫C12345", "豫CD12345", "豫C12345D", "京A0B12C", " 豫c·12345 ", "豫Ｃ１２３４５"])
def test_mainland_plates_are_accepted(plate: str) -> None:
    validate_plate(plate)


@pytest.mark.parametrize("plate", ["", "C12345", "豫12345", "豫C1234", "豫C123456", "豫CI2345", "XC12345", "豫CD1234X"])
def test_malformed_plates_are_refused(plate: str) -> None:
    with pytest.raises(ValidationError):
        validate_plate(plate)


def test_plate_is_stored_normalised(world: World) -> None:
    vehicle = make_vehicle(world.hq, world.A.street, plate="豫c·d12345")
    assert Vehicle.objects.get(pk=vehicle.pk).plate == "豫CD12345" == normalize_plate("豫c d12345")


@pytest.mark.parametrize("seats", [0, -1, 61])
def test_a_vehicle_has_one_to_sixty_seats(world: World, seats: int) -> None:
    with pytest.raises(ValidationError) as exc:
        create_vehicle(actor=world.hq, data=VehicleInput(plate="豫C54321", seats=seats, place=world.A.street))
    assert "seats" in exc.value.message_dict
    assert not Vehicle.objects.exists()


def test_the_same_plate_is_registered_once(world: World) -> None:
    make_vehicle(world.hq, world.A.street, plate="豫C54321")
    with pytest.raises(ValidationError) as exc:
        make_vehicle(world.hq, world.B.street, plate="豫c54321")
    assert "already registered" in exc.value.message_dict["plate"][0]


def test_vehicle_outside_jurisdiction_cannot_be_registered(world: World) -> None:
    with pytest.raises(PermissionDenied):
        make_vehicle(staff(world, "B"), world.A.street)


def test_vehicle_on_a_task_cannot_be_set_available_by_hand(world: World) -> None:
    vehicle = make_vehicle(world.hq, world.A.street)
    make_task(world.hq, [new_measure(world)], vehicle=vehicle, site=make_site(world.hq, world.A.street))
    data = VehicleInput(plate=vehicle.plate, seats=vehicle.seats, place=world.A.street)
    with pytest.raises(TransferConflict, match="booked for task"):
        update_vehicle(actor=world.hq, vehicle=vehicle, data=data, status=VehicleStatus.OUT_OF_SERVICE)
    with pytest.raises(ValidationError):
        update_vehicle(actor=world.hq, vehicle=vehicle, data=data, status=VehicleStatus.ON_TASK)


# --- planning -----------------------------------------------------------------------------------


def test_a_task_cannot_take_more_people_than_the_vehicle_has_seats(world: World) -> None:
    site = make_site(world.hq, world.A.street)
    vehicle = make_vehicle(world.hq, world.A.street, seats=2)
    measures = [new_measure(world) for _ in range(3)]
    with pytest.raises(TransferConflict, match="has 2 passenger seats; 3 persons cannot ride"):
        make_task(staff(world), measures, vehicle=vehicle, site=site)
    assert not TransferTask.objects.filter(is_request=False).exists()  # a request per measure aside
    assert not TransferPassenger.objects.filter(task__is_request=False).exists()


def test_adding_a_passenger_beyond_the_seats_is_refused(world: World) -> None:
    site = make_site(world.hq, world.A.street)
    task = make_task(
        staff(world), [new_measure(world)], vehicle=make_vehicle(world.hq, world.A.street, seats=1), site=site
    )
    with pytest.raises(TransferConflict, match="1 passenger seats"):
        add_passenger(actor=staff(world), task=task, measure=new_measure(world))
    assert task.passengers.count() == 1


def test_a_smaller_vehicle_cannot_be_assigned_to_a_fuller_task(world: World) -> None:
    site = make_site(world.hq, world.A.street)
    task = make_task(staff(world), [new_measure(world), new_measure(world)], site=site)
    small = make_vehicle(world.hq, world.A.street, seats=1)
    with pytest.raises(TransferConflict, match="cannot ride"):
        assign_vehicle(actor=staff(world), task=task, vehicle=small)
    task.refresh_from_db()
    assert task.vehicle_id is None


def test_a_person_cannot_be_on_two_active_tasks(world: World) -> None:
    site = make_site(world.hq, world.A.street)
    measure = new_measure(world, name="张三")
    first = make_task(staff(world), [measure], vehicle=make_vehicle(world.hq, world.A.street), site=site)
    with pytest.raises(TransferConflict, match=f"张三 is already on transfer task #{first.pk}"):
        make_task(staff(world), [measure], vehicle=make_vehicle(world.hq, world.A.street), site=site)
    assert TransferTask.objects.filter(is_request=False).count() == 1


def test_a_person_may_travel_again_once_the_first_task_is_cancelled(world: World) -> None:
    site = make_site(world.hq, world.A.street)
    measure = new_measure(world)
    first = make_task(staff(world), [measure], site=site)
    cancel_task(actor=staff(world), task=first, reason="车辆故障")
    second = make_task(staff(world), [measure], site=site)
    assert list(second.passengers.values_list("measure_id", "is_active")) == [(measure.pk, True)]
    assert first.passengers.get().is_active is False


def test_a_vehicle_is_booked_by_one_active_task(world: World) -> None:
    site = make_site(world.hq, world.A.street)
    vehicle = make_vehicle(world.hq, world.A.street)
    first = make_task(staff(world), [new_measure(world)], vehicle=vehicle, site=site)
    with pytest.raises(TransferConflict, match=f"already booked for task #{first.pk}"):
        make_task(staff(world), [new_measure(world)], vehicle=vehicle, site=site)


def test_a_vehicle_out_of_service_cannot_be_planned(world: World) -> None:
    vehicle = make_vehicle(world.hq, world.A.street)
    Vehicle.objects.filter(pk=vehicle.pk).update(status=VehicleStatus.OUT_OF_SERVICE)
    with pytest.raises(TransferConflict, match="not available"):
        make_task(staff(world), [new_measure(world)], vehicle=vehicle, site=make_site(world.hq, world.A.street))


def test_only_persons_under_an_active_measure_are_transferred(world: World) -> None:
    measure = new_measure(world)
    measure.status = MeasureStatus.RELEASED
    measure.save(update_fields=["status"])
    with pytest.raises(TransferConflict, match="not under an active measure"):
        make_task(staff(world), [measure], site=make_site(world.hq, world.A.street))


def test_a_central_quarantine_transfer_names_its_site(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        make_task(staff(world), [new_measure(world)], site=None)
    assert "to_site" in exc.value.message_dict


def test_staff_of_another_jurisdiction_cannot_plan_for_the_person(world: World) -> None:
    with pytest.raises(PermissionDenied):
        make_task(staff(world, "B"), [new_measure(world)], site=make_site(world.hq, world.B.street))


def test_the_task_belongs_to_the_first_passengers_place_and_is_audited(world: World) -> None:
    measure = new_measure(world)
    task = make_task(staff(world), [measure], site=make_site(world.hq, world.A.street))
    assert task.place_path == measure.place_path
    assert AuditEvent.objects.filter(object_type="transfers.transfertask", object_id=str(task.pk)).exists()


def test_crew_phone_is_validated(world: World) -> None:
    task = make_task(staff(world), [new_measure(world)], site=make_site(world.hq, world.A.street))
    with pytest.raises(ValidationError) as exc:
        add_crew_member(actor=staff(world), task=task, data=CrewInput(role="medic", name="李医生", phone="12345"))
    assert "phone" in exc.value.message_dict
    add_crew_member(actor=staff(world), task=task, data=CrewInput(role="medic", name="李医生", phone="13900001111"))
    assert list(CrewMember.objects.filter(task=task).values_list("role", flat=True)) == ["driver", "medic"]


# --- the run ------------------------------------------------------------------------------------


def test_a_task_departs_only_with_a_vehicle_and_a_driver(world: World) -> None:
    site = make_site(world.hq, world.A.street)
    no_vehicle = make_task(staff(world), [new_measure(world)], site=site)
    with pytest.raises(TransferConflict, match="Assign a vehicle"):
        depart(actor=staff(world), task=no_vehicle)
    no_driver = make_task(
        staff(world), [new_measure(world)], vehicle=make_vehicle(world.hq, world.A.street), site=site, driver=False
    )
    with pytest.raises(TransferConflict, match="driver"):
        depart(actor=staff(world), task=no_driver)


def test_departure_puts_the_vehicle_on_the_task(world: World) -> None:
    vehicle = make_vehicle(world.hq, world.A.street)
    task = make_task(staff(world), [new_measure(world)], vehicle=vehicle, site=make_site(world.hq, world.A.street))
    depart(actor=staff(world), task=task)
    task.refresh_from_db()
    vehicle.refresh_from_db()
    assert (task.status, vehicle.status) == (TransferStatus.EN_ROUTE, VehicleStatus.ON_TASK)
    assert task.departed_at is not None


def test_arrival_at_a_site_places_each_passenger_in_a_free_room(world: World) -> None:
    site = make_site(world.hq, world.A.street, rooms=3)
    vehicle = make_vehicle(world.hq, world.A.street)
    measures = [new_measure(world), new_measure(world)]
    task = make_task(staff(world), measures, vehicle=vehicle, site=site)
    depart(actor=staff(world), task=task)
    result = arrive(actor=staff(world), task=task)

    assert (len(result.placed), len(result.unplaced)) == (2, 0)
    placements = Placement.objects.filter(measure__in=measures, ended_at__isnull=True)
    assert sorted(p.room.number for p in placements) == ["101", "102"]
    assert all(p.site_id == site.pk for p in placements)
    task.refresh_from_db()
    vehicle.refresh_from_db()
    assert (task.status, vehicle.status) == (TransferStatus.ARRIVED, VehicleStatus.DISINFECTING)
    assert not TransferPassenger.objects.filter(task=task, is_active=True).exists()
    assert all(p.outcome.startswith("Placed in room") for p in task.passengers.all())


def test_arrival_without_a_free_room_leaves_the_person_unplaced_and_says_so(world: World) -> None:
    site = make_site(world.hq, world.A.street, rooms=1)
    measures = [new_measure(world, name="甲"), new_measure(world, name="乙")]
    task = make_task(staff(world), measures, vehicle=make_vehicle(world.hq, world.A.street), site=site)
    depart(actor=staff(world), task=task)
    result = arrive(actor=staff(world), task=task)

    assert [p.person.name for p in result.unplaced] == ["乙"]
    assert "1 persons placed, 1 still need a room: 乙" in result.message
    assert Placement.objects.filter(measure=measures[1]).count() == 0
    assert "No free room" in TransferPassenger.objects.get(task=task, measure=measures[1]).outcome
    task.refresh_from_db()
    assert task.status == TransferStatus.ARRIVED
    assert "still need a room" in task.arrival_note


def test_arrival_before_departure_is_refused(world: World) -> None:
    task = make_task(
        staff(world),
        [new_measure(world)],
        vehicle=make_vehicle(world.hq, world.A.street),
        site=make_site(world.hq, world.A.street),
    )
    departed = timezone.now() - dt.timedelta(minutes=30)
    depart(actor=staff(world), task=task, at=departed)
    with pytest.raises(ValidationError) as exc:
        arrive(actor=staff(world), task=task, at=departed - dt.timedelta(minutes=1))
    assert "before the departure" in exc.value.message_dict["arrived_at"][0]
    task.refresh_from_db()
    assert task.status == TransferStatus.EN_ROUTE


def test_a_departure_in_the_future_is_refused(world: World) -> None:
    task = make_task(
        staff(world),
        [new_measure(world)],
        vehicle=make_vehicle(world.hq, world.A.street),
        site=make_site(world.hq, world.A.street),
    )
    with pytest.raises(ValidationError):
        depart(actor=staff(world), task=task, at=timezone.now() + dt.timedelta(hours=1))


def test_a_planned_task_cannot_arrive(world: World) -> None:
    task = make_task(staff(world), [new_measure(world)], site=make_site(world.hq, world.A.street))
    with pytest.raises(TransferConflict, match="is Planned"):
        arrive(actor=staff(world), task=task)


def test_hospital_arrival_ends_the_persons_stay_at_the_site(world: World) -> None:
    site = make_site(world.hq, world.A.street)
    measure = new_measure(world)
    place_person(actor=world.hq, measure=measure, room=site.rooms.get(number="101"))
    task = make_task(
        staff(world), [measure], kind=TransferKind.TO_HOSPITAL, vehicle=make_vehicle(world.hq, world.A.street)
    )
    depart(actor=staff(world), task=task)
    arrive(actor=staff(world), task=task)

    placement = Placement.objects.get(measure=measure)
    assert placement.ended_at is not None
    assert placement.room.status == RoomStatus.CLEANING
    measure.refresh_from_db()
    assert (measure.site_id, measure.at_home, measure.status) == (None, False, MeasureStatus.ACTIVE)


def test_the_vehicle_is_available_again_once_disinfected(world: World) -> None:
    vehicle = make_vehicle(world.hq, world.A.street)
    site = make_site(world.hq, world.A.street)
    task = make_task(staff(world), [new_measure(world)], vehicle=vehicle, site=site)
    depart(actor=staff(world), task=task)
    arrive(actor=staff(world), task=task)
    with pytest.raises(TransferConflict, match="not available"):
        make_task(staff(world), [new_measure(world)], vehicle=vehicle, site=site)

    record_disinfection(actor=staff(world), task=task)
    vehicle.refresh_from_db()
    task.refresh_from_db()
    assert vehicle.status == VehicleStatus.AVAILABLE
    assert task.disinfected_by == staff(world)
    with pytest.raises(TransferConflict, match="already recorded"):
        record_disinfection(actor=staff(world), task=task)
    assert make_task(staff(world), [new_measure(world)], vehicle=vehicle, site=site).vehicle_id == vehicle.pk


def test_disinfection_before_arrival_is_refused(world: World) -> None:
    task = make_task(
        staff(world),
        [new_measure(world)],
        vehicle=make_vehicle(world.hq, world.A.street),
        site=make_site(world.hq, world.A.street),
    )
    with pytest.raises(TransferConflict, match="after the task has arrived"):
        record_disinfection(actor=staff(world), task=task)


def test_a_running_task_cannot_be_cancelled(world: World) -> None:
    task = make_task(
        staff(world),
        [new_measure(world)],
        vehicle=make_vehicle(world.hq, world.A.street),
        site=make_site(world.hq, world.A.street),
    )
    depart(actor=staff(world), task=task)
    with pytest.raises(TransferConflict):
        cancel_task(actor=staff(world), task=task, reason="改派")


def test_passengers_are_changed_only_while_planned(world: World) -> None:
    task = make_task(
        staff(world),
        [new_measure(world)],
        vehicle=make_vehicle(world.hq, world.A.street),
        site=make_site(world.hq, world.A.street),
    )
    depart(actor=staff(world), task=task)
    with pytest.raises(TransferConflict):
        remove_passenger(actor=staff(world), task=task, passenger=task.passengers.get())
    with pytest.raises(TransferConflict):
        add_passenger(actor=staff(world), task=task, measure=new_measure(world))


# --- release ------------------------------------------------------------------------------------


def test_a_person_on_an_active_task_cannot_be_released(world: World) -> None:
    measure = new_measure(world)
    measure.tests.all().delete()
    task = make_task(staff(world), [measure], site=make_site(world.hq, world.A.street))
    assert f"On transfer task #{task.pk}, not yet arrived." in unmet_release_conditions(measure, waive_end_date=True)
    with pytest.raises(ReleaseBlocked) as exc:
        release_measure(actor=world.hq, measure=measure, early_reason="转院")
    assert any(f"#{task.pk}" in d for d in exc.value.details)

    cancel_task(actor=staff(world), task=task, reason="取消")
    assert unmet_release_conditions(measure, waive_end_date=True) == []


def test_an_unrelated_persons_task_does_not_block_release(world: World) -> None:
    other = make_measure(world.hq, world.B.person)  # before any site: no transfer of their own is requested
    make_task(staff(world), [new_measure(world)], site=make_site(world.hq, world.A.street))
    other.tests.all().delete()
    assert unmet_release_conditions(other, waive_end_date=True) == []
