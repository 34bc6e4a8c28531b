"""Landing widgets of checkpoints: a gate's staff land on their gate; field workers see open alerts."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from fangkong.accounts.models import Role
from fangkong.checkpoints.selectors import alerts_for, gates_today
from fangkong.checkpoints.services import reason_label
from fangkong.core.landing import LandingWidget

SHOWN = 5


def my_gate_context(request: HttpRequest) -> dict[str, Any] | None:
    gates = gates_today(request.user)
    for gate in gates:
        alerts: list[Any] = list(alerts_for(request.user, handled=False, checkpoint=gate.checkpoint)[:3])
        gate.alerts = alerts
        for alert in alerts:
            alert.reason_labels = [reason_label(r) for r in alert.reasons]
    return {"gates": gates}


def open_alerts_context(request: HttpRequest) -> dict[str, Any] | None:
    qs = alerts_for(request.user, handled=False)
    count = qs.count()
    rows: list[Any] = list(qs[:SHOWN])
    for alert in rows:
        alert.reason_labels = [reason_label(r) for r in alert.reasons]
    return {"count": count, "rows": rows, "more": max(count - SHOWN, 0)}


MY_GATE = LandingWidget(
    key="checkpoints.my_gate",
    wide=True,
    template="checkpoints/_landing_gate.html",
    context=my_gate_context,
    roles=frozenset({Role.CHECKPOINT_STAFF}),
    permission="checkpoints.view_checkpoint",
    order=10,
)
OPEN_ALERTS = LandingWidget(
    key="checkpoints.open_alerts",
    template="checkpoints/_landing_alerts.html",
    context=open_alerts_context,
    roles=frozenset({Role.GRID_WORKER, Role.COMMUNITY_WORKER}),
    permission="checkpoints.view_alert",
    order=20,
)
