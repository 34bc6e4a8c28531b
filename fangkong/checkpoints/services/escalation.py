"""The escalation rules: which reasons a passage meets, what the gate must do, and the alert it raises."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from fangkong.audit.models import AuditAction
from fangkong.audit.services import record, say
from fangkong.checkpoints.models import (
    Alert,
    Checkpoint,
    Direction,
    HealthCode,
    NextStep,
    Registration,
)
from fangkong.checkpoints.selectors import MEASURES_UNDER_CONTROL, find_person
from fangkong.checkpoints.signals import FEVER, alert_raised, fever_key_person_terms
from fangkong.core.validators import (
    parse_resident_id,
)
from fangkong.people.models import DocumentType, Person, ResidentType
from fangkong.places.counts import adjust_counts, person_deltas
from fangkong.protocols.selectors import BodyTemperature, match_risk_area
from fangkong.screening.models import KeyPerson, SourceKind
from fangkong.screening.services import SourceInput, add_key_person

# Priority when several reasons apply: the most urgent step wins.
STEP_RANK: dict[str, int] = {NextStep.PASS: 0, NextStep.REFUSE: 1, NextStep.HOLD: 2, NextStep.FEVER_CLINIC: 3}


@dataclass
class Assessment:
    reasons: list[str]
    next_step: str
    risk_area: Any = None

    @property
    def abnormal(self) -> bool:
        return bool(self.reasons)


def assess(values: dict[str, Any], key_person: KeyPerson | None, *, rules: BodyTemperature) -> Assessment:
    """Which escalation rules a passage meets and what the gate must do (the most urgent step wins).

    A temperature at or above the protocol's threshold (`rules.fever_at`) is a fever (发热).
    """
    reasons: list[tuple[str, str]] = []
    temperature = values.get("temperature")
    if temperature is not None and temperature >= rules.fever_at:
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


# The escalation rules' codes (stored in CheckpointAlert.reasons) and what a person reads for each.
REASON_LABELS = {
    "fever": gettext_lazy("Fever (≥ 37.3 °C)"),
    "red_code": gettext_lazy("Red health code"),
    "yellow_code": gettext_lazy("Yellow health code"),
    "leaving_under_measure": gettext_lazy("Under a measure and leaving"),
    "risk_area_returnee": gettext_lazy("From a risk area, not yet known"),
}


def reason_label(reason: str) -> str:
    return str(REASON_LABELS.get(reason, reason))


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
        summary=say(
            gettext_lazy("Person %(id)s registered at %(checkpoint)s"), id=person.pk, checkpoint=checkpoint.name
        ),
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
