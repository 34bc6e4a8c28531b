"""Places over the API: list and search, one place, its children with counts, subtree totals."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Path, Query, Router

from fangkong.api.errors import AUTH_ERRORS, NOT_FOUND, ErrorOut
from fangkong.api.types import MAX_DB_ID
from fangkong.places.models import LEVEL_ORDER, Place
from fangkong.places.schemas import (
    ChildList,
    PlaceDetail,
    PlaceFilters,
    PlaceList,
    SubtreeSummaryOut,
)
from fangkong.places.selectors import get_place_for_user, places_for
from fangkong.places.summaries import children_with_counts, subtree_summary

router = Router(tags=["places"])

PlaceId = Path(..., ge=1, le=MAX_DB_ID)
READ_ERRORS: dict[int, Any] = {**AUTH_ERRORS, **NOT_FOUND, 422: ErrorOut}


def _user(request: HttpRequest) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    if not user.has_perm("places.view_place"):
        raise PermissionDenied
    return user


def _parent_ids(user: Any, places: Iterable[Place]) -> dict[str, int]:
    """Parent id by parent path for a page of places, in one query (treebeard would ask once per node).

    Parents above the caller's jurisdiction stay out: their places are the caller's top level.
    """
    paths = {p.path[: -Place.steplen] for p in places if p.depth > 1}
    return dict(places_for(user).filter(path__in=paths).values_list("path", "pk")) if paths else {}


def place_out(place: Place, parents: dict[str, int]) -> dict[str, Any]:
    return {
        "id": place.pk,
        "name": place.name,
        "type": place.type,
        "code": place.code,
        "parent_id": parents.get(place.path[: -Place.steplen]),
        "depth": place.depth,
    }


@router.get("/", response={200: PlaceList, **AUTH_ERRORS, 422: ErrorOut}, summary="Places in your jurisdiction")
def list_places(request: HttpRequest, filters: Query[PlaceFilters]) -> Any:
    user = _user(request)
    qs = places_for(user, type=filters.type or "", q=filters.q)
    page = list(qs[filters.offset : filters.offset + filters.limit])
    parents = _parent_ids(user, page)
    return {"items": [place_out(p, parents) for p in page], "count": qs.count()}


@router.get("/{place_id}", response={200: PlaceDetail, **READ_ERRORS}, summary="One place")
def get_place(request: HttpRequest, place_id: int = PlaceId) -> Any:
    user = _user(request)
    place = get_place_for_user(user, place_id)
    return {
        **place_out(place, _parent_ids(user, [place])),
        "address": place.address,
        "is_ownerless": place.is_ownerless,
        "cadre_name": place.cadre_name,
        "cadre_phone": place.masked_cadre_phone,
    }


@router.get(
    "/{place_id}/children",
    response={200: ChildList, **READ_ERRORS},
    summary="Children of a place, with households and persons below each",
)
def place_children(request: HttpRequest, place_id: int = PlaceId) -> Any:
    place = get_place_for_user(_user(request), place_id)
    rows = children_with_counts(place)
    parents = {place.path: place.pk}
    items = [{**place_out(row.place, parents), "households": row.households, "persons": row.persons} for row in rows]
    return {"items": items, "count": len(items)}


@router.get(
    "/{place_id}/summary",
    response={200: SubtreeSummaryOut, **READ_ERRORS},
    summary="Counts of places by type and of persons below a place",
)
def place_summary(request: HttpRequest, place_id: int = PlaceId) -> Any:
    place = get_place_for_user(_user(request), place_id)
    summary = subtree_summary(place)
    below = LEVEL_ORDER[LEVEL_ORDER.index(place.type) + 1 :]
    by_type = {t: summary.by_type.get(t, 0) for t in below}
    return {"place_id": place.pk, "by_type": by_type, "persons": summary.persons, "floating": summary.floating}
