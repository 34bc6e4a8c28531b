"""Quarantine sites, rooms, placements and release over the API (the contract of issue 7)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from fangkong.api.errors import AUTH_ERRORS, INPUT_ERRORS, NOT_FOUND, ErrorOut
from fangkong.core.errors import Conflict
from fangkong.quarantine.models import Placement
from fangkong.quarantine.schemas import (
    PlacementIn,
    PlacementOut,
    ReleaseIn,
    ReleaseOut,
    RoomFilters,
    RoomList,
    SiteFilters,
    SiteList,
)
from fangkong.quarantine.selectors import (
    active_measure_of_person_for_user,
    get_placement_for_user,
    get_room_for_user,
    get_site_for_user,
    rooms_of,
    sites_for,
)
from fangkong.quarantine.services import place_person, release_measure

router = Router(tags=["quarantine"])

READ_ERRORS: dict[int, Any] = {**AUTH_ERRORS, **NOT_FOUND, 422: ErrorOut}
WRITE_ERRORS: dict[int, Any] = {**AUTH_ERRORS, **NOT_FOUND, **INPUT_ERRORS, 409: ErrorOut}


def _user(request: HttpRequest, permission: str) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    if not user.has_perm(permission):
        raise PermissionDenied
    return user


def _placement_out(p: Placement) -> dict[str, Any]:
    return {
        "id": p.pk,
        "person_id": p.person_id,
        "measure_id": p.measure_id,
        "site_id": p.site_id,
        "room_id": p.room_id,
        "room": p.room.number,
        "placed_at": p.placed_at,
        "expected_end": p.expected_end,
        "ended_at": p.ended_at,
    }


@router.get("/sites/", response={200: SiteList, **READ_ERRORS}, summary="Quarantine sites in your jurisdiction")
def list_sites(request: HttpRequest, filters: Query[SiteFilters]) -> Any:
    user = _user(request, "quarantine.view_site")
    qs = sites_for(user, status=filters.status)
    page = qs.annotate(room_total=Count("rooms"), free_total=Count("rooms", filter=Q(rooms__status="free"))).values(
        "id", "name", "kind", "status", "address", "place_id", "room_total", "free_total"
    )
    items = [
        {**row, "rooms": row.pop("room_total"), "free": row.pop("free_total")}
        for row in page[filters.offset : filters.offset + filters.limit]
    ]
    return {"items": items, "count": qs.count()}


@router.get("/sites/{site_id}/rooms", response={200: RoomList, **READ_ERRORS}, summary="Rooms of a site")
def list_rooms(request: HttpRequest, site_id: int, filters: Query[RoomFilters]) -> Any:
    user = _user(request, "quarantine.view_site")
    site = get_site_for_user(user, site_id)
    qs = rooms_of(site, status=filters.status)
    fields = ("id", "number", "floor", "room_type", "capacity", "occupants", "status")
    return {"items": list(qs.values(*fields)[filters.offset : filters.offset + filters.limit]), "count": qs.count()}


@router.post(
    "/placements",
    response={201: PlacementOut, **WRITE_ERRORS},
    summary="Place a person under a measure in a room",
    description="409 when the room is no longer free (or otherwise unsuitable) or the person is already placed.",
)
def create_placement(request: HttpRequest, payload: PlacementIn) -> Any:
    user = _user(request, "quarantine.place_person")
    measure = active_measure_of_person_for_user(user, payload.person_id)
    if measure is None:
        raise Conflict(_("This person is not under an active measure in your jurisdiction."))
    room = get_room_for_user(user, payload.room_id)
    placement = place_person(actor=user, measure=measure, room=room, request=request)
    return Status(201, _placement_out(placement))


@router.post(
    "/placements/{placement_id}/release",
    response={200: ReleaseOut, **WRITE_ERRORS},
    summary="Release the person of a placement from their measure",
    description="409 lists the unmet release conditions in `errors.__all__`.",
)
def release_placement(request: HttpRequest, placement_id: int, payload: ReleaseIn | None = None) -> Any:
    user = _user(request, "quarantine.release_measure")
    placement = get_placement_for_user(user, placement_id)
    if payload is not None and payload.early_reason and not user.has_perm("quarantine.extend_measure"):
        raise PermissionDenied
    measure = release_measure(
        actor=user, measure=placement.measure, early_reason=payload.early_reason if payload else "", request=request
    )
    assert measure.released_at is not None
    assert measure.certificate_code
    return Status(
        200,
        {
            "measure_id": measure.pk,
            "status": measure.status,
            "released_at": measure.released_at,
            "certificate_code": measure.certificate_code,
            "certificate_url": request.build_absolute_uri(
                reverse("quarantine:verify", args=[measure.certificate_code])
            ),
        },
    )
