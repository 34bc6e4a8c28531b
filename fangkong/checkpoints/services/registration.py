"""Registering one passage, idempotent by client id."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.audit.models import AuditAction
from fangkong.audit.services import Joined, record, say
from fangkong.checkpoints.models import (
    Checkpoint,
    CheckpointStatus,
    Registration,
    RegistrationSource,
)
from fangkong.checkpoints.selectors import find_person, open_key_person
from fangkong.checkpoints.services.cleaning import RegistrationInput, RegistrationResult, _clean
from fangkong.checkpoints.services.escalation import REASON_LABELS, _escalate, assess
from fangkong.core.scoping import path_in_jurisdiction
from fangkong.people.selectors import anonymous_match
from fangkong.protocols.selectors import body_temperature


class CheckpointClosed(Exception):
    pass


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
    found: dict[str, list[str]] = {}
    if checkpoint is None:
        checkpoint = _checkpoint_for(actor, data.checkpoint_id, found)
    rules = body_temperature(checkpoint.place_path if checkpoint else None)
    values, errors = _clean(data, rules=rules, now=now)
    for name, messages in found.items():
        errors.setdefault(name, []).extend(messages)
    client_id = str(values.get("client_id") or data.client_id or "")
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
    assessment = assess(values, key_person, rules=rules)
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
                    summary=say(
                        gettext_lazy("Alert at %(checkpoint)s: %(reasons)s"),
                        checkpoint=checkpoint.name,
                        reasons=Joined([REASON_LABELS.get(r, r) for r in assessment.reasons]),
                    ),
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
