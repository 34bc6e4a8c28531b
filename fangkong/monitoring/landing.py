"""Landing widgets of health monitoring: the reports due in this slot and the open health alerts.

Grid and community workers see their jurisdiction's; a site worker sees those of the sites they work at.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.http import HttpRequest

from fangkong.accounts.models import Role
from fangkong.core.landing import LandingWidget, user_roles
from fangkong.monitoring import slots
from fangkong.monitoring.models import Slot, Urgency
from fangkong.monitoring.selectors import alerts_for, reports_due
from fangkong.quarantine.selectors import staffed_sites

SHOWN = 8
FIELD_ROLES = frozenset({Role.GRID_WORKER, Role.COMMUNITY_WORKER})


def _only_sites(request: HttpRequest) -> QuerySet[Any] | None:
    """A site worker (and nothing else) sees only the sites they work at."""
    roles = user_roles(request.user)
    if Role.SITE_STAFF in roles and not roles & FIELD_ROLES:
        return staffed_sites(request.user).values("pk")
    return None


def reports_due_context(request: HttpRequest) -> dict[str, Any] | None:
    day, slot = slots.current_slot()
    qs = reports_due(request.user, day=day, slot=slot)
    sites = _only_sites(request)
    if sites is not None:
        qs = qs.filter(site__in=sites)
    count = qs.count()
    return {
        "day": day,
        "slot": slot,
        "slot_label": Slot(slot).label,
        "count": count,
        "rows": list(qs[:SHOWN]),
        "more": max(count - SHOWN, 0),
    }


def health_alerts_context(request: HttpRequest) -> dict[str, Any] | None:
    qs = alerts_for(request.user)
    sites = _only_sites(request)
    if sites is not None:
        qs = qs.filter(measure__site__in=sites)
    counts = qs.aggregate(open=Count("id"), urgent=Count("id", filter=Q(urgency=Urgency.URGENT)))
    # Urgent (fever, symptoms) above routine missed reports, newest first within each.
    urgent_first = qs.annotate(
        rank=Case(When(urgency=Urgency.URGENT, then=Value(0)), default=Value(1), output_field=IntegerField())
    ).order_by("rank", "-created_at", "-id")
    return {"counts": counts, "rows": list(urgent_first[:SHOWN]), "more": max(counts["open"] - SHOWN, 0)}


REPORTS_DUE = LandingWidget(
    key="monitoring.reports_due",
    template="monitoring/_landing_due.html",
    context=reports_due_context,
    roles=frozenset({*FIELD_ROLES, Role.SITE_STAFF}),
    permission="monitoring.view_healthreport",
    order=30,
)
HEALTH_ALERTS = LandingWidget(
    key="monitoring.health_alerts",
    template="monitoring/_landing_alerts.html",
    context=health_alerts_context,
    roles=frozenset({*FIELD_ROLES, Role.SITE_STAFF}),
    permission="monitoring.view_healthalert",
    order=15,
)
