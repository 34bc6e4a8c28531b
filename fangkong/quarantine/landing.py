"""A quarantine site's staff land on their site: occupancy, today's arrivals and releases, tests due."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from fangkong.accounts.models import Role
from fangkong.core.landing import LandingWidget
from fangkong.quarantine.selectors import sites_today


def my_site_context(request: HttpRequest) -> dict[str, Any] | None:
    return {"sites": sites_today(request.user)}


MY_SITE = LandingWidget(
    key="quarantine.my_site",
    wide=True,
    template="quarantine/_landing_site.html",
    context=my_site_context,
    roles=frozenset({Role.SITE_STAFF}),
    permission="quarantine.view_site",
    order=10,
)
