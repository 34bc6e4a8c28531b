"""Key persons and the screening coverage over the API (the published contract of issue 5)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Path, Query, Router

from fangkong.api.errors import AUTH_ERRORS, INPUT_ERRORS, NOT_FOUND, ErrorOut, PlaceNotFound
from fangkong.api.types import MAX_DB_ID
from fangkong.places.models import Place
from fangkong.places.selectors import get_place_for_user, jurisdiction_roots
from fangkong.screening.models import ClearState, KeyPerson
from fangkong.screening.schemas import CoverageOut, KeyPersonFilters, KeyPersonItem, KeyPersonList, TransitionIn
from fangkong.screening.selectors import CoverageRow, coverage, get_key_person_for_user, key_persons_for
from fangkong.screening.services import transition

router = Router(tags=["screening"])
coverage_router = Router(tags=["screening"])

READ_ERRORS: dict[int, Any] = {**AUTH_ERRORS, **NOT_FOUND, 422: ErrorOut}


def _user(request: HttpRequest, permission: str) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    if not user.has_perm(permission):
        raise PermissionDenied
    return user


def _place(user: Any, place_id: int | None) -> Place | None:
    if place_id is None:
        return None
    try:
        return get_place_for_user(user, place_id)
    except Http404:
        raise PlaceNotFound("place_id") from None


def item_out(kp: KeyPerson, now: Any) -> dict[str, Any]:
    return {
        "id": kp.pk,
        "person_id": kp.person_id,
        "category": kp.category,
        "clear_state": kp.clear_state,
        "measure": kp.measure_kind,
        "place_id": kp.place_id,
        "overdue": kp.clear_state == ClearState.NEW and kp.due_at is not None and kp.due_at < now,
    }


@router.get("/", response={200: KeyPersonList, **READ_ERRORS}, summary="Key persons in your jurisdiction")
def list_key_persons(request: HttpRequest, filters: Query[KeyPersonFilters]) -> Any:
    user = _user(request, "screening.view_keyperson")
    qs = key_persons_for(
        user,
        place=_place(user, filters.place_id),
        category=filters.category,
        clear_state=filters.clear_state,
        overdue=filters.overdue,
    )
    now = timezone.now()
    page = qs.only("id", "person_id", "category", "clear_state", "measure_kind", "place_id", "due_at")[
        filters.offset : filters.offset + filters.limit
    ]
    return {"items": [item_out(kp, now) for kp in page], "count": qs.count()}


@router.post(
    "/{key_person_id}/transition",
    response={200: KeyPersonItem, **AUTH_ERRORS, **NOT_FOUND, **INPUT_ERRORS, 409: ErrorOut},
    summary="Take the next of the three clears (409 when the state machine does not allow it)",
)
def transition_key_person(
    request: HttpRequest, payload: TransitionIn, key_person_id: int = Path(..., ge=1, le=MAX_DB_ID)
) -> Any:
    user = _user(request, "screening.change_keyperson")
    kp = get_key_person_for_user(user, key_person_id)
    updated = transition(
        actor=user, key_person=kp, to=payload.to, note=payload.note, expected_version=payload.version, request=request
    )
    return item_out(updated, timezone.now())


def _counts(row: CoverageRow, *, fallback: Place) -> dict[str, Any]:
    return {
        "place_id": row.place.pk if row.place else None,
        "name": row.place.name if row.place else fallback.name,
        "total": row.total,
        "by_category": row.by_category,
        "by_clear_state": row.by_state,
        "overdue": row.overdue,
        "unplaced": row.unplaced,
        "outside_district": row.outside,
    }


@coverage_router.get(
    "/coverage",
    response={200: CoverageOut, **READ_ERRORS},
    summary="Per child place: key persons by category and clear state, overdue, unplaced",
)
def get_coverage(request: HttpRequest, place_id: int | None = Query(None, ge=1, le=MAX_DB_ID)) -> Any:
    user = _user(request, "screening.view_coverage")
    place = _place(user, place_id)
    if place is None:
        roots = jurisdiction_roots(user)
        if not roots:
            raise Http404
        place = roots[0]
    totals, children = coverage(place)
    return {
        "place_id": place.pk,
        "name": place.name,
        "totals": _counts(totals, fallback=place),
        "children": [_counts(row, fallback=place) for row in children],
    }
