"""Every write of transfers: vehicles, tasks and their passengers and crew, the run itself
(depart, arrive, disinfect, cancel), and the hospital transfer that monitoring requests.

Seats and double booking are decided under a row lock on the task (passengers) and by the
database's partial unique constraints (one active task per person, per vehicle), so two staff
working at once cannot overfill a vehicle or put a person on two runs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.audit.models import AuditAction
from fangkong.audit.services import record, say
from fangkong.core.errors import Conflict
from fangkong.core.masking import mask_phone
from fangkong.core.scoping import require_jurisdiction
from fangkong.core.validators import clean_free_text, parse_phone
from fangkong.places.models import Place
from fangkong.quarantine.models import Measure, MeasureStatus, Placement, Site, SiteStatus
from fangkong.transfers.models import (
    ACTIVE_STATUSES,
    MAX_SEATS,
    CrewMember,
    CrewRole,
    TransferKind,
    TransferPassenger,
    TransferStatus,
    TransferTask,
    Vehicle,
    VehicleKind,
    VehicleStatus,
    normalize_plate,
    validate_plate,
)
from fangkong.transfers.requests import from_address_of as _from_address_of
from fangkong.transfers.requests import is_site_request, open_request, withdraw_from_site_request

# A device or browser clock may run a little ahead; beyond this a time is "in the future".
CLOCK_SKEW = dt.timedelta(minutes=5)


class TransferConflict(Conflict):
    pass


def _is_user(actor: Any) -> bool:
    return actor is not None and bool(getattr(actor, "is_authenticated", False))


def _moment(value: dt.datetime | None, field_name: str, *, now: dt.datetime) -> dt.datetime:
    """A recorded time: now when not given, never in the future."""
    if value is None:
        return now
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value > now + CLOCK_SKEW:
        raise ValidationError({field_name: [_("The time cannot be in the future.")]})
    return value


# --- vehicles ---------------------------------------------------------------------------------


@dataclass
class VehicleInput:
    plate: str
    seats: int
    place: Place
    kind: str = VehicleKind.VAN
    note: str = ""


def _clean_vehicle(data: VehicleInput) -> tuple[str, int, str]:
    plate = normalize_plate(data.plate)
    try:
        validate_plate(plate)
    except ValidationError as exc:
        raise ValidationError({"plate": exc.messages}) from None
    try:
        seats = int(data.seats)
    except (TypeError, ValueError):
        seats = 0
    if not 1 <= seats <= MAX_SEATS:
        raise ValidationError({"seats": [_("A vehicle has 1 to %(n)d passenger seats.") % {"n": MAX_SEATS}]})
    if data.kind not in VehicleKind.values:
        raise ValidationError({"kind": [_("Choose a vehicle type from the list.")]})
    return plate, seats, clean_free_text(data.note, "note")


@transaction.atomic
def create_vehicle(*, actor: Any, data: VehicleInput, request: HttpRequest | None = None) -> Vehicle:
    require_jurisdiction(actor, data.place.path)
    plate, seats, note = _clean_vehicle(data)
    if Vehicle.objects.filter(plate=plate).exists():
        raise ValidationError(
            {"plate": [_("A vehicle with plate %(plate)s is already registered.") % {"plate": plate}]}
        )
    try:
        with transaction.atomic():
            vehicle = Vehicle.objects.create(
                plate=plate, seats=seats, kind=data.kind, note=note, place=data.place, place_path=data.place.path
            )
    except IntegrityError as exc:
        raise ValidationError(
            {"plate": [_("A vehicle with plate %(plate)s is already registered.") % {"plate": plate}]}
        ) from exc
    record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=vehicle,
        summary=say(gettext_lazy("Vehicle %(plate)s added"), plate=plate),
        request=request,
    )
    return vehicle


@transaction.atomic
def update_vehicle(
    *, actor: Any, vehicle: Vehicle, data: VehicleInput, status: str | None = None, request: HttpRequest | None = None
) -> Vehicle:
    """Plate, seats, place and note; the status only between available and out of service
    (on a task and being disinfected follow the runs)."""
    require_jurisdiction(actor, vehicle.place_path)
    require_jurisdiction(actor, data.place.path)
    vehicle = Vehicle.objects.select_for_update().get(pk=vehicle.pk)
    plate, seats, note = _clean_vehicle(data)
    if Vehicle.objects.filter(plate=plate).exclude(pk=vehicle.pk).exists():
        raise ValidationError(
            {"plate": [_("A vehicle with plate %(plate)s is already registered.") % {"plate": plate}]}
        )
    booked = TransferTask.objects.filter(vehicle=vehicle, status__in=ACTIVE_STATUSES).first()
    if booked is not None:
        aboard = TransferPassenger.objects.filter(task=booked, is_active=True).count()
        if seats < aboard:
            raise TransferConflict(
                _("Task #%(task)d already has %(n)d passengers in this vehicle; it needs at least as many seats.")
                % {"task": booked.pk, "n": aboard}
            )
    changes: dict[str, Any] = {}
    if status and status != vehicle.status:
        if status not in (VehicleStatus.AVAILABLE, VehicleStatus.OUT_OF_SERVICE):
            raise ValidationError(
                {"status": [_("A vehicle goes on a task or into disinfection only through its transfer tasks.")]}
            )
        if vehicle.status in (VehicleStatus.ON_TASK, VehicleStatus.DISINFECTING):
            raise TransferConflict(
                _("Vehicle %(plate)s is %(status)s; its status changes when the run or disinfection is recorded.")
                % {"plate": vehicle.plate, "status": vehicle.get_status_display()}
            )
        if status == VehicleStatus.OUT_OF_SERVICE and booked is not None:
            raise TransferConflict(
                _("Vehicle %(plate)s is booked for task #%(task)d; assign another vehicle to it first.")
                % {"plate": vehicle.plate, "task": booked.pk}
            )
        changes["status"] = [vehicle.status, status]
        vehicle.status = status
    for name, value in (("plate", plate), ("seats", seats), ("kind", data.kind), ("note", note)):
        if getattr(vehicle, name) != value:
            changes[name] = [getattr(vehicle, name), value]
            setattr(vehicle, name, value)
    vehicle.place = data.place
    vehicle.place_path = data.place.path
    vehicle.save()
    record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=vehicle,
        summary=say(gettext_lazy("Vehicle %(plate)s edited"), plate=vehicle.plate),
        changes=changes,
        request=request,
    )
    return vehicle


# --- tasks ------------------------------------------------------------------------------------


@dataclass
class CrewInput:
    role: str
    name: str
    phone: str = ""


@dataclass
class TaskInput:
    kind: str
    measures: list[Measure]
    planned_at: dt.datetime
    vehicle: Vehicle | None = None
    from_address: str = ""
    to_site: Site | None = None
    to_text: str = ""
    reason: str = ""
    # Where the task belongs when it has no passenger yet; otherwise the first passenger's place.
    place: Place | None = None
    crew: list[CrewInput] = field(default_factory=list)


def _lock_task(task: TransferTask) -> TransferTask:
    return TransferTask.objects.select_for_update().get(pk=task.pk)


def _require_state(task: TransferTask, *allowed: str) -> None:
    if task.status not in allowed:
        raise TransferConflict(
            _("Task #%(task)d is %(status)s; this cannot be done now.")
            % {"task": task.pk, "status": task.get_status_display()}
        )


def _check_vehicle_free(vehicle: Vehicle, *, task: TransferTask | None = None) -> Vehicle:
    vehicle = Vehicle.objects.select_for_update().get(pk=vehicle.pk)
    if vehicle.status != VehicleStatus.AVAILABLE:
        raise TransferConflict(
            _("Vehicle %(plate)s is not available (%(status)s).")
            % {"plate": vehicle.plate, "status": vehicle.get_status_display()}
        )
    booked = TransferTask.objects.filter(vehicle=vehicle, status__in=ACTIVE_STATUSES)
    if task is not None:
        booked = booked.exclude(pk=task.pk)
    other = booked.first()
    if other is not None:
        raise TransferConflict(
            _("Vehicle %(plate)s is already booked for task #%(task)d.") % {"plate": vehicle.plate, "task": other.pk}
        )
    return vehicle


def _seat_check(vehicle: Vehicle | None, count: int) -> None:
    if vehicle is not None and count > vehicle.seats:
        raise TransferConflict(
            _("Vehicle %(plate)s has %(seats)d passenger seats; %(n)d persons cannot ride in it.")
            % {"plate": vehicle.plate, "seats": vehicle.seats, "n": count}
        )


def _add_passenger_row(task: TransferTask, measure: Measure, actor: Any) -> TransferPassenger:
    """Checks the measure and that the person is on no other active task; the caller holds the task lock."""
    if _is_user(actor):
        require_jurisdiction(actor, measure.place_path)
    measure = Measure.objects.select_related("person").get(pk=measure.pk)
    if measure.status != MeasureStatus.ACTIVE:
        raise TransferConflict(
            _("%(name)s is not under an active measure; only persons under a measure are transferred.")
            % {"name": measure.person.name}
        )
    other = TransferPassenger.objects.filter(person_id=measure.person_id, is_active=True).select_related("task").first()
    if other is not None and other.task_id != task.pk and is_site_request(_lock_task(other.task)):
        # The run staff plan now takes the person: the request nobody acted on yet gives way to it.
        withdraw_from_site_request(
            actor=actor, passenger=other, reason=_("Planned in task #%(task)d") % {"task": task.pk}
        )
        other = None
    if other is not None:
        if other.task_id == task.pk:
            raise TransferConflict(_("%(name)s is already on this task.") % {"name": measure.person.name})
        raise TransferConflict(
            _("%(name)s is already on transfer task #%(task)d (%(status)s); a person is on one active task at a time.")
            % {"name": measure.person.name, "task": other.task_id, "status": other.task.get_status_display()}
        )
    try:
        with transaction.atomic():
            return TransferPassenger.objects.create(task=task, measure=measure, person_id=measure.person_id)
    except IntegrityError as exc:
        # Another member of staff put the person on a task a moment ago.
        raise TransferConflict(
            _("%(name)s has just been put on another transfer task.") % {"name": measure.person.name}
        ) from exc


def _clean_crew(items: list[CrewInput]) -> list[CrewMember]:
    members = []
    for item in items:
        if item.role not in CrewRole.values:
            raise ValidationError({"role": [_("Choose a crew role from the list.")]})
        name = clean_free_text(item.name, "name", required=True, limit=50)
        phone = ""
        if (item.phone or "").strip():
            try:
                phone = parse_phone(item.phone)
            except ValidationError as exc:
                raise ValidationError({"phone": exc.messages}) from None
        members.append(CrewMember(role=item.role, name=name, phone=phone))
    return members


@transaction.atomic
def create_task(*, actor: Any, data: TaskInput, request: HttpRequest | None = None) -> TransferTask:
    """Plan a run: the vehicle must be free, the passengers under an active measure, each on no
    other active task, and no more of them than the vehicle has seats."""
    if data.kind not in TransferKind.values:
        raise ValidationError({"kind": [_("Choose where the transfer goes.")]})
    measures = list(data.measures)
    if len({m.pk for m in measures}) != len(measures):
        raise ValidationError({"measures": [_("A person is listed twice.")]})
    if data.place is None and not measures:
        raise ValidationError({"measures": [_("Choose at least one person to transfer.")]})
    for m in measures:
        require_jurisdiction(actor, m.place_path)
    place = data.place or measures[0].place
    require_jurisdiction(actor, place.path)
    to_site = data.to_site
    to_text = clean_free_text(data.to_text, "to_text")
    if data.kind == TransferKind.TO_SITE:
        if to_site is None:
            raise ValidationError({"to_site": [_("Choose the quarantine site the persons are taken to.")]})
        if to_site.status not in (SiteStatus.IN_USE, SiteStatus.RESERVE):
            raise TransferConflict(
                _("Site %(site)s is %(status)s and takes no guests.")
                % {"site": to_site.name, "status": to_site.get_status_display()}
            )
    else:
        to_site = None
        if not to_text:
            raise ValidationError({"to_text": [_("Give the hospital or the address the persons are taken to.")]})
    from_address = clean_free_text(data.from_address, "from_address")
    if not from_address and measures:
        from_address = _from_address_of(measures[0])
    if not from_address:
        raise ValidationError({"from_address": [_("Give the address the persons are picked up at.")]})
    if data.planned_at is None:
        raise ValidationError({"planned_at": [_("Give the planned departure time.")]})
    planned_at = data.planned_at if timezone.is_aware(data.planned_at) else timezone.make_aware(data.planned_at)
    crew = _clean_crew(data.crew)
    vehicle = None
    if data.vehicle is not None:
        require_jurisdiction(actor, data.vehicle.place_path)
        vehicle = _check_vehicle_free(data.vehicle)
        _seat_check(vehicle, len(measures))
    try:
        with transaction.atomic():
            task = TransferTask.objects.create(
                kind=data.kind,
                place=place,
                place_path=place.path,
                from_address=from_address,
                to_site=to_site,
                to_text=to_text,
                vehicle=vehicle,
                reason=clean_free_text(data.reason, "reason", limit=300),
                planned_at=planned_at,
                created_by=actor if _is_user(actor) else None,
            )
    except IntegrityError as exc:
        raise TransferConflict(_("This vehicle has just been booked for another task.")) from exc
    # Lock order everywhere: task, then passengers.
    _lock_task(task)
    for m in measures:
        _add_passenger_row(task, m, actor)
    for member in crew:
        member.task = task
    CrewMember.objects.bulk_create(crew)
    record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=task,
        summary=say(
            gettext_lazy("Transfer task %(id)s (%(kind)s, %(n)s persons)"),
            id=task.pk,
            kind=TransferKind(task.kind).label,
            n=len(measures),
        ),
        request=request,
    )
    return task


@transaction.atomic
def assign_vehicle(
    *, actor: Any, task: TransferTask, vehicle: Vehicle, request: HttpRequest | None = None
) -> TransferTask:
    require_jurisdiction(actor, task.place_path)
    require_jurisdiction(actor, vehicle.place_path)
    task = _lock_task(task)
    _require_state(task, TransferStatus.PLANNED)
    vehicle = _check_vehicle_free(vehicle, task=task)
    _seat_check(vehicle, TransferPassenger.objects.filter(task=task, is_active=True).count())
    before = task.vehicle_id
    task.vehicle = vehicle
    try:
        with transaction.atomic():
            task.save(update_fields=["vehicle", "updated_at"])
    except IntegrityError as exc:
        raise TransferConflict(_("This vehicle has just been booked for another task.")) from exc
    record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=task,
        summary=say(gettext_lazy("Transfer task %(id)s: vehicle %(plate)s"), id=task.pk, plate=vehicle.plate),
        changes={"vehicle": [before, vehicle.pk]},
        request=request,
    )
    return task


@transaction.atomic
def add_passenger(
    *, actor: Any, task: TransferTask, measure: Measure, request: HttpRequest | None = None
) -> TransferPassenger:
    """Concurrency-safe: the task row is locked, so two staff adding at once count each other."""
    require_jurisdiction(actor, task.place_path)
    task = _lock_task(task)
    _require_state(task, TransferStatus.PLANNED)
    vehicle = Vehicle.objects.get(pk=task.vehicle_id) if task.vehicle_id else None
    aboard = TransferPassenger.objects.filter(task=task, is_active=True).count()
    _seat_check(vehicle, aboard + 1)
    passenger = _add_passenger_row(task, measure, actor)
    record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=task,
        summary=say(gettext_lazy("Transfer task %(id)s: measure %(measure)s added"), id=task.pk, measure=measure.pk),
        request=request,
    )
    return passenger


@transaction.atomic
def remove_passenger(
    *, actor: Any, task: TransferTask, passenger: TransferPassenger, request: HttpRequest | None = None
) -> None:
    require_jurisdiction(actor, task.place_path)
    task = _lock_task(task)
    _require_state(task, TransferStatus.PLANNED)
    deleted, _rows = TransferPassenger.objects.filter(pk=passenger.pk, task=task).delete()
    if not deleted:
        raise TransferConflict(_("This person is not on the task."))
    record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=task,
        summary=say(
            gettext_lazy("Transfer task %(id)s: measure %(measure)s removed"), id=task.pk, measure=passenger.measure_id
        ),
        request=request,
    )


@transaction.atomic
def add_crew_member(
    *, actor: Any, task: TransferTask, data: CrewInput, request: HttpRequest | None = None
) -> CrewMember:
    require_jurisdiction(actor, task.place_path)
    task = _lock_task(task)
    _require_state(task, TransferStatus.PLANNED, TransferStatus.EN_ROUTE)
    (member,) = _clean_crew([data])
    member.task = task
    member.save()
    record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=task,
        summary=say(
            gettext_lazy("Transfer task %(id)s: crew %(role)s %(phone)s"),
            id=task.pk,
            role=CrewRole(member.role).label,
            phone=mask_phone(member.phone),
        ),
        request=request,
    )
    return member


@transaction.atomic
def remove_crew_member(
    *, actor: Any, task: TransferTask, member: CrewMember, request: HttpRequest | None = None
) -> None:
    require_jurisdiction(actor, task.place_path)
    task = _lock_task(task)
    _require_state(task, TransferStatus.PLANNED)
    CrewMember.objects.filter(pk=member.pk, task=task).delete()
    record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=task,
        summary=say(gettext_lazy("Transfer task %(id)s: a crew member removed"), id=task.pk),
        request=request,
    )


# --- the run ----------------------------------------------------------------------------------


@transaction.atomic
def depart(
    *, actor: Any, task: TransferTask, at: dt.datetime | None = None, request: HttpRequest | None = None
) -> TransferTask:
    """The vehicle leaves with its passengers and a driver."""
    require_jurisdiction(actor, task.place_path)
    task = _lock_task(task)
    _require_state(task, TransferStatus.PLANNED)
    if task.vehicle_id is None:
        raise TransferConflict(_("Assign a vehicle before the task departs."))
    aboard = TransferPassenger.objects.filter(task=task, is_active=True).count()
    if not aboard:
        raise TransferConflict(_("The task has no passengers."))
    if not CrewMember.objects.filter(task=task, role=CrewRole.DRIVER).exists():
        raise TransferConflict(_("Add a driver to the crew before the task departs."))
    vehicle = Vehicle.objects.select_for_update().get(pk=task.vehicle_id)
    if vehicle.status != VehicleStatus.AVAILABLE:
        raise TransferConflict(
            _("Vehicle %(plate)s is not available (%(status)s).")
            % {"plate": vehicle.plate, "status": vehicle.get_status_display()}
        )
    _seat_check(vehicle, aboard)
    now = timezone.now()
    task.departed_at = _moment(at, "departed_at", now=now)
    task.status = TransferStatus.EN_ROUTE
    task.save(update_fields=["departed_at", "status", "updated_at"])
    vehicle.status = VehicleStatus.ON_TASK
    vehicle.save(update_fields=["status", "updated_at"])
    record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=task,
        summary=say(gettext_lazy("Transfer task %(id)s departed"), id=task.pk),
        changes={"status": [TransferStatus.PLANNED, TransferStatus.EN_ROUTE]},
        request=request,
    )
    return task


@dataclass
class ArrivalResult:
    task: TransferTask
    placed: list[TransferPassenger] = field(default_factory=list)
    unplaced: list[TransferPassenger] = field(default_factory=list)

    @property
    def message(self) -> str:
        if self.task.kind != TransferKind.TO_SITE:
            return _("Task #%(task)d has arrived.") % {"task": self.task.pk}
        if not self.unplaced:
            return _("Task #%(task)d has arrived; %(n)d persons placed.") % {
                "task": self.task.pk,
                "n": len(self.placed),
            }
        return _("Task #%(task)d has arrived; %(n)d persons placed, %(m)d still need a room: %(names)s.") % {
            "task": self.task.pk,
            "n": len(self.placed),
            "m": len(self.unplaced),
            "names": "、".join(p.person.name for p in self.unplaced),
        }


def _place_on_arrival(actor: Any, task: TransferTask, passenger: TransferPassenger, request: Any) -> bool:
    from fangkong.quarantine.services import leave_site, place_in_next_free_room

    measure = passenger.measure
    assert measure is not None  # a site takes only persons under a measure (arrive checks it first)
    current = Placement.objects.select_related("room").filter(measure=measure, ended_at__isnull=True).first()
    if current is not None and current.site_id == task.to_site_id:
        passenger.outcome = _("Already in room %(room)s.") % {"room": current.room.number}
        return True
    try:
        with transaction.atomic():
            if current is not None:
                leave_site(
                    actor=actor,
                    measure=measure,
                    reason=_("Transferred to %(site)s") % {"site": task.destination},
                    to_home=False,
                    request=request,
                )
            placement = place_in_next_free_room(actor=actor, measure=measure, site=task.to_site, request=request)
    except (Conflict, PermissionDenied) as exc:
        passenger.outcome = _("Not placed: %(why)s") % {"why": getattr(exc, "message", "") or _("no permission")}
        return False
    passenger.outcome = _("Placed in room %(room)s.") % {"room": placement.room.number}
    return True


@transaction.atomic
def arrive(
    *,
    actor: Any,
    task: TransferTask,
    at: dt.datetime | None = None,
    place_passengers: bool = True,
    request: HttpRequest | None = None,
) -> ArrivalResult:
    """The run ends: to a site, each passenger goes to the next free room there (or stays
    unplaced, reported); to hospital, a placed person leaves their room. The vehicle is then
    disinfected before its next run."""
    from fangkong.quarantine.services import leave_site

    require_jurisdiction(actor, task.place_path)
    task = _lock_task(task)
    _require_state(task, TransferStatus.EN_ROUTE)
    now = timezone.now()
    arrived_at = _moment(at, "arrived_at", now=now)
    assert task.departed_at is not None
    if arrived_at < task.departed_at:
        raise ValidationError(
            {
                "arrived_at": [
                    _("The arrival cannot be before the departure (%(time)s).")
                    % {"time": timezone.localtime(task.departed_at).strftime("%Y-%m-%d %H:%M")}
                ]
            }
        )
    result = ArrivalResult(task=task)
    passengers = list(
        TransferPassenger.objects.filter(task=task, is_active=True).select_related("measure", "person").order_by("id")
    )
    for p in passengers:
        if p.measure is None:
            # Taken to the fever clinic before any measure: nothing to place or release here.
            p.outcome = _("Handed over at %(place)s.") % {"place": task.destination}
        elif p.measure.status != MeasureStatus.ACTIVE:
            p.outcome = _("The measure has ended.")
        elif task.kind == TransferKind.TO_SITE:
            if place_passengers and _place_on_arrival(actor, task, p, request):
                result.placed.append(p)
            else:
                if not place_passengers:
                    p.outcome = _("Not placed yet.")
                result.unplaced.append(p)
        elif Placement.objects.filter(measure=p.measure, ended_at__isnull=True).exists():
            leave_site(
                actor=actor,
                measure=p.measure,
                reason=_("Taken home") if task.kind == TransferKind.TO_HOME else _("Transferred to hospital"),
                to_home=task.kind == TransferKind.TO_HOME,
                request=request,
            )
            p.outcome = _("Left the site.")
        p.is_active = False
    TransferPassenger.objects.bulk_update(passengers, ["is_active", "outcome"])
    task.status = TransferStatus.ARRIVED
    task.arrived_at = arrived_at
    task.arrival_note = result.message[:1000]
    task.save(update_fields=["status", "arrived_at", "arrival_note", "updated_at"])
    if task.vehicle_id is not None:
        # Every run ends with the vehicle disinfected before it takes anyone else.
        Vehicle.objects.filter(pk=task.vehicle_id).update(status=VehicleStatus.DISINFECTING, updated_at=now)
    record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=task,
        summary=say(
            gettext_lazy("Transfer task %(id)s arrived: %(placed)s placed, %(unplaced)s not placed"),
            id=task.pk,
            placed=len(result.placed),
            unplaced=len(result.unplaced),
        ),
        changes={"status": [TransferStatus.EN_ROUTE, TransferStatus.ARRIVED]},
        request=request,
    )
    return result


@transaction.atomic
def record_disinfection(
    *, actor: Any, task: TransferTask, at: dt.datetime | None = None, request: HttpRequest | None = None
) -> TransferTask:
    require_jurisdiction(actor, task.place_path)
    task = _lock_task(task)
    if task.status != TransferStatus.ARRIVED or task.vehicle_id is None:
        raise TransferConflict(_("The vehicle is disinfected after the task has arrived."))
    if task.disinfected_at is not None:
        raise TransferConflict(_("The disinfection of this run is already recorded."))
    disinfected_at = _moment(at, "disinfected_at", now=timezone.now())
    assert task.arrived_at is not None
    if disinfected_at < task.arrived_at:
        raise ValidationError({"disinfected_at": [_("The disinfection cannot be before the arrival.")]})
    task.disinfected_at = disinfected_at
    task.disinfected_by = actor
    task.save(update_fields=["disinfected_at", "disinfected_by", "updated_at"])
    vehicle = Vehicle.objects.select_for_update().get(pk=task.vehicle_id)
    if vehicle.status == VehicleStatus.DISINFECTING:
        vehicle.status = VehicleStatus.AVAILABLE
        vehicle.save(update_fields=["status", "updated_at"])
    record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=task,
        summary=say(
            gettext_lazy("Transfer task %(id)s: vehicle %(plate)s disinfected"), id=task.pk, plate=vehicle.plate
        ),
        request=request,
    )
    return task


@transaction.atomic
def cancel_task(*, actor: Any, task: TransferTask, reason: str, request: HttpRequest | None = None) -> TransferTask:
    """Only a planned run is cancelled; one on the road ends by arriving somewhere."""
    require_jurisdiction(actor, task.place_path)
    reason = clean_free_text(reason, "reason", required=True)
    task = _lock_task(task)
    _require_state(task, TransferStatus.PLANNED)
    task.status = TransferStatus.CANCELLED
    task.cancelled_at = timezone.now()
    task.cancel_reason = reason
    task.save(update_fields=["status", "cancelled_at", "cancel_reason", "updated_at"])
    TransferPassenger.objects.filter(task=task, is_active=True).update(is_active=False)
    record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=task,
        summary=say(gettext_lazy("Transfer task %(id)s cancelled"), id=task.pk),
        changes={"status": [TransferStatus.PLANNED, TransferStatus.CANCELLED]},
        request=request,
    )
    return task


# --- requested by monitoring -------------------------------------------------------------------


@transaction.atomic
def request_hospital_transfer(
    *, actor: Any, measure: Measure, reason: str, request: HttpRequest | None = None
) -> TransferTask:
    """Fever or symptoms: a planned transfer to hospital for the person, vehicle assigned later.

    Idempotent: when the person is already on an active hospital transfer, that task is returned.
    A person waiting on a planned transfer elsewhere is taken off it (hospital comes first); one
    already on the road raises TransferConflict. `actor` may be None when the person's own report
    (through their report link) asks for it; a signed-in actor must have the measure in scope.
    """
    if _is_user(actor):
        require_jurisdiction(actor, measure.place_path)
    else:
        actor = None
    # A long report is cut rather than refused: the transfer matters more than its note.
    reason = clean_free_text(" ".join(str(reason or "").split())[:300], "reason", limit=300) or _(
        "Fever or symptoms reported"
    )
    # Two reports at once: the measure row serialises them, the second finds the first's task.
    measure = Measure.objects.select_for_update().select_related("person", "place").get(pk=measure.pk)
    if measure.status != MeasureStatus.ACTIVE:
        raise TransferConflict(_("This measure has ended."))
    current = (
        TransferPassenger.objects.select_related("task").filter(person_id=measure.person_id, is_active=True).first()
    )
    if current is not None:
        other = _lock_task(current.task)
        if other.kind == TransferKind.TO_HOSPITAL:
            return other
        if other.status == TransferStatus.EN_ROUTE:
            raise TransferConflict(
                _("%(name)s is on transfer task #%(task)d, en route; redirect the vehicle to hospital.")
                % {"name": measure.person.name, "task": other.pk}
            )
        if is_site_request(other):
            # The transfer to a site nobody acted on yet: called off (cancelled once empty).
            withdraw_from_site_request(actor=actor, passenger=current, reason=_("Hospital transfer instead"))
        else:
            TransferPassenger.objects.filter(pk=current.pk).delete()
            record(
                actor=actor,
                action=AuditAction.UPDATE,
                obj=other,
                summary=say(
                    gettext_lazy("Transfer task %(id)s: measure %(measure)s taken off for a hospital transfer"),
                    id=other.pk,
                    measure=measure.pk,
                ),
                request=request,
            )
    task = TransferTask.objects.create(
        kind=TransferKind.TO_HOSPITAL,
        place=measure.place,
        place_path=measure.place_path,
        from_address=_from_address_of(measure) or "-",
        to_text=_("Designated hospital (fever clinic)"),
        reason=reason,
        planned_at=timezone.now(),
        is_request=True,
        created_by=actor,
    )
    try:
        with transaction.atomic():
            TransferPassenger.objects.create(task=task, measure=measure, person_id=measure.person_id)
    except IntegrityError as exc:  # pragma: no cover - the measure lock above serialises requests
        raise TransferConflict(_("%(name)s has just been put on another transfer task.") % {"name": ""}) from exc
    record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=task,
        summary=say(
            gettext_lazy("Transfer task %(id)s: hospital transfer for measure %(measure)s"),
            id=task.pk,
            measure=measure.pk,
        ),
        request=request,
    )
    return task


# --- requested by checkpoints -------------------------------------------------------------------


@transaction.atomic
def request_fever_clinic_transfer(
    *, actor: Any, alert: Any, person: Any, request: HttpRequest | None = None
) -> TransferTask:
    """A fever at a gate: a transfer request to the fever clinic, picked up at the checkpoint.

    No measure is needed (the person may be a stranger the gate has just registered); the person's
    active measure, if any, rides along. One request per alert, and a person already on an active
    task is not put on a second one: that task is returned. `actor` is None for a self check-in.
    """
    actor = actor if _is_user(actor) else None
    existing = TransferTask.objects.filter(source_alert=alert).first()
    if existing is not None:
        return existing
    checkpoint = alert.checkpoint
    current = TransferPassenger.objects.select_related("task").filter(person_id=person.pk, is_active=True).first()
    if current is not None:
        return current.task
    measure = Measure.objects.filter(person_id=person.pk, status=MeasureStatus.ACTIVE).first()
    where = " ".join(part for part in (checkpoint.name, checkpoint.location) if part)
    return open_request(
        actor=actor,
        passenger=(measure, person.pk),
        summary=lambda task: say(
            gettext_lazy("Transfer task %(id)s: to the fever clinic for checkpoint alert %(alert)s"),
            id=task.pk,
            alert=alert.pk,
        ),
        request=request,
        kind=TransferKind.FEVER_CLINIC,
        place=checkpoint.place,
        place_path=checkpoint.place_path,
        from_address=where[:200] or "-",
        to_text=_("Fever clinic (designated hospital)"),
        reason=(_("Fever at checkpoint %(checkpoint)s") % {"checkpoint": checkpoint.name})[:300],
        source_alert=alert,
    )
