"""Place browser pages: thin views over places.selectors and places.services."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from fangkong.core.htmx import is_htmx_target
from fangkong.core.validators import search_term
from fangkong.places.forms import MovePlaceForm, PlaceForm, apply_service_error
from fangkong.places.labels import with_place_labels
from fangkong.places.models import ALLOWED_CHILDREN, ROOT_TYPES, Place, PlaceType
from fangkong.places.selectors import breadcrumb, get_place_for_user, jurisdiction_roots, places_for
from fangkong.places.services import PlaceOutsideJurisdiction, create_place, move_place, update_place
from fangkong.places.summaries import children_with_counts

SEARCH_LIMIT = 30


def _type_choices(types: tuple[str, ...]) -> list[tuple[str, Any]]:
    return [(t, PlaceType(t).label) for t in types]


def _parent_types_for(child_type: str) -> list[str]:
    return [parent for parent, kids in ALLOWED_CHILDREN.items() if child_type in kids]


@login_required
@require_GET
def browse(request: HttpRequest) -> HttpResponse:
    roots = jurisdiction_roots(request.user)
    if len(roots) == 1:
        return redirect("places:detail", pk=roots[0].pk)
    return render(request, "places/browse.html", {"roots": roots})


@login_required
@permission_required("places.view_place", raise_exception=True)
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    place = get_place_for_user(request.user, pk)
    q = search_term(request.GET.get("q"))
    results = None
    if q:
        found = places_for(request.user, q=q, within=place).exclude(pk=place.pk)
        results = Paginator(found, settings.PAGE_SIZE).get_page(request.GET.get("page"))
        results.object_list = with_place_labels(results.object_list)
    context = {
        "place": place,
        "q": q,
        "results": results,
        "can_add": request.user.has_perm("places.add_place") and bool(place.child_types),
        "can_change": request.user.has_perm("places.change_place"),
    }
    if is_htmx_target(request, "place-search-results"):
        response = render(request, "places/_search_results.html", context)
    else:
        context["crumbs"] = breadcrumb(request.user, place)
        context["children"] = children_with_counts(place)
        response = render(request, "places/detail.html", context)
    # The same URL answers with a partial or a page; caches must keep them apart.
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


@login_required
@permission_required("places.view_place", raise_exception=True)
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """Place picker: `<option>`s of places in the user's jurisdiction whose name contains q."""
    # Pickers inside bigger forms send `place_q` so their box never collides with a form's own `q`.
    q = search_term(request.GET.get("q") or request.GET.get("place_q"))
    types = [t for raw in request.GET.getlist("type") for t in raw.split(",") if t in PlaceType.values]
    places: list[Place] = []
    if q:
        qs = places_for(request.user, q=q)
        if types:
            qs = qs.filter(type__in=types)
        exclude = request.GET.get("exclude", "")
        if exclude.isdigit():
            # A place cannot move under itself or its own subtree.
            moving = places_for(request.user).filter(pk=int(exclude)).first()
            if moving is not None:
                qs = qs.exclude(path__startswith=moving.path)
        places = with_place_labels(qs[:SEARCH_LIMIT])
    return render(request, "places/_options.html", {"places": places, "q": q, "limit": SEARCH_LIMIT})


@login_required
@permission_required("places.add_place", raise_exception=True)
@require_http_methods(["GET", "POST"])
def add(request: HttpRequest, pk: int) -> HttpResponse:
    parent = get_place_for_user(request.user, pk)
    choices = _type_choices(parent.child_types)
    form = PlaceForm(request.POST or None, type_choices=choices, initial={"type": choices[0][0] if choices else ""})
    if request.method == "POST" and choices and form.is_valid():
        try:
            place = create_place(actor=request.user, parent=parent, request=request, **form.service_fields())
        except ValidationError as exc:
            apply_service_error(form, exc, default_field="type")
        except PlaceOutsideJurisdiction:
            form.add_error(None, _("You may only add places inside your jurisdiction."))
        else:
            return redirect("places:detail", pk=place.pk)
    return render(
        request,
        "places/form.html",
        {"form": form, "place": parent, "mode": "add", "crumbs": breadcrumb(request.user, parent), "allowed": choices},
    )


@login_required
@permission_required("places.change_place", raise_exception=True)
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    place = get_place_for_user(request.user, pk)
    crumbs = breadcrumb(request.user, place)
    parent = crumbs[-2].place if len(crumbs) > 1 else None
    allowed = parent.child_types if parent is not None else ROOT_TYPES
    choices = _type_choices(tuple(dict.fromkeys((place.type, *allowed))))
    initial = {
        "type": place.type,
        "name": place.name,
        "code": place.code,
        "address": place.address,
        "aliases": place.aliases,
        "is_ownerless": place.is_ownerless,
        "cadre_name": place.cadre_name,
        "cadre_phone": place.cadre_phone,
    }
    form = PlaceForm(request.POST or None, type_choices=choices, initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = form.service_fields()
        try:
            update_place(actor=request.user, place=place, request=request, **fields)
        except ValidationError as exc:
            apply_service_error(form, exc, default_field="type")
        except PlaceOutsideJurisdiction:
            form.add_error(None, _("You may only change places inside your jurisdiction."))
        else:
            return redirect("places:detail", pk=place.pk)
    return render(
        request,
        "places/form.html",
        {"form": form, "place": place, "mode": "edit", "crumbs": crumbs},
    )


@login_required
@permission_required("places.change_place", raise_exception=True)
@require_http_methods(["GET", "POST"])
def move(request: HttpRequest, pk: int) -> HttpResponse:
    place = get_place_for_user(request.user, pk)
    form = MovePlaceForm(request.POST or None, candidates=places_for(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            move_place(actor=request.user, place=place, new_parent=form.cleaned_data["new_parent"], request=request)
        except ValidationError as exc:
            apply_service_error(form, exc, default_field="new_parent")
        except PlaceOutsideJurisdiction:
            form.add_error("new_parent", _("Choose a place inside your jurisdiction."))
        else:
            return redirect("places:detail", pk=place.pk)
    chosen = form.cleaned_data.get("new_parent") if form.is_bound and hasattr(form, "cleaned_data") else None
    return render(
        request,
        "places/move.html",
        {
            "form": form,
            "place": place,
            "crumbs": breadcrumb(request.user, place),
            "parent_types": ",".join(_parent_types_for(place.type)),
            "parent_type_labels": [PlaceType(t).label for t in _parent_types_for(place.type)],
            "chosen": chosen if isinstance(chosen, Place) else None,
        },
    )
