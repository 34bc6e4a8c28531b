"""Every write of quarantine: sites and rooms, measures, placements, tests, release."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.audit.models import AuditAction
from fangkong.audit.services import record, say
from fangkong.core.errors import Conflict
from fangkong.core.scoping import require_jurisdiction
from fangkong.core.validators import clean_free_text, validate_clean_text
from fangkong.places.models import Place, PlaceType
from fangkong.protocols.models import MeasureKind
from fangkong.quarantine.models import (
    Measure,
    MeasureEvent,
    MeasureEventKind,
    MeasurePhase,
    MeasureStatus,
    MeasureTest,
    Placement,
    Room,
    RoomStatus,
    RoomType,
    Site,
    SiteStaff,
    SiteStatus,
    TestOutcome,
)
from fangkong.quarantine.signals import measure_ended, measure_started, measure_went_home, person_placed
from fangkong.screening.models import ClearState, KeyPerson

REPORT_LINK_SALT = "fangkong.quarantine.report-link"
CERTIFICATE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class RoomUnavailable(Conflict):
    pass


class AlreadyPlaced(Conflict):
    def __init__(self, message: Any, placement: Placement):
        super().__init__(message)
        self.placement = placement


class MeasureConflict(Conflict):
    pass


class ReleaseBlocked(Conflict):
    pass


class ReportLinkInvalid(Conflict):
    pass


def _event(measure: Measure, actor: Any, kind: str, note: str = "") -> None:
    MeasureEvent.objects.create(
        measure=measure, actor=actor if getattr(actor, "is_authenticated", False) else None, kind=kind, note=note[:300]
    )


# --- sites and rooms ---------------------------------------------------------------------


@dataclass
class SiteInput:
    name: str
    place: Place
    address: str
    kind: str = "hotel"
    status: str = SiteStatus.RESERVE
    contact_name: str = ""
    contact_phone: str = ""
    free_rooms_warning: int = 5


@transaction.atomic
def create_site(*, actor: Any, data: SiteInput, request: HttpRequest | None = None) -> Site:
    require_jurisdiction(actor, data.place.path)
    site = Site(
        name=data.name,
        kind=data.kind,
        place=data.place,
        place_path=data.place.path,
        address=data.address,
        status=data.status,
        contact_name=data.contact_name,
        contact_phone=data.contact_phone,
        free_rooms_warning=data.free_rooms_warning,
    )
    site.full_clean()
    site.save()
    summary = say(gettext_lazy("Quarantine site %(name)s created"), name=site.name)
    record(actor=actor, action=AuditAction.CREATE, obj=site, summary=summary, request=request)
    return site


@transaction.atomic
def update_site(*, actor: Any, site: Site, data: SiteInput, request: HttpRequest | None = None) -> Site:
    require_jurisdiction(actor, site.place_path)
    require_jurisdiction(actor, data.place.path)
    site = Site.objects.select_for_update().get(pk=site.pk)
    if data.status != site.status:
        _check_status_change(site, data.status)
    for field in ("name", "kind", "address", "status", "contact_name", "contact_phone", "free_rooms_warning"):
        setattr(site, field, getattr(data, field))
    site.place = data.place
    site.place_path = data.place.path
    site.full_clean()
    site.save()
    summary = say(gettext_lazy("Quarantine site %(name)s edited"), name=site.name)
    record(actor=actor, action=AuditAction.UPDATE, obj=site, summary=summary, request=request)
    return site


def _check_status_change(site: Site, status: str) -> None:
    if status in (SiteStatus.CLOSED, SiteStatus.DISINFECTING, SiteStatus.RESERVE):
        guests = Placement.objects.filter(site=site, ended_at__isnull=True).count()
        if guests:
            raise Conflict(
                _("%(n)d persons are still placed at this site; move or release them before it stops taking guests.")
                % {"n": guests}
            )


@transaction.atomic
def activate_site(*, actor: Any, site: Site, request: HttpRequest | None = None) -> Site:
    """A reserve site takes guests from now on: one action, as the capacity board offers it."""
    require_jurisdiction(actor, site.place_path)
    site = Site.objects.select_for_update().get(pk=site.pk)
    if site.status == SiteStatus.IN_USE:
        return site
    if site.status == SiteStatus.CLOSED:
        raise Conflict(_("A closed site cannot be activated; reopen it as a reserve site first."))
    before = site.status
    site.status = SiteStatus.IN_USE
    site.save(update_fields=["status", "updated_at"])
    # Rooms left in cleaning while the site rested are ready by now.
    Room.objects.filter(site=site, status=RoomStatus.CLEANING, occupants=0).update(status=RoomStatus.FREE)
    record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=site,
        summary=say(gettext_lazy("Quarantine site %(name)s activated"), name=site.name),
        changes={"status": [before, site.status]},
        request=request,
    )
    return site


def parse_room_numbers(text: str) -> list[str]:
    """'101-120, 201, 202' → the room numbers; ranges keep their zero padding ('0101-0103')."""
    numbers: list[str] = []
    for part in (text or "").replace("，", ",").replace("、", ",").split(","):
        part = part.strip().replace("～", "-").replace("~", "-")
        if not part:
            continue
        if "-" in part:
            start, _sep, end = (p.strip() for p in part.partition("-"))
            if not (start.isdigit() and end.isdigit() and start.isascii() and end.isascii()) or int(end) < int(start):
                raise ValidationError({"numbers": [_("“%(part)s” is not a range such as 101-120.") % {"part": part}]})
            if int(end) - int(start) >= 500:
                raise ValidationError({"numbers": [_("At most 500 rooms in one range.")]})
            width = len(start)
            numbers += [str(n).zfill(width) for n in range(int(start), int(end) + 1)]
        else:
            if len(part) > 20:
                raise ValidationError({"numbers": [_("A room number has at most 20 characters.")]})
            validate_clean_text(part)
            numbers.append(part)
    if not numbers:
        raise ValidationError({"numbers": [_("Give at least one room number.")]})
    if len(numbers) != len(set(numbers)):
        raise ValidationError({"numbers": [_("A room number is listed twice.")]})
    return numbers


@transaction.atomic
def add_rooms(
    *,
    actor: Any,
    site: Site,
    numbers: list[str],
    floor: int,
    room_type: str = RoomType.SINGLE,
    capacity: int = 1,
    request: HttpRequest | None = None,
) -> list[Room]:
    require_jurisdiction(actor, site.place_path)
    if capacity < 1 or capacity > 10:
        raise ValidationError({"capacity": [_("A room holds between 1 and 10 persons.")]})
    if room_type == RoomType.SINGLE and capacity != 1:
        raise ValidationError({"capacity": [_("A single room holds one person.")]})
    taken = set(Room.objects.filter(site=site, number__in=numbers).values_list("number", flat=True))
    if taken:
        raise ValidationError(
            {"numbers": [_("These rooms already exist: %(rooms)s.") % {"rooms": ", ".join(sorted(taken))}]}
        )
    rooms = Room.objects.bulk_create(
        [Room(site=site, number=n, floor=floor, room_type=room_type, capacity=capacity) for n in numbers]
    )
    record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=site,
        summary=say(gettext_lazy("Quarantine site %(name)s: %(n)s rooms added"), name=site.name, n=len(rooms)),
        request=request,
    )
    return rooms


@transaction.atomic
def set_room_status(*, actor: Any, room: Room, status: str, request: HttpRequest | None = None) -> Room:
    """Cleaning done, out of service, back in service. Occupancy itself only changes by placement."""
    require_jurisdiction(actor, room.site.place_path)
    room = Room.objects.select_for_update().get(pk=room.pk)
    if status not in (RoomStatus.FREE, RoomStatus.CLEANING, RoomStatus.OUT_OF_SERVICE):
        raise ValidationError({"status": [_("A room becomes occupied only by placing a person in it.")]})
    if room.occupants:
        raise Conflict(_("Room %(room)s is occupied; it changes status when its guests leave.") % {"room": room.number})
    before = room.status
    room.status = status
    room.save(update_fields=["status"])
    record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=room,
        summary=say(
            gettext_lazy("Room %(room)s: %(before)s → %(after)s"),
            room=room.number,
            before=RoomStatus(before).label,
            after=RoomStatus(status).label,
        ),
        changes={"status": [before, status]},
        request=request,
    )
    return room


@transaction.atomic
def add_staff(
    *,
    actor: Any,
    site: Site,
    name: str,
    role: str,
    phone: str,
    shift_starts: dt.time,
    shift_ends: dt.time,
    request: HttpRequest | None = None,
) -> SiteStaff:
    require_jurisdiction(actor, site.place_path)
    staff = SiteStaff(site=site, name=name, role=role, phone=phone, shift_starts=shift_starts, shift_ends=shift_ends)
    staff.full_clean()
    staff.save()
    record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=site,
        summary=say(gettext_lazy("Quarantine site %(name)s: staff added"), name=site.name),
        request=request,
    )
    return staff


@transaction.atomic
def remove_staff(*, actor: Any, staff: SiteStaff, request: HttpRequest | None = None) -> None:
    require_jurisdiction(actor, staff.site.place_path)
    site = staff.site
    staff.delete()
    record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=site,
        summary=say(gettext_lazy("Quarantine site %(name)s: staff removed"), name=site.name),
        request=request,
    )


# --- measures ----------------------------------------------------------------------------


@transaction.atomic
def open_measure(*, actor: Any, key_person: KeyPerson, request: HttpRequest | None = None) -> Measure:
    """The key person's schedule becomes a measure: dated phases and the tests they require."""
    existing = Measure.objects.filter(person_id=key_person.person_id, status=MeasureStatus.ACTIVE).first()
    if existing is not None:
        if existing.key_person_id == key_person.pk:
            return existing
        raise MeasureConflict(_("This person is already under another active measure."))
    schedule = key_person.schedule or []
    if not schedule or key_person.measure_started_on is None:
        raise ValidationError(_("The key person has no measure to start: put them under control first."))
    phases = [p for p in schedule if p.get("kind") != MeasureKind.NONE]
    if not phases:
        raise ValidationError(_("The key person's category carries no measure."))
    first_kind = phases[0]["kind"]
    try:
        with transaction.atomic():
            measure = Measure.objects.create(
                key_person=key_person,
                person_id=key_person.person_id,
                place_id=key_person.place_id,
                place_path=key_person.place_path,
                protocol_id=key_person.protocol_id,
                category=key_person.category,
                started_on=dt.date.fromisoformat(phases[0]["starts_on"]),
                ends_on=dt.date.fromisoformat(phases[-1]["ends_on"]),
                at_home=first_kind in (MeasureKind.HOME_QUARANTINE, MeasureKind.HOME_MONITORING),
                report_key=secrets.token_hex(8),
                created_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
    except IntegrityError as exc:
        raise MeasureConflict(_("This person is already under another active measure.")) from exc
    MeasurePhase.objects.bulk_create(
        [
            MeasurePhase(
                measure=measure,
                order=n,
                kind=p["kind"],
                starts_on=dt.date.fromisoformat(p["starts_on"]),
                ends_on=dt.date.fromisoformat(p["ends_on"]),
            )
            for n, p in enumerate(phases)
        ]
    )
    test_days = sorted({dt.date.fromisoformat(d) for p in phases for d in p.get("test_dates", [])})
    MeasureTest.objects.bulk_create([MeasureTest(measure=measure, due_on=d) for d in test_days])
    _event(measure, actor, MeasureEventKind.STARTED)
    summary = say(gettext_lazy("Measure %(id)s started"), id=measure.pk)
    record(actor=actor, action=AuditAction.CREATE, obj=measure, summary=summary, request=request)
    measure_started.send(sender=Measure, measure=measure, actor=actor)
    return measure


@transaction.atomic
def start_measure(*, actor: Any, key_person: KeyPerson, request: HttpRequest | None = None) -> Measure:
    """Put a verified key person under their category's measure (the third clear) and open it."""
    from fangkong.screening.services import transition

    require_jurisdiction(actor, key_person.place_path)
    if key_person.clear_state == ClearState.VERIFIED:
        transition(actor=actor, key_person=key_person, to=ClearState.CONTROLLED, request=request)
        key_person.refresh_from_db()
    elif key_person.clear_state != ClearState.CONTROLLED:
        raise Conflict(_("Only a verified key person can be put under a measure; verify them first."))
    return open_measure(actor=actor, key_person=key_person, request=request)


def _locked_measure(measure: Measure) -> Measure:
    locked = Measure.objects.select_for_update().get(pk=measure.pk)
    if locked.status != MeasureStatus.ACTIVE:
        raise MeasureConflict(_("This measure has ended."))
    return locked


def _central_phase_end(measure: Measure, day: dt.date) -> dt.date:
    """The last day of the central-quarantine phase the person is in on `day` (or the next one)."""
    phases = list(MeasurePhase.objects.filter(measure=measure).order_by("order"))
    for phase in phases:
        if phase.kind == MeasureKind.CENTRAL_QUARANTINE and phase.ends_on >= day:
            return phase.ends_on
    return max(measure.ends_on, day)


def _age(birth_date: dt.date | None, on: dt.date) -> int | None:
    if birth_date is None:
        return None
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


def _check_room_takes(room: Room, measure: Measure, today: dt.date) -> None:
    """Raise RoomUnavailable unless the person may join this room now."""
    if room.site.status != SiteStatus.IN_USE:
        raise RoomUnavailable(
            _("Site %(site)s is not in use (%(status)s); activate it first.")
            % {"site": room.site.name, "status": room.site.get_status_display()}
        )
    if room.status in (RoomStatus.OUT_OF_SERVICE, RoomStatus.CLEANING):
        raise RoomUnavailable(
            _("Room %(room)s is %(status)s.") % {"room": room.number, "status": room.get_status_display()}
        )
    if room.occupants >= room.capacity:
        raise RoomUnavailable(_("Room %(room)s is no longer free.") % {"room": room.number})
    person = measure.person
    guests = list(
        Placement.objects.filter(room=room, ended_at__isnull=True).values_list("person__place_id", "person__birth_date")
    )
    # A family is the persons of one household; persons known only down to a grid or community are not.
    in_household = Place.objects.filter(pk=person.place_id, type=PlaceType.HOUSEHOLD).exists()
    if guests and (not in_household or any(place_id != person.place_id for place_id, _birth in guests)):
        # Sharing a room is for one family only: unrelated persons never share.
        raise RoomUnavailable(
            _("Room %(room)s is taken by another household; only family members share a room.") % {"room": room.number}
        )
    child_age = getattr(settings, "QUARANTINE_CHILD_AGE", 14)
    age = _age(person.birth_date, today)
    if age is not None and age < child_age:
        adults = [b for _place, b in guests if (_age(b, today) or child_age) >= child_age]
        if not adults:
            raise RoomUnavailable(
                _("A child under %(age)d stays with a guardian: place the guardian in a family room first.")
                % {"age": child_age}
            )


def _lock_room(room: Room) -> Room:
    return Room.objects.select_for_update().select_related("site").get(pk=room.pk)


def _end_placement(placement: Placement, actor: Any, reason: str, now: dt.datetime) -> None:
    placement.ended_at = now
    placement.ended_by = actor
    placement.end_reason = reason[:100]
    placement.save(update_fields=["ended_at", "ended_by", "end_reason"])
    room = Room.objects.select_for_update().get(pk=placement.room_id)
    room.occupants = F("occupants") - 1
    room.save(update_fields=["occupants"])
    room.refresh_from_db(fields=["occupants"])
    if room.occupants == 0 and room.status == RoomStatus.OCCUPIED:
        # Every room is cleaned and disinfected before the next guest.
        room.status = RoomStatus.CLEANING
        room.save(update_fields=["status"])


def _occupy(room: Room, measure: Measure, actor: Any, today: dt.date) -> Placement:
    try:
        with transaction.atomic():
            placement = Placement.objects.create(
                measure=measure,
                person_id=measure.person_id,
                room=room,
                site_id=room.site_id,
                place_path=measure.place_path,
                placed_by=actor,
                expected_end=_central_phase_end(measure, today),
            )
    except IntegrityError as exc:
        raise AlreadyPlaced(
            _("This person is already placed."),
            Placement.objects.get(person_id=measure.person_id, ended_at__isnull=True),
        ) from exc
    room.occupants = F("occupants") + 1
    room.status = RoomStatus.OCCUPIED
    room.save(update_fields=["occupants", "status"])
    measure.site_id = room.site_id
    measure.at_home = False
    measure.save(update_fields=["site", "at_home", "updated_at"])
    return placement


@transaction.atomic
def place_person(*, actor: Any, measure: Measure, room: Room, request: HttpRequest | None = None) -> Placement:
    """Put the person in the room. Concurrency-safe: the measure, then the room, are locked."""
    require_jurisdiction(actor, measure.place_path)
    measure = _locked_measure(measure)
    current = (
        Placement.objects.select_related("room__site")
        .filter(person_id=measure.person_id, ended_at__isnull=True)
        .first()
    )
    if current is not None:
        raise AlreadyPlaced(
            _("This person is already placed in room %(room)s of %(site)s.")
            % {"room": current.room.number, "site": current.room.site.name},
            current,
        )
    today = timezone.localdate()
    room = _lock_room(room)
    _check_room_takes(room, measure, today)
    placement = _occupy(room, measure, actor, today)
    _event(measure, actor, MeasureEventKind.PLACED, f"{room.site.name} {room.number}")
    person_placed.send(sender=Measure, measure=measure, placement=placement, actor=actor)
    record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=placement,
        summary=say(
            gettext_lazy("Measure %(id)s placed in %(site)s room %(room)s"),
            id=measure.pk,
            site=room.site.name,
            room=room.number,
        ),
        request=request,
    )
    return placement


@transaction.atomic
def place_in_next_free_room(
    *, actor: Any, measure: Measure, site: Site | None = None, request: HttpRequest | None = None
) -> Placement:
    """ "Next free suitable room": the first free room (a site's, or any in use), skipping rooms others hold."""
    require_jurisdiction(actor, measure.place_path)
    locked = _locked_measure(measure)
    current = Placement.objects.select_related("room__site").filter(person_id=locked.person_id, ended_at__isnull=True)
    if current.exists():
        placement = current.get()
        raise AlreadyPlaced(
            _("This person is already placed in room %(room)s of %(site)s.")
            % {"room": placement.room.number, "site": placement.room.site.name},
            placement,
        )
    from fangkong.quarantine.selectors import free_rooms_for

    # A family member already placed with a bed to spare: the person joins them.
    if Place.objects.filter(pk=locked.person.place_id, type=PlaceType.HOUSEHOLD).exists():
        family = Room.objects.filter(
            site__status=SiteStatus.IN_USE,
            occupants__lt=F("capacity"),
            placements__ended_at__isnull=True,
            placements__person__place_id=locked.person.place_id,
        )
        if site is not None:
            family = family.filter(site=site)
        room = family.order_by("id").first()
        if room is not None:
            return place_person(actor=actor, measure=locked, room=room, request=request)
    rooms = free_rooms_for(actor, site=site).select_related(None)
    if connection.features.has_select_for_update_skip_locked:
        rooms = rooms.select_for_update(skip_locked=True, of=("self",))
    room = rooms.first()
    if room is None:
        raise RoomUnavailable(_("No free room is left at the sites in use; activate a reserve site."))
    return place_person(actor=actor, measure=locked, room=room, request=request)


@transaction.atomic
def move_person(
    *, actor: Any, placement: Placement, room: Room, reason: str, request: HttpRequest | None = None
) -> Placement:
    """Move to another room or site; the old stay stays in the history."""
    require_jurisdiction(actor, placement.place_path)
    reason = clean_free_text(reason, "reason", required=True, limit=100)
    measure = _locked_measure(placement.measure)
    current = Placement.objects.select_for_update().get(pk=placement.pk)
    if current.ended_at is not None:
        raise Conflict(_("This stay has already ended."))
    if current.room_id == room.pk:
        raise Conflict(_("The person is already in this room."))
    today = timezone.localdate()
    # Lock both rooms in id order so two opposite moves cannot deadlock.
    for pk in sorted((current.room_id, room.pk)):
        Room.objects.select_for_update().filter(pk=pk).first()
    target = _lock_room(room)
    _check_room_takes(target, measure, today)
    now = timezone.now()
    _end_placement(current, actor, reason, now)
    new = _occupy(target, measure, actor, today)
    _event(measure, actor, MeasureEventKind.MOVED, f"{current.room} → {target} · {reason}")
    record(
        actor=actor,
        action=AuditAction.MOVE,
        obj=new,
        summary=say(
            gettext_lazy("Measure %(id)s moved to %(site)s room %(room)s"),
            id=measure.pk,
            site=target.site.name,
            room=target.number,
        ),
        request=request,
    )
    return new


@transaction.atomic
def leave_site(*, actor: Any, measure: Measure, reason: str, to_home: bool, request: HttpRequest | None = None) -> None:
    """The person leaves their room: home for the next phase, or to hospital."""
    require_jurisdiction(actor, measure.place_path)
    reason = clean_free_text(reason, "reason", required=True, limit=100)
    measure = _locked_measure(measure)
    current = Placement.objects.select_for_update().filter(person_id=measure.person_id, ended_at__isnull=True).first()
    if current is None:
        raise Conflict(_("This person is not placed at a site."))
    _end_placement(current, actor, reason, timezone.now())
    measure.site = None
    measure.at_home = to_home
    measure.save(update_fields=["site", "at_home", "updated_at"])
    _event(measure, actor, MeasureEventKind.HOME if to_home else MeasureEventKind.LEFT_SITE, reason)
    if to_home:
        measure_went_home.send(sender=Measure, measure=measure, actor=actor)
    record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=measure,
        summary=say(gettext_lazy("Measure %(id)s left the site"), id=measure.pk),
        request=request,
    )


# --- tests, extension, release -------------------------------------------------------------


@transaction.atomic
def record_test(
    *,
    actor: Any,
    measure: Measure,
    due_on: dt.date,
    sampled_on: dt.date,
    outcome: str,
    request: HttpRequest | None = None,
) -> MeasureTest:
    require_jurisdiction(actor, measure.place_path)
    if outcome not in TestOutcome.values:
        raise ValidationError({"outcome": [_("Choose negative, positive or pending.")]})
    today = timezone.localdate()
    if sampled_on > today:
        raise ValidationError({"sampled_on": [_("The sample cannot be taken in the future.")]})
    if sampled_on < measure.started_on:
        raise ValidationError({"sampled_on": [_("The sample was taken before the measure started.")]})
    test = MeasureTest.objects.select_for_update().filter(measure=measure, due_on=due_on).first()
    if test is None:
        test = MeasureTest(measure=measure, due_on=due_on)
    test.sampled_on = sampled_on
    test.outcome = outcome
    test.recorded_by = actor
    test.recorded_at = timezone.now()
    test.save()
    _event(measure, actor, MeasureEventKind.TEST, f"{due_on:%Y-%m-%d} {test.get_outcome_display()}")
    record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=measure,
        summary=say(gettext_lazy("Measure %(id)s: test due %(day)s recorded"), id=measure.pk, day=f"{due_on:%Y-%m-%d}"),
        request=request,
    )
    return test


@transaction.atomic
def extend_measure(
    *, actor: Any, measure: Measure, days: int, reason: str, request: HttpRequest | None = None
) -> Measure:
    """Lengthen the last phase (e.g. a positive contact found): needs a reason, is audited."""
    require_jurisdiction(actor, measure.place_path)
    reason = clean_free_text(reason, "reason", required=True, limit=300)
    if not 1 <= days <= 60:
        raise ValidationError({"days": [_("Extend by 1 to 60 days.")]})
    measure = _locked_measure(measure)
    last = MeasurePhase.objects.filter(measure=measure).order_by("-order").first()
    assert last is not None
    before = measure.ends_on
    last.ends_on = last.ends_on + dt.timedelta(days=days)
    last.save(update_fields=["ends_on"])
    measure.ends_on = last.ends_on
    measure.save(update_fields=["ends_on", "updated_at"])
    if last.kind == MeasureKind.CENTRAL_QUARANTINE:
        Placement.objects.filter(measure=measure, ended_at__isnull=True).update(expected_end=last.ends_on)
    _event(measure, actor, MeasureEventKind.EXTENDED, f"+{days} · {reason}")
    record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=measure,
        summary=say(gettext_lazy("Measure %(id)s extended by %(days)s days"), id=measure.pk, days=days),
        changes={"ends_on": [before.isoformat(), measure.ends_on.isoformat()]},
        request=request,
    )
    return measure


def _certificate_code() -> str:
    return "JC" + "".join(secrets.choice(CERTIFICATE_ALPHABET) for _n in range(12))


@transaction.atomic
def release_measure(
    *, actor: Any, measure: Measure, early_reason: str = "", request: HttpRequest | None = None
) -> Measure:
    """Release when every condition holds. An early release (before the end date) needs a reason;
    it waives the end date and the tests not yet due, never a due test or an open alert."""
    from fangkong.quarantine.selectors import unmet_release_conditions
    from fangkong.screening.services import transition

    require_jurisdiction(actor, measure.place_path)
    early_reason = clean_free_text(early_reason, "early_reason", limit=300)
    measure = _locked_measure(measure)
    today = timezone.localdate()
    unmet = unmet_release_conditions(measure, today=today, waive_end_date=bool(early_reason))
    if unmet:
        raise ReleaseBlocked(_("The release conditions are not met."), unmet)
    early = bool(early_reason) and today <= measure.ends_on
    now = timezone.now()
    current = Placement.objects.select_for_update().filter(person_id=measure.person_id, ended_at__isnull=True).first()
    if current is not None:
        _end_placement(current, actor, _("released"), now)
    measure.status = MeasureStatus.RELEASED
    measure.released_at = now
    measure.released_by = actor
    measure.early_release_reason = early_reason if early else ""
    measure.site = None
    measure.at_home = False
    for _attempt in range(5):
        code = _certificate_code()
        if not Measure.objects.filter(certificate_code=code).exists():
            break
    measure.certificate_code = code
    measure.save()
    _event(measure, actor, MeasureEventKind.EARLY_RELEASE if early else MeasureEventKind.RELEASED, early_reason)
    kp = KeyPerson.objects.get(pk=measure.key_person_id)
    if kp.clear_state == ClearState.CONTROLLED:
        transition(actor=actor, key_person=kp, to=ClearState.RELEASED, note=early_reason, request=request)
    measure_ended.send(sender=Measure, measure=measure, actor=actor, reason="released")
    record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=measure,
        summary=say(
            gettext_lazy("Measure %(id)s released early") if early else gettext_lazy("Measure %(id)s released"),
            id=measure.pk,
        ),
        changes={"status": [MeasureStatus.ACTIVE, MeasureStatus.RELEASED]},
        request=request,
    )
    return measure


# --- report links --------------------------------------------------------------------------


def report_link_token(measure: Measure) -> str:
    """The token of a person's report link: signed, and void once the measure ends or the link is renewed."""
    # No timestamp: the same link every time it is shown, so a printed QR code stays valid.
    return signing.Signer(salt=REPORT_LINK_SALT).sign_object({"m": measure.pk, "k": measure.report_key}, compress=True)


def measure_for_report_token(token: str) -> Measure:
    try:
        data = signing.Signer(salt=REPORT_LINK_SALT).unsign_object(token)
    except signing.BadSignature as exc:
        raise ReportLinkInvalid(_("This report link is not valid. Ask your care team for your link.")) from exc
    measure = Measure.objects.select_related("person").filter(pk=data.get("m")).first()
    if measure is None or measure.report_key != data.get("k"):
        raise ReportLinkInvalid(
            _("This report link has been replaced by a newer one. Ask your care team for the new link.")
        )
    if measure.status != MeasureStatus.ACTIVE or timezone.localdate() > measure.ends_on:
        raise ReportLinkInvalid(_("This report link has expired: the measure has ended."))
    return measure


@transaction.atomic
def renew_report_link(*, actor: Any, measure: Measure, request: HttpRequest | None = None) -> str:
    """A lost or shared link: the old one stops working at once."""
    require_jurisdiction(actor, measure.place_path)
    measure = _locked_measure(measure)
    measure.report_key = secrets.token_hex(8)
    measure.save(update_fields=["report_key", "updated_at"])
    record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=measure,
        summary=say(gettext_lazy("Measure %(id)s: report link renewed"), id=measure.pk),
        request=request,
    )
    return report_link_token(measure)
