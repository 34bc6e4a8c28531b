"""The coverage overview (户不漏人) on the landing page of the roles that manage coverage.

What the user's jurisdiction holds, level by level, and what is not covered yet: grids without a
worker, places without persons, ownerless compounds without a cadre. Field roles land on what is
due instead (their apps declare those widgets); this one is also the fallback of a superuser.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from fangkong.accounts.models import Role
from fangkong.core.landing import LandingWidget
from fangkong.people.selectors import (
    grids_without_worker,
    ownerless_without_cadre,
    place_overview,
    places_without_persons,
)
from fangkong.places.models import Place, PlaceType
from fangkong.places.selectors import breadcrumb, get_place_for_user, jurisdiction_roots

# The levels counted, top to bottom.
COUNTED_TYPES = (
    PlaceType.STREET,
    PlaceType.COMMUNITY,
    PlaceType.GRID,
    PlaceType.COMPOUND,
    PlaceType.BUILDING,
    PlaceType.HOUSEHOLD,
)
NOT_COVERED_LIMIT = 50
COVERAGE_ROLES = frozenset(
    {
        Role.HQ_ADMIN,
        Role.HQ_GROUP,
        Role.STREET_ADMIN,
        Role.COMMUNITY_WORKER,
        Role.TESTING_STAFF,
        Role.INSPECTOR,
        Role.VIEWER,
    }
)


def _chosen_place(request: HttpRequest, roots: list[Place]) -> Place:
    raw = request.GET.get("place", "").strip()
    if not raw:
        return roots[0]
    if not raw.isdigit():
        # An id that cannot exist looks the same as one outside the jurisdiction.
        raise Http404
    return get_place_for_user(request.user, int(raw))


def _types_below(place_type: str) -> tuple[str, ...]:
    order = [t.value for t in PlaceType]
    return tuple(order[order.index(place_type) + 1 :])


def coverage_context(request: HttpRequest) -> dict[str, Any] | None:
    roots = jurisdiction_roots(request.user)
    if not roots:
        return None
    place = _chosen_place(request, roots)
    summary, children = place_overview(place)
    counts: list[dict[str, Any]] = [
        {"type": t, "label": PlaceType(t).label, "count": summary.by_type.get(t, 0)}
        for t in COUNTED_TYPES
        if t in _types_below(place.type)
    ]
    chart = {
        "title": _("Persons per place directly under %(place)s") % {"place": place.name},
        "labels": [row.place.name for row in children],
        "values": [row.persons for row in children],
        "seriesName": _("Persons"),
    }
    return {
        "place": place,
        "roots": roots,
        "crumbs": breadcrumb(request.user, place),
        "counts": counts,
        "summary": summary,
        "children": children,
        "chart": chart,
        "grids_without_worker": list(grids_without_worker(place, limit=NOT_COVERED_LIMIT)),
        "places_without_persons": places_without_persons(place, limit=NOT_COVERED_LIMIT),
        "ownerless_without_cadre": list(ownerless_without_cadre(place, limit=NOT_COVERED_LIMIT)),
        "not_covered_limit": NOT_COVERED_LIMIT,
    }


COVERAGE_WIDGET = LandingWidget(
    key="people.coverage",
    wide=True,
    template="people/_landing_coverage.html",
    context=coverage_context,
    roles=COVERAGE_ROLES,
    order=900,
    fallback=True,
    has_heading=True,
    scripts=("vendor/echarts/echarts.min.js", "fangkong/charts.js"),
)
