"""The kit checklist of a checkpoint."""

from __future__ import annotations

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
    KitCheck,
    KitItem,
)
from fangkong.core.scoping import path_in_jurisdiction


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
        summary=say(
            gettext_lazy("Kit of %(checkpoint)s: %(present)s of %(n)s present"),
            checkpoint=checkpoint.name,
            present=len(present),
            n=len(KitItem.values),
        ),
        request=request,
    )
    return list(checkpoint.kit.all())
