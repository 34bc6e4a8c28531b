"""Reads of the audit log. The log spans every jurisdiction, so only holders of audit.view_auditevent get here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.apps import apps
from django.db.models import Q, QuerySet
from django.utils import timezone

from fangkong.audit.models import AuditAction, AuditEvent


@dataclass(frozen=True)
class AuditFilters:
    action: str = ""
    username: str = ""
    object_type: str = ""
    object_id: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def described(self) -> dict[str, str]:
        values = {
            "action": self.action,
            "username": self.username,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "date_from": self.date_from.isoformat() if self.date_from else "",
            "date_to": self.date_to.isoformat() if self.date_to else "",
        }
        return {k: v for k, v in values.items() if v}


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def audit_events(filters: AuditFilters) -> QuerySet[AuditEvent]:
    """Newest first; dates are whole local (Asia/Shanghai) days, both ends included."""
    qs = AuditEvent.objects.all()
    if filters.action:
        qs = qs.filter(action=filters.action)
    if filters.username:
        # A failed login has no actor: the username typed is kept in the summary.
        qs = qs.filter(
            Q(actor_username=filters.username) | Q(action=AuditAction.LOGIN_FAILED, summary=filters.username)
        )
    if filters.object_type:
        qs = qs.filter(object_type=filters.object_type)
    if filters.object_id:
        qs = qs.filter(object_id=filters.object_id)
    if filters.date_from:
        qs = qs.filter(at__gte=_local_midnight(filters.date_from))
    if filters.date_to:
        qs = qs.filter(at__lt=_local_midnight(filters.date_to + dt.timedelta(days=1)))
    return qs.order_by("-at", "-id")


def object_types() -> list[str]:
    """Suggestions for the object-type filter: the project's models, named as the log names them.

    Taken from the app registry, not from SELECT DISTINCT over a log that grows by millions of rows.
    """
    return sorted(m._meta.label_lower for m in apps.get_models() if m.__module__.startswith("fangkong."))
