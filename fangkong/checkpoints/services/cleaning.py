"""Cleaning one passage as a gate, a device or a resident sent it: the input, the limits and the checks."""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from fangkong.checkpoints.models import (
    Alert,
    Direction,
    HealthCode,
    ItineraryCode,
    Registration,
    Vaccination,
)
from fangkong.core.validators import (
    When,
    normalize_document_number,
    parse_phone,
    parse_resident_id,
    validate_clean_text,
    validate_moment,
)
from fangkong.people.models import DocumentType
from fangkong.protocols.selectors import BodyTemperature

# A device clock may run a little ahead; beyond this a time is "in the future".
CLOCK_SKEW = dt.timedelta(minutes=5)


# The gate page keeps queued registrations this long; an older time means a wrong clock or a stuck device.
OFFLINE_QUEUE_LIMIT = dt.timedelta(days=7)


# Choices.values builds a new list on every access; a 1,000-item batch checks each of these per item.
DIRECTIONS = frozenset(Direction.values)


DOCUMENT_TYPES = frozenset(DocumentType.values)


CODE_CHOICES = (
    ("health_code", frozenset(HealthCode.values)),
    ("itinerary_code", frozenset(ItineraryCode.values)),
    ("vaccination", frozenset(Vaccination.values)),
)


TEXT_LIMITS = {"name": 50, "vehicle_plate": 12, "came_from": 100, "reason": 100, "destination": 100}


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
    data: RegistrationInput, *, rules: BodyTemperature, now: dt.datetime, today: dt.date | None = None
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Normalise and validate one passage: (clean values, errors by field).

    A temperature outside the protocol's range at checkpoints (`rules.gate_range`) is a typing or
    thermometer error, not a person.
    """
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
            low, high = rules.gate_range
            if not low <= temperature <= high:
                fail(
                    "temperature",
                    _("%(t)s °C is not a human body temperature; measure again (accepted: %(low)s-%(high)s °C).")
                    % {"t": temperature, "low": low, "high": high},
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
