"""Handling an alert raised at a gate."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.audit.models import AuditAction
from fangkong.audit.services import record, say
from fangkong.checkpoints.models import (
    Alert,
)
from fangkong.checkpoints.services.cleaning import _text
from fangkong.core.scoping import path_in_jurisdiction
from fangkong.core.validators import (
    validate_clean_text,
)


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
    record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=alert,
        summary=say(gettext_lazy("Alert %(id)s handled"), id=alert.pk),
        request=request,
    )
    return alert
