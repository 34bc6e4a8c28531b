"""Every write of checkpoints: registering a passage (idempotent by client id), escalating an abnormal one,
the kit checklist and the shift roster."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import uuid
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from fangkong.audit.models import AuditAction
from fangkong.audit.services import record
from fangkong.checkpoints.models import (
    Alert,
    Checkpoint,
    CheckpointStatus,
    CheckpointType,
    DailyReport,
    Direction,
    HealthCode,
    ItineraryCode,
    KitCheck,
    KitItem,
    NextStep,
    Registration,
    RegistrationSource,
    Shift,
    Vaccination,
)
from fangkong.checkpoints.signals import FEVER, alert_raised, fever_key_person_terms
from fangkong.core.masking import mask_phone
from fangkong.core.scoping import path_in_jurisdiction
from fangkong.core.validators import (
    When,
    normalize_document_number,
    parse_phone,
    parse_resident_id,
    validate_clean_text,
    validate_moment,
)
from fangkong.people.models import DocumentType, Person, ResidentType
from fangkong.people.selectors import anonymous_match
from fangkong.places.counts import adjust_counts, person_deltas
from fangkong.places.models import Place
from fangkong.protocols.models import MeasureKind
from fangkong.protocols.selectors import match_risk_area
from fangkong.screening.models import ClearState, KeyPerson, SourceKind
from fangkong.screening.services import SourceInput, add_key_person

# A temperature at or above this is a fever (发热): the protocol's threshold at gates.
FEVER_AT = Decimal("37.3")
# Readings outside this range are typing or thermometer errors, not people.
TEMPERATURE_RANGE = (Decimal("35.0"), Decimal("42.0"))
# A device clock may run a little ahead; beyond this a time is "in the future".
CLOCK_SKEW = dt.timedelta(minutes=5)
# The gate page keeps queued registrations this long; an older time means a wrong clock or a stuck device.
OFFLINE_QUEUE_LIMIT = dt.timedelta(days=7)
# Priority when several reasons apply: the most urgent step wins.
STEP_RANK: dict[str, int] = {NextStep.PASS: 0, NextStep.REFUSE: 1, NextStep.HOLD: 2, NextStep.FEVER_CLINIC: 3}
MEASURES_UNDER_CONTROL = (MeasureKind.CENTRAL_QUARANTINE, MeasureKind.HOME_QUARANTINE, MeasureKind.HOME_MONITORING)
# Choices.values builds a new list on every access; a 1,000-item batch checks each of these per item.
DIRECTIONS = frozenset(Direction.values)
DOCUMENT_TYPES = frozenset(DocumentType.values)
CODE_CHOICES = (
    ("health_code", frozenset(HealthCode.values)),
    ("itinerary_code", frozenset(ItineraryCode.values)),
    ("vaccination", frozenset(Vaccination.values)),
)
TEXT_LIMITS = {"name": 50, "vehicle_plate": 12, "came_from": 100, "reason": 100, "destination": 100}


class CheckpointClosed(Exception):
    pass


@dataclass
class RegistrationInput:
    """One passage as the gate, a device or a resident sent it; values are raw until cleaned."""

    client_id: Any
    checkpoint_id: Any
    direction: Any
    occurred_at: Any = None
    document_type: Any = ""
    document_number: Any = ""
    phone: Any = ""
    name: Any = ""
    temperature: Any = None
    health_code: Any = ""
    itinerary_code: Any = ""
    vaccination: Any = ""
    latest_test_on: Any = None
    vehicle_plate: Any = ""
    passengers: Any = None
    came_from: Any = ""
    reason: Any = ""
    destination: Any = ""


@dataclass
class RegistrationResult:
    client_id: str
    status: str  # created | duplicate | rejected
    registration: Registration | None = None
    alert: Alert | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)


def _text(value: Any) -> str:
    return " ".join(str(value or "").split())


def _clean(
    data: RegistrationInput, *, now: dt.datetime, today: dt.date | None = None
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Normalise and validate one passage: (clean values, errors by field)."""
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {"flags": []}

    def fail(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    try:
        out["client_id"] = data.client_id if isinstance(data.client_id, uuid.UUID) else uuid.UUID(str(data.client_id))
    except (TypeError, ValueError, AttributeError):
        fail("client_id", _("A client id (UUID made by the device) is required."))

    if data.direction not in DIRECTIONS:
        fail("direction", _("The direction is “in” or “out”."))
    out["direction"] = data.direction

    occurred = data.occurred_at
    if isinstance(occurred, str):
        try:
            occurred = parse_datetime(occurred.strip()) if occurred.strip() else None
        except ValueError:
            occurred = "invalid"
        occurred = "invalid" if occurred is None and data.occurred_at.strip() else occurred
    if occurred is None:
        occurred = now
    elif not isinstance(occurred, dt.datetime):
        fail("occurred_at", _("The time is not a date and time (ISO 8601)."))
        occurred = now
    if timezone.is_naive(occurred):
        with contextlib.suppress(OverflowError):  # at the calendar's end: refused just below
            occurred = timezone.make_aware(occurred)
    try:
        validate_moment(occurred, when=When.EVENT, now=now)
    except ValidationError as exc:
        errors.setdefault("occurred_at", []).extend(exc.messages)
        occurred = now
    # Flagged, not dropped: a device clock up to a day wrong must not lose a passage.
    if occurred > now + CLOCK_SKEW:
        out["flags"].append("future_time")
    elif occurred < now - OFFLINE_QUEUE_LIMIT:
        out["flags"].append("older_than_queue")
    out["occurred_at"] = occurred

    doc_type = data.document_type or ""
    number = _text(data.document_number)
    out["document_type"], out["document_number"] = "", ""
    if number:
        doc_type = doc_type or DocumentType.RESIDENT_ID
        if doc_type not in DOCUMENT_TYPES:
            fail("document_type", _("Unknown document type."))
        elif doc_type == DocumentType.RESIDENT_ID:
            try:
                out["document_number"] = parse_resident_id(number).number
                out["document_type"] = doc_type
            except ValidationError as exc:
                errors.setdefault("document_number", []).extend(exc.messages)
        else:
            normalized = normalize_document_number(number)
            if not 5 <= len(normalized) <= 20 or not normalized.isalnum():
                fail("document_number", _("A document number has 5 to 20 letters or digits."))
            else:
                out["document_number"], out["document_type"] = normalized, doc_type
    out["phone"] = ""
    if _text(data.phone):
        try:
            out["phone"] = parse_phone(_text(data.phone))
        except ValidationError as exc:
            errors.setdefault("phone", []).extend(exc.messages)
    if not number and not _text(data.phone):
        fail("document_number", _("Give an ID number or a mobile number."))

    for name, limit in TEXT_LIMITS.items():
        value = _text(getattr(data, name))
        if len(value) > limit:
            fail(name, _("At most %(n)d characters.") % {"n": limit})
            continue
        try:
            validate_clean_text(value)
        except ValidationError as exc:
            errors.setdefault(name, []).extend(exc.messages)
        out[name] = value
    out["vehicle_plate"] = out.get("vehicle_plate", "").upper()

    out["temperature"] = None
    if data.temperature not in (None, ""):
        try:
            temperature = Decimal(str(data.temperature).strip())
            if not temperature.is_finite():  # NaN would raise on the range comparison and sink the batch
                raise InvalidOperation
            temperature = temperature.quantize(Decimal("0.1"))
        except (InvalidOperation, ValueError):
            fail("temperature", _("The temperature is a number in °C, e.g. 36.5."))
        else:
            low, high = TEMPERATURE_RANGE
            if not low <= temperature <= high:
                fail(
                    "temperature",
                    _("%(t)s °C is not a human body temperature; measure again (accepted: 35.0-42.0 °C).")
                    % {"t": temperature},
                )
            else:
                out["temperature"] = temperature

    for name, choices in CODE_CHOICES:
        value = getattr(data, name) or ""
        if value and value not in choices:
            fail(name, _("Unknown value “%(value)s”.") % {"value": str(value)[:20]})
        out[name] = value if value in choices else ""

    tested = data.latest_test_on
    if isinstance(tested, str):
        try:
            tested = parse_date(tested.strip()) if tested.strip() else None
        except ValueError:
            tested = "invalid"
        tested = "invalid" if tested is None and data.latest_test_on.strip() else tested
    if tested is not None and not isinstance(tested, dt.date):
        fail("latest_test_on", _("The test date is not a date (YYYY-MM-DD)."))
        tested = None
    if tested is not None and tested > (today or timezone.localdate(now)):
        fail("latest_test_on", _("The test date is in the future."))
    elif tested is not None:
        try:
            validate_moment(tested, when=When.PAST, now=now)
        except ValidationError as exc:
            errors.setdefault("latest_test_on", []).extend(exc.messages)
    out["latest_test_on"] = tested

    out["passengers"] = None
    if data.passengers not in (None, ""):
        try:
            passengers = int(data.passengers)
        except (TypeError, ValueError):
            passengers = -1
        if not 0 <= passengers <= 100:
            fail("passengers", _("The number of passengers is between 0 and 100."))
        else:
            out["passengers"] = passengers
    return out, errors


# --- who is this person -------------------------------------------------------------------------


def find_person(*, document_type: str, document_number: str, phone: str) -> Person | None:
    """The registered person behind a validated ID number (else a unique phone), following merges."""
    person = None
    if document_number:
        person = Person.objects.filter(document_type=document_type, document_number=document_number).first()
    elif phone:
        matches = list(Person.objects.filter(phone=phone, merged_into__isnull=True)[:2])
        # A phone shared by a family says nothing about who is at the gate.
        person = matches[0] if len(matches) == 1 else None
    if person is not None and person.merged_into_id:
        person = Person.objects.filter(pk=person.merged_into_id).first()
    return person


def open_key_person(person: Person | None) -> KeyPerson | None:
    if person is None:
        return None
    return KeyPerson.objects.filter(person=person).exclude(clear_state=ClearState.RELEASED).first()


# --- the escalation rules -----------------------------------------------------------------------


@dataclass
class Assessment:
    reasons: list[str]
    next_step: str
    risk_area: Any = None

    @property
    def abnormal(self) -> bool:
        return bool(self.reasons)


def assess(values: dict[str, Any], key_person: KeyPerson | None) -> Assessment:
    """Which escalation rules a passage meets and what the gate must do (the most urgent step wins)."""
    reasons: list[tuple[str, str]] = []
    temperature = values.get("temperature")
    if temperature is not None and temperature >= FEVER_AT:
        reasons.append((FEVER, NextStep.FEVER_CLINIC))
    if values.get("health_code") == HealthCode.RED:
        reasons.append(("red_code", NextStep.HOLD))
    elif values.get("health_code") == HealthCode.YELLOW:
        reasons.append(("yellow_code", NextStep.HOLD))
    under_measure = key_person is not None and key_person.measure_kind in MEASURES_UNDER_CONTROL
    if values.get("direction") == Direction.OUT and under_measure:
        reasons.append(("leaving_under_measure", NextStep.REFUSE))
    area = None
    came_from = values.get("came_from") or ""
    if came_from and values.get("direction") == Direction.IN:
        today = timezone.localdate(values["occurred_at"])
        area = match_risk_area(came_from, today - dt.timedelta(days=14), today)
        if area is not None and key_person is None:
            reasons.append(("risk_area_returnee", NextStep.HOLD))
    step = max((s for _r, s in reasons), key=lambda s: STEP_RANK[s], default=NextStep.PASS)
    return Assessment([r for r, _s in reasons], step, area)


def reason_label(reason: str) -> str:
    labels = {
        "fever": _("Fever (≥ 37.3 °C)"),
        "red_code": _("Red health code"),
        "yellow_code": _("Yellow health code"),
        "leaving_under_measure": _("Under a measure and leaving"),
        "risk_area_returnee": _("From a risk area, not yet known"),
    }
    return labels.get(reason, reason)


# --- registering --------------------------------------------------------------------------------


def _person_for_escalation(values: dict[str, Any], checkpoint: Checkpoint, actor: Any) -> Person | None:
    """The person a key person needs: an unknown outsider with a document becomes a floating resident here."""
    if not values["document_number"]:
        return None
    name = values.get("name") or ""
    if not name:
        return None
    person = Person.objects.create(
        name=name,
        document_type=values["document_type"],
        document_number=values["document_number"],
        phone=values["phone"],
        place=checkpoint.place,
        place_path=checkpoint.place_path,
        resident_type=ResidentType.FLOATING,
        **_facts(values),
    )
    adjust_counts(person_deltas(checkpoint.place_path, person.resident_type, +1))
    record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=person,
        summary=f"person {person.pk} registered at checkpoint {checkpoint.pk}",
    )
    return person


def _facts(values: dict[str, Any]) -> dict[str, Any]:
    if values["document_type"] != DocumentType.RESIDENT_ID:
        return {}
    facts = parse_resident_id(values["document_number"])
    return {"sex": facts.sex, "birth_date": facts.birth_date}


def _escalate(
    *, actor: Any, registration: Registration, assessment: Assessment, values: dict[str, Any], request: Any
) -> Alert:
    checkpoint = registration.checkpoint
    person = registration.person
    if person is None and getattr(actor, "is_authenticated", False):
        # Staff at the gate register an unknown outsider; an anonymous check-in creates no register entry
        # (its registration keeps what was typed, and the alert carries it to the community).
        try:
            with transaction.atomic():
                person = _person_for_escalation(values, checkpoint, actor)
        except IntegrityError:  # registered by someone else a moment ago
            person = find_person(
                document_type=values["document_type"], document_number=values["document_number"], phone=""
            )
        if person is not None:
            registration.person = person
            Registration.objects.filter(pk=registration.pk).update(person=person)
    key_person = None
    if person is not None:
        came_from = values.get("came_from") or ""
        detail = f"{checkpoint.name}: " + ", ".join(reason_label(r) for r in assessment.reasons)
        # A fever makes a fever patient with the protocol's deadline, whatever else the passage shows.
        category, due_at = "", None
        if FEVER in assessment.reasons:
            category, due_at = fever_key_person_terms(checkpoint.place, at=timezone.now())
        key_person, _created = add_key_person(
            actor=actor,
            person=person,
            source=SourceInput(
                kind=SourceKind.CHECKPOINT,
                detail=detail[:300],
                came_from=came_from if assessment.risk_area is not None else "",
                arrived_on=timezone.localdate(registration.occurred_at) if assessment.risk_area is not None else None,
            ),
            category=category,
            place=checkpoint.place,
            due_at=due_at,
            request=request,
        )
    alert = Alert.objects.create(
        registration=registration,
        checkpoint=checkpoint,
        place_path=checkpoint.place_path,
        reasons=assessment.reasons,
        next_step=assessment.next_step,
        key_person=key_person,
    )
    alert_raised.send(sender=Alert, alert=alert, actor=actor, request=request)
    return alert


def register(
    *,
    actor: Any,
    data: RegistrationInput,
    checkpoint: Checkpoint | None = None,
    source: str = RegistrationSource.GATE,
    request: HttpRequest | None = None,
) -> RegistrationResult:
    """Register one passage. A client id seen before answers "duplicate" and stores nothing.

    The unique client id decides, inside the database: two replays racing each other both try
    the insert, one wins, the other's insert fails on the constraint and it answers "duplicate".
    """
    now = timezone.now()
    values, errors = _clean(data, now=now)
    client_id = str(values.get("client_id") or data.client_id or "")
    if checkpoint is None:
        checkpoint = _checkpoint_for(actor, data.checkpoint_id, errors)
    if checkpoint is not None and checkpoint.status != CheckpointStatus.OPEN:
        errors.setdefault("checkpoint_id", []).append(
            _("The checkpoint is %(status)s; registrations are not taken.")
            % {"status": checkpoint.get_status_display()}
        )
    if errors:
        if "client_id" not in errors and _already_registered(values["client_id"]):
            return RegistrationResult(client_id, "duplicate")
        return RegistrationResult(client_id, "rejected", errors=errors)
    assert checkpoint is not None
    if _already_registered(values["client_id"]):
        return RegistrationResult(client_id, "duplicate")
    if getattr(actor, "is_authenticated", False):
        person = find_person(
            document_type=values["document_type"], document_number=values["document_number"], phone=values["phone"]
        )
    else:
        # An anonymous check-in speaks for this checkpoint's place only, and only under the right name:
        # it must never link to (and show this community) a resident of elsewhere (issue 16 A1).
        person = anonymous_match(
            path=checkpoint.place_path,
            document_type=values["document_type"],
            document_number=values["document_number"],
            phone=values["phone"],
            name=values["name"],
        )
    key_person = open_key_person(person)
    assessment = assess(values, key_person)
    if person is not None and not values["name"]:
        values["name"] = person.name
    try:
        with transaction.atomic():
            registration = Registration.objects.create(
                checkpoint=checkpoint,
                place_path=checkpoint.place_path,
                person=person,
                source=source,
                created_by=actor if getattr(actor, "is_authenticated", False) else None,
                is_abnormal=assessment.abnormal,
                next_step=assessment.next_step,
                **values,
            )
            alert = None
            if assessment.abnormal:
                alert = _escalate(
                    actor=actor, registration=registration, assessment=assessment, values=values, request=request
                )
                record(
                    actor=actor,
                    action=AuditAction.CREATE,
                    obj=alert,
                    summary=f"checkpoint {checkpoint.pk} alert: {', '.join(assessment.reasons)}",
                    request=request,
                )
    except IntegrityError:
        if Registration.objects.filter(client_id=values["client_id"]).exists():
            return RegistrationResult(client_id, "duplicate")
        raise
    return RegistrationResult(client_id, "created", registration=registration, alert=alert)


def _already_registered(client_id: uuid.UUID) -> bool:
    """The cheap check before any work; the unique constraint is what makes a race safe."""
    return Registration.objects.filter(client_id=client_id).exists()


def _checkpoint_for(actor: Any, raw_id: Any, errors: dict[str, list[str]]) -> Checkpoint | None:
    try:
        pk = int(raw_id)
    except (TypeError, ValueError):
        pk = 0
    checkpoint = Checkpoint.objects.filter(pk=pk).first() if 0 < pk < 2**63 else None
    if checkpoint is None or not path_in_jurisdiction(actor, checkpoint.place_path):
        errors.setdefault("checkpoint_id", []).append(_("No such checkpoint in your jurisdiction."))
        return None
    return checkpoint


def register_batch(
    *, actor: Any, items: list[RegistrationInput], source: str = RegistrationSource.API, request: Any = None
) -> list[RegistrationResult]:
    """Each item on its own: the good ones are stored, the bad ones answered with their reasons.

    Set-based for the gate devices' 1,000-item batches: one query each for the checkpoints, the client ids
    already stored, the persons and their open key-person records, then one INSERT … ON CONFLICT DO NOTHING
    for every plain passage. Abnormal passages (a few) take the one-by-one path with its escalation.
    """
    now = timezone.now()
    today = timezone.localdate(now)
    cleaned = [_clean(item, now=now, today=today) for item in items]
    checkpoints = _checkpoints_in_scope(actor, items)
    wanted_ids = [v["client_id"] for v, e in cleaned if "client_id" not in e]
    existing = set(Registration.objects.filter(client_id__any_of=wanted_ids).values_list("client_id", flat=True))
    persons = _persons_for([v for v, e in cleaned if not e])
    open_records = {
        kp.person_id: kp
        for kp in KeyPerson.objects.filter(person_id__any_of=[p.pk for p in persons.values() if p is not None]).exclude(
            clear_state=ClearState.RELEASED
        )
    }
    created_by = actor.pk if getattr(actor, "is_authenticated", False) else None
    results: list[RegistrationResult | None] = [None] * len(items)
    plain: list[tuple[int, tuple[Any, ...]]] = []
    seen: set[uuid.UUID] = set()
    for index, (item, (values, errors)) in enumerate(zip(items, cleaned, strict=True)):
        client_id = values.get("client_id")
        label = str(client_id or item.client_id or "")
        checkpoint = checkpoints.get(str(item.checkpoint_id))
        if checkpoint is None:
            errors.setdefault("checkpoint_id", []).append(_("No such checkpoint in your jurisdiction."))
        elif checkpoint.status != CheckpointStatus.OPEN:
            errors.setdefault("checkpoint_id", []).append(
                _("The checkpoint is %(status)s; registrations are not taken.")
                % {"status": checkpoint.get_status_display()}
            )
        if client_id is not None and (client_id in existing or client_id in seen):
            results[index] = RegistrationResult(label, "duplicate")
            continue
        if errors:
            results[index] = RegistrationResult(label, "rejected", errors=errors)
            continue
        assert checkpoint is not None
        assert client_id is not None
        seen.add(client_id)
        person = persons.get(_person_key(values))
        assessment = assess(values, open_records.get(person.pk) if person else None)
        if assessment.abnormal:
            results[index] = register(actor=actor, data=item, checkpoint=checkpoint, source=source, request=request)
            continue
        if person is not None and not values["name"]:
            values["name"] = person.name
        values.update(
            checkpoint_id=checkpoint.pk,
            place_path=checkpoint.place_path,
            person_id=person.pk if person else None,
            received_at=now,
            source=source,
            created_by_id=created_by,
            is_abnormal=False,
            next_step=NextStep.PASS,
        )
        plain.append((index, tuple(values[column] for column in PLAIN_COLUMNS)))
    inserted = _insert_new_passages([row for _index, row in plain])
    for index, row in plain:
        status = "created" if row[0] in inserted else "duplicate"
        results[index] = RegistrationResult(str(row[0]), status)
    final = [r for r in results if r is not None]
    created = sum(1 for r in final if r.status == "created")
    if created:
        record(
            actor=actor,
            action=AuditAction.CREATE,
            object_type="checkpoints.registration",
            summary=f"registration batch: {created} created of {len(items)}",
            request=request,
        )
    return final


# The columns of a plain passage, in the order register_batch builds its rows (client_id first).
PLAIN_COLUMNS = (
    "client_id", "checkpoint_id", "place_path", "person_id", "name", "document_type", "document_number", "phone",
    "direction", "temperature", "health_code", "itinerary_code", "vaccination", "latest_test_on", "vehicle_plate",
    "passengers", "came_from", "reason", "destination", "occurred_at", "received_at", "source", "created_by_id",
    "is_abnormal", "next_step", "flags",
)  # fmt: skip


# Up to this many passages go in as one INSERT … VALUES; more through COPY and a temporary table.
SMALL_BATCH = 50


def _insert_new_passages(rows: list[tuple[Any, ...]]) -> set[uuid.UUID]:
    """Insert the rows whose client id is new; the client ids this call inserted.

    A concurrent replay of the same batch may get some rows in first: ON CONFLICT leaves those alone, and only
    what this statement inserted comes back, so each side answers "created" exactly for its own rows.
    On PostgreSQL the rows go in with COPY into a temporary table and one INSERT … SELECT.
    """
    if not rows:
        return set()
    if connection.vendor != "postgresql":
        marker = uuid.uuid4()
        Registration.objects.bulk_create(
            [Registration(batch_id=marker, **dict(zip(PLAIN_COLUMNS, row, strict=True))) for row in rows],
            ignore_conflicts=True,
        )
        return set(
            Registration.objects.filter(client_id__in=[r[0] for r in rows], batch_id=marker).values_list(
                "client_id", flat=True
            )
        )
    columns = ", ".join(PLAIN_COLUMNS)
    flags = PLAIN_COLUMNS.index("flags")
    if len(rows) <= SMALL_BATCH:
        # A gate's own few passages: one INSERT with the values, no temporary table.
        one = "(" + ", ".join("%s::jsonb" if column == "flags" else "%s" for column in PLAIN_COLUMNS) + ")"
        params = [json.dumps(value) if i == flags else value for row in rows for i, value in enumerate(row)]
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO checkpoints_registration ({columns}) VALUES {', '.join([one] * len(rows))}"  # noqa: S608
                " ON CONFLICT (client_id) DO NOTHING RETURNING client_id",
                params,
            )
            return {client_id for (client_id,) in cursor.fetchall()}
    with transaction.atomic(), connection.cursor() as cursor:
        # Per connection and emptied at every commit; persistent connections create it once.
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS incoming_registration ON COMMIT DELETE ROWS AS"  # noqa: S608
            f" SELECT {columns} FROM checkpoints_registration WITH NO DATA"
        )
        with cursor.copy(f"COPY incoming_registration ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row((*row[:flags], json.dumps(row[flags]), *row[flags + 1 :]))
        cursor.execute(
            f"INSERT INTO checkpoints_registration ({columns}) SELECT {columns} FROM incoming_registration"  # noqa: S608
            " ON CONFLICT (client_id) DO NOTHING RETURNING client_id"
        )
        inserted = {client_id for (client_id,) in cursor.fetchall()}
        # Emptied here too: inside an outer transaction the commit that empties it may be far off.
        cursor.execute("DELETE FROM incoming_registration")
        return inserted


def _checkpoints_in_scope(actor: Any, items: list[RegistrationInput]) -> dict[str, Checkpoint]:
    ids = set()
    for item in items:
        try:
            pk = int(item.checkpoint_id)
        except (TypeError, ValueError):
            continue
        if 0 < pk < 2**63:
            ids.add(pk)
    return {
        str(c.pk): c
        for c in Checkpoint.objects.filter(pk__in=ids).select_related("place")
        if path_in_jurisdiction(actor, c.place_path)
    }


def _person_key(values: dict[str, Any]) -> tuple[str, str, str]:
    if values["document_number"]:
        return (values["document_type"], values["document_number"], "")
    return ("", "", values["phone"])


@dataclass(frozen=True)
class KnownPerson:
    pk: int
    name: str


def _persons_for(all_values: list[dict[str, Any]]) -> dict[tuple[str, str, str], KnownPerson | None]:
    """find_person for many passages: one query per document type (so the unique index serves it), one by
    phone, and one for the survivors of merged records."""
    numbers: dict[str, set[str]] = {}
    for v in all_values:
        if v["document_number"]:
            numbers.setdefault(v["document_type"], set()).add(v["document_number"])
    phones = {v["phone"] for v in all_values if not v["document_number"] and v["phone"]}
    found: dict[tuple[str, str, str], KnownPerson | None] = {}
    merged: dict[tuple[str, str, str], int] = {}
    for document_type, wanted in numbers.items():
        rows = Person.objects.filter(document_type=document_type, document_number__any_of=list(wanted)).values_list(
            "pk", "name", "document_number", "merged_into_id"
        )
        for pk, name, number, merged_into in rows:
            key = (document_type, number, "")
            if merged_into:
                merged[key] = merged_into
            else:
                found[key] = KnownPerson(pk, name)
    if merged:
        survivors = dict(Person.objects.filter(pk__in=set(merged.values())).values_list("pk", "name"))
        for key, pk in merged.items():
            found[key] = KnownPerson(pk, survivors[pk]) if pk in survivors else None
    if phones:
        by_phone: dict[str, list[KnownPerson]] = {}
        holders_of = Person.objects.filter(phone__any_of=list(phones), merged_into__isnull=True).values_list(
            "pk", "name", "phone"
        )
        for pk, name, phone in holders_of:
            by_phone.setdefault(phone, []).append(KnownPerson(pk, name))
        for phone, holders in by_phone.items():
            # A phone shared by a family says nothing about who is at the gate.
            found[("", "", phone)] = holders[0] if len(holders) == 1 else None
    return found


class SelfCheckInLimited(Exception):
    pass


def self_check_in(
    *, checkpoint: Checkpoint, data: RegistrationInput, request: HttpRequest | None = None
) -> RegistrationResult:
    """A resident's own registration from the venue's QR code: same rules, rate-limited per phone and address."""
    from fangkong.screening.services import RateLimited, check_rate

    phone = _text(data.phone)
    try:
        phone = parse_phone(phone) if phone else ""
    except ValidationError:
        phone = ""
    try:
        check_rate(request=request, phone=phone, form="checkin", link=f"checkpoint:{checkpoint.pk}")
    except RateLimited:
        raise SelfCheckInLimited from None
    result = register(actor=None, data=data, checkpoint=checkpoint, source=RegistrationSource.SELF, request=request)
    if result.status == "created":
        record(
            actor=None,
            action=AuditAction.CREATE,
            obj=result.registration,
            summary=f"self check-in at checkpoint {checkpoint.pk} from {mask_phone(phone)}",
            request=request,
        )
    return result


# --- checkpoints, kit and roster ----------------------------------------------------------------


@dataclass
class CheckpointInput:
    name: str
    type: str
    place: Place
    location: str = ""
    opening_hours: str = ""
    status: str = CheckpointStatus.OPEN


def _clean_checkpoint(data: CheckpointInput) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    name = _text(data.name)
    if not name:
        errors["name"] = [_("Name the checkpoint, e.g. 东门.")]
    if data.type not in CheckpointType.values:
        errors["type"] = [_("Unknown checkpoint type.")]
    if data.status not in CheckpointStatus.values:
        errors["status"] = [_("Unknown status.")]
    for text in (name, data.location, data.opening_hours):
        try:
            validate_clean_text(text or "")
        except ValidationError as exc:
            errors.setdefault("__all__", []).extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    return {
        "name": name[:100],
        "type": data.type,
        "place": data.place,
        "place_path": data.place.path,
        "location": _text(data.location)[:200],
        "opening_hours": _text(data.opening_hours)[:100],
        "status": data.status,
    }


@transaction.atomic
def save_checkpoint(
    *, actor: Any, data: CheckpointInput, checkpoint: Checkpoint | None = None, request: HttpRequest | None = None
) -> Checkpoint:
    if not path_in_jurisdiction(actor, data.place.path):
        raise ValidationError({"place": [_("No such place in your jurisdiction.")]})
    if checkpoint is not None and not path_in_jurisdiction(actor, checkpoint.place_path):
        raise PermissionDenied
    values = _clean_checkpoint(data)
    if checkpoint is None:
        checkpoint = Checkpoint.objects.create(**values)
        KitCheck.objects.bulk_create([KitCheck(checkpoint=checkpoint, item=item) for item in KitItem.values])
        action = AuditAction.CREATE
    else:
        for key, value in values.items():
            setattr(checkpoint, key, value)
        checkpoint.save()
        action = AuditAction.UPDATE
    record(actor=actor, action=action, obj=checkpoint, summary=f"checkpoint {checkpoint.pk}", request=request)
    return checkpoint


@transaction.atomic
def set_kit(
    *, actor: Any, checkpoint: Checkpoint, present: set[str], request: HttpRequest | None = None
) -> list[KitCheck]:
    """Tick what is present; every other kit item is missing."""
    if not path_in_jurisdiction(actor, checkpoint.place_path):
        raise PermissionDenied
    unknown = present - set(KitItem.values)
    if unknown:
        raise ValidationError({"present": [_("Unknown kit item.")]})
    for item in KitItem.values:
        KitCheck.objects.update_or_create(checkpoint=checkpoint, item=item, defaults={"present": item in present})
    record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=checkpoint,
        summary=f"checkpoint {checkpoint.pk} kit: {len(present)} of {len(KitItem.values)} present",
        request=request,
    )
    return list(checkpoint.kit.all())


@dataclass
class ShiftInput:
    staff_name: str
    post: str
    starts_at: dt.datetime | None
    ends_at: dt.datetime | None
    staff_phone: str = ""
    is_backup: bool = False


@transaction.atomic
def add_shift(*, actor: Any, checkpoint: Checkpoint, data: ShiftInput, request: HttpRequest | None = None) -> Shift:
    if not path_in_jurisdiction(actor, checkpoint.place_path):
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    staff_name, post = _text(data.staff_name), _text(data.post)
    if not staff_name:
        errors["staff_name"] = [_("Who is on this shift?")]
    if not post:
        errors["post"] = [_("Name the post, e.g. 测温岗.")]
    if data.starts_at is None:
        errors["starts_at"] = [_("When does the shift start?")]
    if data.ends_at is None:
        errors["ends_at"] = [_("When does the shift end?")]
    elif data.starts_at is not None and data.ends_at <= data.starts_at:
        errors["ends_at"] = [_("The shift must end after it starts.")]
    elif data.starts_at is not None and data.ends_at - data.starts_at > dt.timedelta(hours=24):
        errors["ends_at"] = [_("A shift lasts at most 24 hours.")]
    phone = ""
    if _text(data.staff_phone):
        try:
            phone = parse_phone(_text(data.staff_phone))
        except ValidationError as exc:
            errors["staff_phone"] = exc.messages
    for text in (staff_name, post):
        try:
            validate_clean_text(text)
        except ValidationError as exc:
            errors.setdefault("__all__", []).extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    assert data.starts_at is not None
    assert data.ends_at is not None
    shift = Shift.objects.create(
        checkpoint=checkpoint,
        staff_name=staff_name[:50],
        staff_phone=phone,
        post=post[:50],
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        is_backup=data.is_backup,
    )
    record(actor=actor, action=AuditAction.CREATE, obj=shift, summary=f"shift at checkpoint {checkpoint.pk}")
    return shift


@transaction.atomic
def remove_shift(*, actor: Any, shift: Shift, request: HttpRequest | None = None) -> None:
    if not path_in_jurisdiction(actor, shift.checkpoint.place_path):
        raise PermissionDenied
    record(actor=actor, action=AuditAction.DELETE, obj=shift, summary=f"shift {shift.pk} removed", request=request)
    shift.delete()


@transaction.atomic
def handle_alert(*, actor: Any, alert: Alert, outcome: str, request: HttpRequest | None = None) -> Alert:
    """The community or duty desk says what became of an abnormal passage."""
    if not path_in_jurisdiction(actor, alert.place_path):
        raise PermissionDenied
    outcome = _text(outcome)
    if not outcome:
        raise ValidationError({"outcome": [_("Say what was done, e.g. 已闭环转运至发热门诊.")]})
    if len(outcome) > 200:
        raise ValidationError({"outcome": [_("At most %(n)d characters.") % {"n": 200}]})
    validate_clean_text(outcome)
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    alert.outcome = outcome
    alert.handled_at = timezone.now()
    alert.handled_by = actor
    alert.save(update_fields=["outcome", "handled_at", "handled_by"])
    record(actor=actor, action=AuditAction.UPDATE, obj=alert, summary=f"alert {alert.pk} handled", request=request)
    return alert


# A day's report is due by this time of the next morning.
DAILY_REPORT_DUE = dt.time(9, 0)


@transaction.atomic
def submit_daily_report(
    *, actor: Any, checkpoint: Checkpoint, day: dt.date, request: HttpRequest | None = None
) -> DailyReport:
    """Staff confirm the day's compiled figures; submitting again replaces them with a fresh count."""
    from fangkong.checkpoints.selectors import day_counts

    if not path_in_jurisdiction(actor, checkpoint.place_path):
        raise PermissionDenied
    if day > timezone.localdate():
        raise ValidationError({"day": [_("A report covers a day that has begun.")]})
    report, _created = DailyReport.objects.update_or_create(
        checkpoint=checkpoint,
        day=day,
        defaults={"figures": day_counts(checkpoint, day), "place_path": checkpoint.place_path, "submitted_by": actor},
    )
    record(
        actor=actor,
        action=AuditAction.UPDATE if not _created else AuditAction.CREATE,
        obj=report,
        summary=f"daily report of checkpoint {checkpoint.pk} for {day}",
        request=request,
    )
    return report


def report_due_at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), DAILY_REPORT_DUE))
