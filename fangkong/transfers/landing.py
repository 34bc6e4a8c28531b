"""A quarantine site's staff see the transfers arriving at their site today (and any still on the road)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from fangkong.accounts.models import Role
from fangkong.core.landing import LandingWidget
from fangkong.quarantine.selectors import staffed_sites
from fangkong.transfers.models import TransferStatus
from fangkong.transfers.selectors import tasks_for


def arrivals_context(request: HttpRequest) -> dict[str, Any] | None:
    day_ends = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time.max))
    rows: list[Any] = list(
        tasks_for(request.user)
        .filter(to_site__in=staffed_sites(request.user).values("pk"))
        .filter(Q(status=TransferStatus.EN_ROUTE) | Q(status=TransferStatus.PLANNED, planned_at__lte=day_ends))
        .order_by("planned_at", "id")[:20]
    )
    return {"rows": rows, "passengers": sum(t.passenger_count for t in rows)}


ARRIVALS = LandingWidget(
    key="transfers.arrivals",
    template="transfers/_landing_arrivals.html",
    context=arrivals_context,
    roles=frozenset({Role.SITE_STAFF}),
    permission="transfers.view_transfertask",
    order=12,
)
