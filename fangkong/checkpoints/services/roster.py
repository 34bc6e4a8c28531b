"""The shift roster of a checkpoint."""

from __future__ import annotations

import datetime as dt
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
    Shift,
)
from fangkong.checkpoints.services.cleaning import _text
from fangkong.core.scoping import path_in_jurisdiction
from fangkong.core.validators import (
    parse_phone,
    validate_clean_text,
)


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
    summary = say(gettext_lazy("Shift at %(checkpoint)s added"), checkpoint=checkpoint.name)
    record(actor=actor, action=AuditAction.CREATE, obj=shift, summary=summary)
    return shift


@transaction.atomic
def remove_shift(*, actor: Any, shift: Shift, request: HttpRequest | None = None) -> None:
    if not path_in_jurisdiction(actor, shift.checkpoint.place_path):
        raise PermissionDenied
    record(
        actor=actor,
        action=AuditAction.DELETE,
        obj=shift,
        summary=say(gettext_lazy("Shift %(id)s removed"), id=shift.pk),
        request=request,
    )
    shift.delete()
