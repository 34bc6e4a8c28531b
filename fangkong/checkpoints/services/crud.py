"""Creating and editing checkpoints."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.audit.models import AuditAction
from fangkong.audit.services import record, say
from fangkong.checkpoints.models import (
    Checkpoint,
    CheckpointStatus,
    CheckpointType,
    KitCheck,
    KitItem,
)
from fangkong.checkpoints.services.cleaning import _text
from fangkong.core.scoping import path_in_jurisdiction
from fangkong.core.validators import (
    validate_clean_text,
)
from fangkong.places.models import Place


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
    summary = say(gettext_lazy("Checkpoint %(name)s saved"), name=checkpoint.name)
    record(actor=actor, action=action, obj=checkpoint, summary=summary, request=request)
    return checkpoint
