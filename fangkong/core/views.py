"""The landing page: what the user's jurisdiction holds and what is not covered yet (户不漏人)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from fangkong.people.selectors import (
    grids_without_worker,
    ownerless_without_cadre,
    place_overview,
    places_without_persons,
)
from fangkong.places.models import Place, PlaceType
from fangkong.places.selectors import breadcrumb, get_place_for_user, jurisdiction_roots

# The levels counted on the landing page, top to bottom.
COUNTED_TYPES = (
    PlaceType.STREET,
    PlaceType.COMMUNITY,
    PlaceType.GRID,
    PlaceType.COMPOUND,
    PlaceType.BUILDING,
    PlaceType.HOUSEHOLD,
)
NOT_COVERED_LIMIT = 50


def _chosen_place(request: HttpRequest, roots: list[Place]) -> Place:
    raw = request.GET.get("place", "").strip()
    if not raw:
        return roots[0]
    if not raw.isdigit():
        # An id that cannot exist looks the same as one outside the jurisdiction.
        raise Http404
    return get_place_for_user(request.user, int(raw))


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    roots = jurisdiction_roots(request.user)
    if not roots:
        if request.GET.get("place"):
            raise Http404
        return render(request, "core/home.html", {"no_jurisdiction": True})
    place = _chosen_place(request, roots)
    summary, children = place_overview(place)
    counts: list[dict[str, Any]] = [
        {"type": t, "label": PlaceType(t).label, "count": summary.by_type.get(t, 0)}
        for t in COUNTED_TYPES
        if t in _types_below(place.type)
    ]
    chart = {
        "title": str(_("Persons per place directly under %(place)s") % {"place": place.name}),
        "labels": [row.place.name for row in children],
        "values": [row.persons for row in children],
        "seriesName": str(_("Persons")),
    }
    context = {
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
    return render(request, "core/home.html", context)


def _types_below(place_type: str) -> tuple[str, ...]:
    order = [t.value for t in PlaceType]
    return tuple(order[order.index(place_type) + 1 :])
