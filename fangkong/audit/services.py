"""The one way to write to the audit log."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import HttpRequest

from fangkong.audit.models import AuditAction, AuditEvent


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address as the rate limits see it (behind a trusted proxy: the address it saw)."""
    from fangkong.core.ratelimit import client_ip as address

    if request is None:
        return None
    return address(request) or None


def record(
    *,
    actor: Any,
    action: AuditAction | str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    summary: str = "",
    changes: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> AuditEvent:
    """Append one event. `summary` and `changes` must already be masked by the caller."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent.objects.create(
        actor=actor if authenticated else None,
        actor_username=getattr(actor, "username", "") if authenticated else "",
        ip_address=client_ip(request),
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        summary=summary[:300],
        changes=changes or {},
    )
