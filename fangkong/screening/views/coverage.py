"""The coverage board of a place and its export."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from fangkong.audit.models import AuditAction
from fangkong.audit.services import record, say
from fangkong.core.exports import Column, xlsx_response
from fangkong.places.models import Place, PlaceType
from fangkong.places.selectors import breadcrumb, jurisdiction_roots
from fangkong.protocols.selectors import (
    all_category_names,
)
from fangkong.screening.models import ClearState
from fangkong.screening.selectors import (
    coverage,
)
from fangkong.screening.views.key_persons import _place_param


def _board_place(request: HttpRequest) -> Place:
    place = _place_param(request.user, request.GET.get("place", ""))
    if place is not None:
        return place
    roots = jurisdiction_roots(request.user)
    if not roots:
        raise PermissionDenied
    return roots[0]


@login_required
@permission_required("screening.view_coverage", raise_exception=True)
@require_GET
def coverage_board(request: HttpRequest) -> HttpResponse:
    place = _board_place(request)
    totals, rows = coverage(place)
    categories = all_category_names()
    states = [(s, str(ClearState(s).label)) for s in ClearState.values]
    chart = {
        "places": [r.place.name if r.place else str(_("Held here")) for r in rows],
        "states": [label for _s, label in states],
        "series": [[r.by_state.get(s, 0) for r in rows] for s, _l in states],
        "categories": [{"name": categories.get(c, c), "value": n} for c, n in sorted(totals.by_category.items())],
    }
    return render(
        request,
        "screening/coverage.html",
        {
            "place": place,
            "totals": totals,
            "rows": rows,
            "states": states,
            "category_names": categories,
            "chart": chart,
            "crumbs": breadcrumb(request.user, place),
            "drillable": place.type in (PlaceType.DISTRICT, PlaceType.STREET, PlaceType.COMMUNITY),
        },
    )


def _count(attribute: str, key: str) -> Any:
    return lambda row: getattr(row, attribute).get(key, 0)


@login_required
@permission_required("screening.view_coverage", raise_exception=True)
@require_GET
def coverage_export(request: HttpRequest) -> HttpResponseBase:
    place = _board_place(request)
    totals, rows = coverage(place)
    categories = all_category_names()
    codes = sorted({c for r in rows for c in r.by_category})
    columns = [
        Column(gettext_lazy("Place"), lambda r: r.place.name if r.place else str(_("Held here")), 18),
        Column(gettext_lazy("Key persons"), lambda r: r.total, 10),
        *[Column(ClearState(s).label, _count("by_state", s), 10) for s in ClearState.values],
        Column(gettext_lazy("Overdue"), lambda r: r.overdue, 8),
        Column(gettext_lazy("Unplaced"), lambda r: r.unplaced, 8),
        Column(gettext_lazy("To hand over"), lambda r: r.outside, 8),
        Column(gettext_lazy("Households to sweep"), lambda r: r.households, 10),
        Column(gettext_lazy("Households visited"), lambda r: r.visited, 10),
        *[Column(categories.get(c, c), _count("by_category", c), 12) for c in codes],
    ]
    response, count = xlsx_response(columns, iter([*rows, totals]), filename="screening-coverage")
    record(
        actor=request.user,
        action=AuditAction.EXPORT,
        object_type="screening.keyperson",
        summary=say(
            gettext_lazy("Screening coverage of %(place)s exported: %(rows)s rows"), place=place.name, rows=count
        ),
        request=request,
    )
    return response
