"""Every write of screening: key persons and their sources, the three clears, routing, sweeps, self-reports."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.dispatch import Signal
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.audit.models import AuditAction
from fangkong.audit.services import record, say
from fangkong.core.errors import DomainError
from fangkong.core.masking import mask_phone
from fangkong.core.ratelimit import over_ip_limit, over_limit
from fangkong.core.scoping import path_in_jurisdiction
from fangkong.core.validators import validate_clean_text
from fangkong.people.models import Person, ResidentType
from fangkong.people.selectors import anonymous_match
from fangkong.people.services import PersonInput, StaleVersion, clean_person_input
from fangkong.places.models import Place, PlaceType
from fangkong.protocols.models import RISK_RANK, Protocol
from fangkong.protocols.selectors import (
    active_protocol,
    all_category_names,
    build_schedule,
    category_of,
    district_of,
    match_risk_area,
)
from fangkong.screening.models import (
    OPEN_STATES,
    TRANSITIONS,
    ClearState,
    EventKind,
    KeyPerson,
    KeyPersonEvent,
    KeyPersonSource,
    PushBatch,
    SelfReport,
    SourceKind,
    SweepTask,
    SweepVisit,
    TravelRecord,
    VisitOutcome,
)
from fangkong.screening.workers import default_worker

__all__ = ["StaleVersion", "TransitionNotAllowed"]

ROUTABLE_TYPES = (PlaceType.COMMUNITY, PlaceType.GRID)


# Sent inside `transition`'s transaction, so a receiver's failure undoes the step.
# key_person_controlled: the measure is in force (kwargs key_person, actor, request).
key_person_controlled = Signal()
# key_person_releasing: about to release (kwargs key_person, actor); a receiver raises ValidationError to refuse.
key_person_releasing = Signal()
# release_elsewhere: receivers answer with a sentence when the key person is released somewhere else (a
# measure page) rather than by the "released" step, so the key-person page offers no step that must fail.
release_elsewhere = Signal()


def release_refusal(key_person: KeyPerson) -> str:
    """Why the "released" step would be refused now ("" when it would not)."""
    for _receiver, answer in release_elsewhere.send(sender=KeyPerson, key_person=key_person):
        if answer:
            return str(answer)
    return ""


class TransitionNotAllowed(DomainError):
    """A step the three-clears state machine does not allow (e.g. new → controlled)."""

    def __init__(self, current: str, wanted: str):
        super().__init__(f"{current} -> {wanted}")
        self.current = current
        self.wanted = wanted

    @property
    def message(self) -> str:
        allowed = TRANSITIONS.get(self.current, ())
        return _("A key person in state “%(current)s” cannot become “%(wanted)s”; the next step is: %(allowed)s.") % {
            "current": ClearState(self.current).label if self.current in ClearState.values else self.current,
            "wanted": ClearState(self.wanted).label if self.wanted in ClearState.values else self.wanted,
            "allowed": ", ".join(str(ClearState(s).label) for s in allowed) or _("none (released)"),
        }


class RateLimited(Exception):
    pass


def _event(key_person: KeyPerson, actor: Any, kind: str, before: Any = "", after: Any = "", note: str = "") -> None:
    KeyPersonEvent.objects.create(
        key_person=key_person,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        kind=kind,
        from_value=str(before or "")[:100],
        to_value=str(after or "")[:100],
        note=note[:300],
    )


def _locked(key_person: KeyPerson, expected_version: int | None) -> KeyPerson:
    """The row locked for this transaction; a version that moved on means another worker got there first."""
    current = KeyPerson.objects.select_for_update().get(pk=key_person.pk)
    if expected_version is not None and current.version != expected_version:
        raise StaleVersion(key_person.pk)
    return current


def _check_scope(actor: Any, key_person: KeyPerson) -> None:
    if not path_in_jurisdiction(actor, key_person.place_path):
        raise PermissionDenied


def _clean_note(note: str) -> str:
    note = (note or "").strip()
    if len(note) > 300:
        raise ValidationError({"note": [_("At most 300 characters.")]})
    validate_clean_text(note)
    return note


def _protocol_category(key_person: KeyPerson) -> Any:
    """The category definition the key person's measure comes from (their protocol, else the active one)."""
    protocol = None
    if key_person.protocol_id is not None:
        protocol = Protocol.objects.prefetch_related("categories__phases").filter(pk=key_person.protocol_id).first()
    if protocol is None:
        protocol = active_protocol(district_of(key_person.place)).protocol
    return protocol, category_of(protocol, key_person.category)


@transaction.atomic
def transition(
    *,
    actor: Any,
    key_person: KeyPerson,
    to: str,
    note: str = "",
    expected_version: int | None = None,
    request: HttpRequest | None = None,
) -> KeyPerson:
    """Take one step of the three clears, stamped with the time and the actor."""
    _check_scope(actor, key_person)
    note = _clean_note(note)
    kp = _locked(key_person, expected_version)
    if to not in TRANSITIONS.get(kp.clear_state, ()):
        raise TransitionNotAllowed(kp.clear_state, to)
    now = timezone.now()
    before = kp.clear_state
    kp.clear_state = to
    setattr(kp, f"{to}_at", now)
    setattr(kp, f"{to}_by", actor)
    fields = ["clear_state", f"{to}_at", f"{to}_by", "version", "updated_at"]
    if to == ClearState.CONTROLLED:
        protocol, category = _protocol_category(kp)
        if category is None:
            raise ValidationError(
                {
                    "category": [
                        _("The protocol has no category “%(code)s”; choose a category first.") % {"code": kp.category}
                    ]
                }
            )
        kp.protocol = protocol
        kp.measure_started_on = timezone.localdate(now)
        kp.schedule = build_schedule(category, kp.measure_started_on)
        kp.measure_kind = kp.schedule[0]["kind"] if kp.schedule else "none"
        fields += ["protocol", "measure_started_on", "schedule", "measure_kind"]
    if to == ClearState.RELEASED:
        key_person_releasing.send(sender=KeyPerson, key_person=kp, actor=actor)
    kp.version += 1
    kp.save(update_fields=fields)
    if to == ClearState.CONTROLLED:
        key_person_controlled.send(sender=KeyPerson, key_person=kp, actor=actor, request=request)
    _event(kp, actor, EventKind.STATE, before, to, note)
    record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=kp,
        summary=say(
            gettext_lazy("Key person %(id)s: %(before)s → %(after)s"),
            id=kp.pk,
            before=ClearState(before).label,
            after=ClearState(to).label,
        ),
        changes={"clear_state": [before, to]},
        request=request,
    )
    return kp


@transaction.atomic
def route_key_person(
    *,
    actor: Any,
    key_person: KeyPerson,
    place: Place,
    expected_version: int | None = None,
    request: HttpRequest | None = None,
) -> KeyPerson:
    """Give an (unplaced) key person to a community or grid; its grid worker becomes responsible."""
    _check_scope(actor, key_person)
    if place.type not in ROUTABLE_TYPES:
        raise ValidationError({"place": [_("Route a key person to a community or a grid.")]})
    if not path_in_jurisdiction(actor, place.path):
        raise ValidationError({"place": [_("No such place in your jurisdiction.")]})
    kp = _locked(key_person, expected_version)
    before = kp.place.name
    kp.place = place
    kp.place_path = place.path
    kp.is_unplaced = False
    kp.outside_district = False
    kp.worker = default_worker(place)
    kp.version += 1
    kp.save(update_fields=["place", "place_path", "is_unplaced", "outside_district", "worker", "version", "updated_at"])
    _event(kp, actor, EventKind.PLACE, before, place.name)
    record(
        actor=actor,
        action=AuditAction.MOVE,
        obj=kp,
        summary=say(
            gettext_lazy("Key person %(id)s routed to %(type)s %(place)s"),
            id=kp.pk,
            type=PlaceType(place.type).label,
            place=place.name,
        ),
        request=request,
    )
    return kp


@transaction.atomic
def hand_over(
    *,
    actor: Any,
    key_person: KeyPerson,
    note: str,
    expected_version: int | None = None,
    request: HttpRequest | None = None,
) -> KeyPerson:
    """A person living outside the district, passed to where they live: closed here, saying to whom."""
    _check_scope(actor, key_person)
    note = _clean_note(note)
    if not note:
        raise ValidationError({"note": [_("Say to whom the person was handed over.")]})
    kp = _locked(key_person, expected_version)
    if not kp.outside_district or kp.clear_state == ClearState.RELEASED:
        raise ValidationError(_("Only an open key person from outside the district is handed over."))
    before = kp.clear_state
    kp.clear_state = ClearState.RELEASED
    kp.released_at = timezone.now()
    kp.released_by = actor
    kp.version += 1
    kp.save(update_fields=["clear_state", "released_at", "released_by", "version", "updated_at"])
    _event(kp, actor, EventKind.STATE, before, ClearState.RELEASED, _("Handed over: %(note)s") % {"note": note})
    record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=kp,
        summary=say(gettext_lazy("Key person %(id)s handed over"), id=kp.pk),
        request=request,
    )
    return kp


@transaction.atomic
def assign_worker(
    *,
    actor: Any,
    key_person: KeyPerson,
    worker: Any,
    expected_version: int | None = None,
    request: HttpRequest | None = None,
) -> KeyPerson:
    """Make `worker` (posted at the key person's place or above it) responsible for the key person."""
    from fangkong.screening.selectors import responsible_candidates

    _check_scope(actor, key_person)
    if worker is not None and worker.pk not in {u.pk for u in responsible_candidates(key_person)}:
        raise ValidationError({"worker": [_("Choose a worker posted at this place or above it.")]})
    kp = _locked(key_person, expected_version)
    before = str(kp.worker or "")
    kp.worker = worker
    kp.version += 1
    kp.save(update_fields=["worker", "version", "updated_at"])
    _event(kp, actor, EventKind.WORKER, before, str(worker or ""))
    summary = say(gettext_lazy("Key person %(id)s: responsible worker %(worker)s"), id=kp.pk, worker=str(worker or "—"))
    record(actor=actor, action=AuditAction.UPDATE, obj=kp, summary=summary, request=request)
    return kp


@transaction.atomic
def set_category(
    *,
    actor: Any,
    key_person: KeyPerson,
    category: str,
    expected_version: int | None = None,
    request: HttpRequest | None = None,
) -> KeyPerson:
    _check_scope(actor, key_person)
    protocol = active_protocol(district_of(key_person.place)).protocol
    if category_of(protocol, category) is None:
        raise ValidationError(
            {
                "category": [
                    _("The active protocol “%(protocol)s” has no category “%(code)s”.")
                    % {"protocol": protocol.name, "code": category}
                ]
            }
        )
    kp = _locked(key_person, expected_version)
    before = kp.category
    kp.category = category
    kp.protocol = protocol
    kp.version += 1
    kp.save(update_fields=["category", "protocol", "version", "updated_at"])
    _event(kp, actor, EventKind.CATEGORY, before, category)
    record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=kp,
        summary=say(
            gettext_lazy("Key person %(id)s: category %(before)s → %(after)s"),
            id=kp.pk,
            before=all_category_names().get(before, before),
            after=all_category_names().get(category, category),
        ),
        changes={"category": [before, category]},
        request=request,
    )
    return kp


# --- adding key persons ----------------------------------------------------------------------


def _route_for(person: Person, fallback: Place) -> tuple[Place, bool]:
    """(the grid or community responsible for a person, whether it is unplaced)."""
    path = person.place_path if person.place_path.startswith(fallback.path) else fallback.path
    for length, type_ in ((4 * Place.steplen, PlaceType.GRID), (3 * Place.steplen, PlaceType.COMMUNITY)):
        if len(path) >= length:
            found = Place.objects.filter(path=path[:length], type=type_).first()
            if found is not None:
                return found, False
    return fallback, fallback.type not in ROUTABLE_TYPES


@dataclass
class SourceInput:
    kind: str
    detail: str = ""
    came_from: str = ""
    arrived_on: dt.date | None = None


def _check_travel(came_from: str, arrived_on: dt.date | None) -> None:
    if arrived_on is not None and arrived_on > timezone.localdate():
        raise ValidationError({"arrived_on": [_("The travel date is in the future.")]})
    if came_from:
        validate_clean_text(came_from)


@transaction.atomic
def add_key_person(
    *,
    actor: Any,
    person: Person,
    source: SourceInput,
    category: str = "",
    place: Place | None = None,
    due_at: dt.datetime | None = None,
    request: HttpRequest | None = None,
) -> tuple[KeyPerson, bool]:
    """Put a person under screening, or add this source to their open record. Returns (key person, created).

    `due_at` is when the person must be identified; an open record not yet identified keeps the earlier
    of its own deadline and this one (a fever at a gate is more urgent than the push list that named them).
    """
    if source.kind not in SourceKind.values:
        raise ValidationError({"kind": [_("Unknown source.")]})
    _check_travel(source.came_from, source.arrived_on)
    detail = _clean_note(source.detail)
    fallback = place or person.place
    if not path_in_jurisdiction(actor, fallback.path) and getattr(actor, "is_authenticated", False):
        raise ValidationError({"place": [_("No such place in your jurisdiction.")]})
    protocol = active_protocol(district_of(fallback)).protocol
    if category and category_of(protocol, category) is None:
        raise ValidationError(
            {
                "category": [
                    _("The active protocol “%(protocol)s” has no category “%(code)s”.")
                    % {"protocol": protocol.name, "code": category}
                ]
            }
        )
    # Lock the person so two sources reporting them at once still make one key person.
    Person.objects.select_for_update().filter(pk=person.pk).first()
    kp = KeyPerson.objects.filter(person=person).exclude(clear_state=ClearState.RELEASED).first()
    created = kp is None
    if kp is None:
        routed, unplaced = _route_for(person, fallback)
        if not category:
            category = protocol.categories.first().code if protocol.categories.exists() else ""  # type: ignore[union-attr]
        kp = KeyPerson.objects.create(
            person=person,
            category=category,
            protocol=protocol,
            place=routed,
            place_path=routed.path,
            is_unplaced=unplaced,
            worker=None if unplaced else default_worker(routed),
            due_at=due_at,
        )
    elif due_at is not None and kp.clear_state == ClearState.NEW and (kp.due_at is None or due_at < kp.due_at):
        kp.due_at = due_at
        kp.version += 1
        kp.save(update_fields=["due_at", "version", "updated_at"])
    KeyPersonSource.objects.create(
        key_person=kp,
        kind=source.kind,
        came_from=source.came_from[:200],
        arrived_on=source.arrived_on,
        detail=detail,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    _event(kp, actor, EventKind.SOURCE, "", source.kind, detail)
    if source.came_from and source.arrived_on:
        _add_travel(kp, source.came_from, None, source.arrived_on)
    record(
        actor=actor,
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        obj=kp,
        summary=say(
            gettext_lazy("Key person %(id)s created from: %(source)s")
            if created
            else gettext_lazy("Key person %(id)s: source added: %(source)s"),
            id=kp.pk,
            source=SourceKind(source.kind).label,
        ),
        request=request,
    )
    return kp, created


def _add_travel(kp: KeyPerson, place_text: str, from_date: dt.date | None, to_date: dt.date) -> TravelRecord:
    area = match_risk_area(place_text, from_date, to_date)
    travel = TravelRecord.objects.create(
        key_person=kp,
        place_text=place_text[:200],
        from_date=from_date,
        to_date=to_date,
        risk_area=area,
        risk_level=area.level if area else "",
    )
    if area is not None and RISK_RANK.get(area.level, 0) > RISK_RANK.get(kp.risk_level, 0):  # type: ignore[call-overload]
        KeyPerson.objects.filter(pk=kp.pk).update(risk_level=area.level)
        kp.risk_level = area.level
    return travel


@transaction.atomic
def add_travel(
    *,
    actor: Any,
    key_person: KeyPerson,
    place_text: str,
    to_date: dt.date | None,
    from_date: dt.date | None = None,
    request: HttpRequest | None = None,
) -> TravelRecord:
    _check_scope(actor, key_person)
    errors: dict[str, list[str]] = {}
    place_text = " ".join((place_text or "").split())
    today = timezone.localdate()
    if not place_text:
        errors["place_text"] = [_("Name the place, e.g. 北京市朝阳区.")]
    if to_date is None:
        errors["to_date"] = [_("The date the person left the place is required.")]
    elif to_date > today:
        errors["to_date"] = [_("The travel date is in the future.")]
    if from_date is not None and from_date > today:
        errors["from_date"] = [_("The travel date is in the future.")]
    if from_date is not None and to_date is not None and from_date > to_date:
        errors["from_date"] = [_("The start of the stay lies after its end.")]
    if errors:
        raise ValidationError(errors)
    validate_clean_text(place_text)
    assert to_date is not None
    travel = _add_travel(key_person, place_text, from_date, to_date)
    _event(key_person, actor, EventKind.TRAVEL, "", place_text, travel.risk_level)
    record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=key_person,
        summary=say(gettext_lazy("Key person %(id)s: travel added"), id=key_person.pk),
        request=request,
    )
    return travel


def repoint_merged_person(*, survivor: Person, merged: Person) -> None:
    """After a person merge, the duplicate's key-person records belong to the survivor."""
    for kp in KeyPerson.objects.filter(person=merged):
        open_survivor = (
            KeyPerson.objects.filter(person=survivor).exclude(clear_state=ClearState.RELEASED).exclude(pk=kp.pk).first()
        )
        if kp.clear_state != ClearState.RELEASED and open_survivor is not None:
            # Two open records of one person: the survivor's keeps the history of both.
            KeyPersonSource.objects.filter(key_person=kp).exclude(
                push_list__in=KeyPersonSource.objects.filter(key_person=open_survivor, push_list__isnull=False).values(
                    "push_list"
                )
            ).update(key_person=open_survivor)
            TravelRecord.objects.filter(key_person=kp).update(key_person=open_survivor)
            KeyPersonEvent.objects.filter(key_person=kp).update(key_person=open_survivor)
            kp.delete()
        else:
            KeyPerson.objects.filter(pk=kp.pk).update(person=survivor, version=F("version") + 1)


@transaction.atomic
def set_push_deadline(
    *, actor: Any, batch: PushBatch, deadline_at: dt.datetime, request: HttpRequest | None = None
) -> PushBatch:
    """Change the time a push list's persons must be identified by; its not-yet-identified persons follow."""
    if not path_in_jurisdiction(actor, batch.push_list.scope_path):
        raise PermissionDenied
    if deadline_at <= batch.push_list.created_at:
        raise ValidationError({"deadline_at": [_("The deadline must lie after the list arrived.")]})
    before = batch.deadline_at
    moved = KeyPerson.objects.filter(
        clear_state=ClearState.NEW,
        due_at=before,
        pk__in=KeyPersonSource.objects.filter(push_list=batch.push_list).values("key_person_id"),
    ).update(due_at=deadline_at, version=F("version") + 1)
    batch.deadline_at = deadline_at
    batch.save(update_fields=["deadline_at"])
    record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=batch,
        summary=say(
            gettext_lazy("Push list %(id)s: identify by %(before)s → %(after)s"),
            id=batch.push_list_id,
            before=f"{before:%Y-%m-%d %H:%M}",
            after=f"{deadline_at:%Y-%m-%d %H:%M}",
        ),
        changes={"key_persons": moved},
        request=request,
    )
    return batch


# --- protocol change ------------------------------------------------------------------------


@dataclass
class ProtocolChange:
    key_person: KeyPerson
    old_days: int
    new_days: int
    old_kind: str
    new_kind: str
    new_schedule: list[dict[str, Any]]
    missing_category: bool


def protocol_changes(key_persons: list[KeyPerson], protocol: Protocol) -> list[ProtocolChange]:
    """Who would change, and how, if `protocol` were applied to these key persons (nothing is written)."""
    changes = []
    for kp in key_persons:
        category = category_of(protocol, kp.category)
        start = kp.measure_started_on or timezone.localdate()
        schedule = build_schedule(category, start) if category else []
        old_days = sum(int(p.get("days", 0)) for p in kp.schedule)
        new_days = sum(int(p["days"]) for p in schedule)
        new_kind = schedule[0]["kind"] if schedule else "none"
        if category is None or schedule != kp.schedule:
            changes.append(
                ProtocolChange(kp, old_days, new_days, kp.measure_kind, new_kind, schedule, category is None)
            )
    return changes


@transaction.atomic
def apply_protocol(
    *,
    actor: Any,
    protocol: Protocol,
    key_person_ids: list[int],
    candidates: list[KeyPerson],
    request: HttpRequest | None = None,
) -> int:
    """Reschedule the chosen key persons under `protocol` (their start date kept). Returns how many changed."""
    chosen = {kp.pk: kp for kp in candidates if kp.pk in set(key_person_ids)}
    changed = 0
    for change in protocol_changes(list(chosen.values()), protocol):
        if change.missing_category:
            continue
        kp = KeyPerson.objects.select_for_update().get(pk=change.key_person.pk)
        before = f"{kp.measure_kind} {change.old_days}d"
        kp.schedule = change.new_schedule
        kp.measure_kind = change.new_kind
        kp.protocol = protocol
        kp.version += 1
        kp.save(update_fields=["schedule", "measure_kind", "protocol", "version", "updated_at"])
        _event(kp, actor, EventKind.MEASURE, before, f"{change.new_kind} {change.new_days}d", protocol.code)
        changed += 1
    record(
        actor=actor,
        action=AuditAction.UPDATE,
        object_type="screening.keyperson",
        summary=say(gettext_lazy("Protocol %(name)s applied to %(n)s key persons"), name=protocol.name, n=changed),
        changes={"protocol": protocol.code, "key_persons": changed},
        request=request,
    )
    return changed


# --- sweeps -------------------------------------------------------------------------------


@transaction.atomic
def start_sweep(*, actor: Any, place: Place, name: str, request: HttpRequest | None = None) -> SweepTask:
    if place.type not in ROUTABLE_TYPES:
        raise ValidationError({"place": [_("A sweep covers a community or a grid.")]})
    if not path_in_jurisdiction(actor, place.path):
        raise ValidationError({"place": [_("No such place in your jurisdiction.")]})
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": [_("Name the sweep, e.g. 第一轮入户排查.")]})
    validate_clean_text(name)
    task = SweepTask.objects.create(place=place, place_path=place.path, name=name[:100], created_by=actor)
    record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=task,
        summary=say(
            gettext_lazy("Sweep %(id)s of %(type)s %(place)s"),
            id=task.pk,
            type=PlaceType(place.type).label,
            place=place.name,
        ),
        request=request,
    )
    return task


@transaction.atomic
def record_visit(
    *,
    actor: Any,
    task: SweepTask,
    household: Place,
    outcome: str,
    note: str = "",
    found_person: Person | None = None,
    request: HttpRequest | None = None,
) -> SweepVisit:
    """The outcome of one household visit; a key person found there joins screening with the sweep as source."""
    if outcome not in VisitOutcome.values:
        raise ValidationError({"outcome": [_("Unknown outcome.")]})
    if household.type != PlaceType.HOUSEHOLD or not household.path.startswith(task.place_path):
        raise ValidationError({"household": [_("This household is not part of the sweep.")]})
    if not path_in_jurisdiction(actor, household.path):
        raise PermissionDenied
    if task.closed_at is not None:
        raise ValidationError(_("This sweep is closed."))
    note = (note or "").strip()[:200]
    validate_clean_text(note)
    visit, _created = SweepVisit.objects.update_or_create(
        task=task,
        household=household,
        defaults={"outcome": outcome, "note": note, "visited_by": actor, "household_path": household.path},
    )
    if outcome == VisitOutcome.KEY_PERSON_FOUND and found_person is not None:
        add_key_person(
            actor=actor,
            person=found_person,
            source=SourceInput(kind=SourceKind.SWEEP, detail=f"{task.name}: {note}"[:300]),
            place=household,
            request=request,
        )
    return visit


@transaction.atomic
def close_sweep(*, actor: Any, task: SweepTask, request: HttpRequest | None = None) -> SweepTask:
    task.closed_at = timezone.now()
    task.save(update_fields=["closed_at"])
    record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=task,
        summary=say(gettext_lazy("Sweep %(id)s closed"), id=task.pk),
        request=request,
    )
    return task


# --- resident self-report ----------------------------------------------------------------------


@dataclass
class SelfReportInput:
    name: str
    document_type: str
    document_number: str
    phone: str
    reporter: str  # resident | shop | firm
    organisation: str
    came_from: str
    arrived_on: dt.date | None
    symptoms: list[str]
    address: str = ""


def check_rate(*, request: HttpRequest | None, phone: str, form: str = "selfreport", link: str = "") -> None:
    """Per-address, per-phone and per-link limits of a public form, instead of a CAPTCHA (which a phone on a
    slow line may never load). Counted in the shared cache, so they hold across workers (issue 16 A5)."""
    per_link = settings.CHECK_IN_PER_LINK_PER_HOUR if form == "checkin" else settings.SELF_REPORT_PER_LINK_PER_HOUR
    if over_ip_limit(request, group=f"{form}:ip", rate=f"{settings.SELF_REPORT_PER_IP_PER_HOUR}/h"):
        raise RateLimited
    if over_limit(request, group=f"{form}:phone", key=phone, rate=f"{settings.SELF_REPORT_PER_PHONE_PER_DAY}/d"):
        raise RateLimited
    if over_limit(request, group=f"{form}:link", key=link, rate=f"{per_link}/h"):
        raise RateLimited


class AlreadyReported(Exception):
    """The same document was reported in this community today: the first report stands."""


def _reported_today(*, community: Place, document_type: str, document_number: str, day: dt.date) -> bool:
    """The cheap check before the insert; the unique constraint is what makes a race safe."""
    return SelfReport.objects.filter(
        place=community, document_type=document_type, document_number=document_number, reported_on=day
    ).exists()


@transaction.atomic
def submit_self_report(*, community: Place, data: SelfReportInput, request: HttpRequest | None = None) -> SelfReport:
    """A resident (or a shop/firm for someone) reports arrival: a report for the community to verify.

    Anonymous, so it never creates nor reveals a register entry (issue 16 A1): it is stored as typed and
    becomes a key person at once only when a person living in this community holds the document under
    the same name. Otherwise staff whose jurisdiction holds the person confirm the match
    (`confirm_self_report`), or the community registers the person (`register_self_report`).
    """
    if community.type != PlaceType.COMMUNITY:
        raise ValidationError(_("Self-reports are made per community."))
    cleaned = clean_person_input(
        PersonInput(
            name=data.name,
            document_type=data.document_type,
            document_number=data.document_number,
            place=community,
            phone=data.phone,
            address=data.address,
            resident_type=ResidentType.FLOATING,
        )
    )
    errors: dict[str, list[str]] = {}
    if not cleaned["phone"]:
        errors["phone"] = [_("A mobile number is required so the community can call you back.")]
    if not (data.came_from or "").strip():
        errors["came_from"] = [_("Where did you come from?")]
    if data.arrived_on is None:
        errors["arrived_on"] = [_("When did you arrive?")]
    elif data.arrived_on > timezone.localdate():
        errors["arrived_on"] = [_("The travel date is in the future.")]
    came_from = " ".join((data.came_from or "").split())[:200]
    if came_from:
        try:
            validate_clean_text(came_from)
        except ValidationError as exc:
            errors["came_from"] = exc.messages
    if errors:
        raise ValidationError(errors)
    assert data.arrived_on is not None
    check_rate(request=request, phone=cleaned["phone"], link=f"community:{community.pk}")
    reporter = {"shop": _("shop"), "firm": _("firm")}.get(data.reporter, _("resident"))
    symptoms = ", ".join(data.symptoms) or _("no symptoms")
    detail = _clean_note(f"{reporter}{(' ' + data.organisation) if data.organisation else ''}; {symptoms}"[:300])
    today = timezone.localdate()
    key = {"document_type": cleaned["document_type"], "document_number": cleaned["document_number"]}
    if _reported_today(community=community, day=today, **key):
        raise AlreadyReported
    try:
        with transaction.atomic():
            report = SelfReport.objects.create(
                place=community,
                place_path=community.path,
                name=cleaned["name"],
                phone=cleaned["phone"],
                address=cleaned.get("address", ""),
                came_from=came_from,
                arrived_on=data.arrived_on,
                detail=detail,
                reported_on=today,
                **key,
            )
    except IntegrityError:
        # Another submission of the same document won the race a moment ago (issue 16 A3).
        raise AlreadyReported from None
    record(
        actor=None,
        action=AuditAction.CREATE,
        obj=report,
        summary=say(
            gettext_lazy("Self-report in %(community)s from %(phone)s"),
            community=community.name,
            phone=mask_phone(cleaned["phone"]),
        ),
        request=request,
    )
    person = anonymous_match(path=community.path, phone="", name=cleaned["name"], **key)
    if person is not None:
        _link_report(actor=None, report=report, person=person, request=request)
    return report


def _link_report(*, actor: Any, report: SelfReport, person: Person, request: HttpRequest | None) -> KeyPerson:
    kp, _created = add_key_person(
        actor=actor,
        person=person,
        source=SourceInput(
            kind=SourceKind.SELF_REPORT, detail=report.detail, came_from=report.came_from, arrived_on=report.arrived_on
        ),
        place=report.place,
        request=request,
    )
    report.key_person = kp
    report.linked_at = timezone.now()
    report.linked_by = actor if getattr(actor, "is_authenticated", False) else None
    report.save(update_fields=["key_person", "linked_at", "linked_by"])
    return kp


def _open_report(actor: Any, report: SelfReport) -> SelfReport:
    if not path_in_jurisdiction(actor, report.place_path):
        raise PermissionDenied
    report = SelfReport.objects.select_for_update().select_related("place").get(pk=report.pk)
    if report.key_person_id is not None:
        raise ValidationError(_("This report is already linked to a key person."))
    return report


@transaction.atomic
def confirm_self_report(
    *, actor: Any, report: SelfReport, person: Person, request: HttpRequest | None = None
) -> KeyPerson:
    """Staff confirm that a report is this person of the register: someone of their own jurisdiction whose
    document and name agree with what was typed. The key person is then made in the reporting community."""
    from fangkong.people.selectors import register_matches_for

    report = _open_report(actor, report)
    matches = register_matches_for(
        actor, document_type=report.document_type, document_number=report.document_number, name=report.name
    )
    if person.pk not in {p.pk for p in matches}:
        raise ValidationError(_("This person of your register does not match the report (document and name)."))
    kp = _link_report(actor=actor, report=report, person=person, request=request)
    record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=report,
        summary=say(gettext_lazy("Self-report %(id)s confirmed as person %(person)s"), id=report.pk, person=person.pk),
        request=request,
    )
    return kp


@transaction.atomic
def register_self_report(*, actor: Any, report: SelfReport, request: HttpRequest | None = None) -> KeyPerson:
    """The community registers the reporter as a new floating resident (from what they typed) and screens them."""
    from fangkong.people.services import create_person

    report = _open_report(actor, report)
    person = create_person(
        actor=actor,
        data=PersonInput(
            name=report.name,
            document_type=report.document_type,
            document_number=report.document_number,
            place=report.place,
            phone=report.phone,
            address=report.address,
            resident_type=ResidentType.FLOATING,
        ),
        request=request,
    )
    return _link_report(actor=actor, report=report, person=person, request=request)


def is_open(kp: KeyPerson) -> bool:
    return kp.clear_state in OPEN_STATES
