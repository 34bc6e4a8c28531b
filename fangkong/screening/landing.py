"""The field worker's landing: the key persons still to identify, verify or control, overdue first."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest
from django.utils import timezone

from fangkong.accounts.models import Role
from fangkong.core.landing import LandingWidget
from fangkong.protocols.selectors import all_category_names
from fangkong.screening.models import ClearState
from fangkong.screening.selectors import overdue_q, work_queue

SHOWN = 8


def due_context(request: HttpRequest) -> dict[str, Any] | None:
    queue = work_queue(request.user)
    now = timezone.now()
    day_ends = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time.max))
    counts = queue.aggregate(
        open=Count("id"),
        overdue=Count("id", filter=overdue_q(now)),
        due_today=Count("id", filter=Q(clear_state=ClearState.NEW, due_at__gte=now, due_at__lte=day_ends)),
        mine=Count("id", filter=Q(worker=request.user)),
    )
    return {
        "counts": counts,
        "rows": list(queue[:SHOWN]),
        "more": max(counts["open"] - SHOWN, 0),
        "category_names": all_category_names(),
    }


KEY_PERSONS_DUE = LandingWidget(
    key="screening.key_persons_due",
    template="screening/_landing_due.html",
    context=due_context,
    roles=frozenset({Role.GRID_WORKER, Role.COMMUNITY_WORKER}),
    permission="screening.view_keyperson",
    order=10,
)
