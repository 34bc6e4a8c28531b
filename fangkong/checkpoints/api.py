"""Checkpoints and registrations over the API (the published contract of issue 6)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router

from fangkong.api.errors import AUTH_ERRORS, INPUT_ERRORS, NOT_FOUND, ErrorOut, PlaceNotFound
from fangkong.audit.models import AuditAction
from fangkong.audit.services import record
from fangkong.checkpoints.models import RegistrationSource
from fangkong.checkpoints.schemas import (
    BatchIn,
    BatchOut,
    CheckpointFilters,
    CheckpointList,
    ColocatedOut,
    ColocatedQuery,
)
from fangkong.checkpoints.selectors import (
    COLOCATION_LIMIT,
    CoLocated,
    checkpoints_for,
    colocated_at_checkpoint,
    colocated_with_person,
    get_checkpoint_for_user,
)
from fangkong.checkpoints.services import RegistrationInput, RegistrationResult, register_batch
from fangkong.core.masking import mask_document, mask_phone
from fangkong.people.selectors import get_person_for_user
from fangkong.places.selectors import get_place_for_user

router = Router(tags=["checkpoints"])
registrations_router = Router(tags=["checkpoints"])

READ_ERRORS: dict[int, Any] = {**AUTH_ERRORS, **NOT_FOUND, 422: ErrorOut}
# A tracing search over more than a month is a different job (an export), not a lookup.
MAX_WINDOW = dt.timedelta(days=31)


def _user(request: HttpRequest, permission: str) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    if not user.has_perm(permission):
        raise PermissionDenied
    return user


@router.get("/", response={200: CheckpointList, **READ_ERRORS}, summary="Checkpoints in your jurisdiction")
def list_checkpoints(request: HttpRequest, filters: Query[CheckpointFilters]) -> Any:
    user = _user(request, "checkpoints.view_checkpoint")
    place = None
    if filters.place_id is not None:
        try:
            place = get_place_for_user(user, filters.place_id)
        except Http404:
            raise PlaceNotFound("place_id") from None
    qs = checkpoints_for(user, place=place, type=filters.type, status=filters.status)
    page = qs.values("id", "name", "type", "place_id", "status")[filters.offset : filters.offset + filters.limit]
    return {"items": list(page), "count": qs.count()}


def _result_out(result: RegistrationResult) -> dict[str, Any]:
    alert = result.alert
    return {
        "client_id": result.client_id,
        "status": result.status,
        "errors": result.errors,
        "alert": (
            {
                "id": alert.pk,
                "reasons": alert.reasons,
                "next_step": alert.next_step,
                "key_person_id": alert.key_person_id,
            }
            if alert is not None
            else None
        ),
    }


@registrations_router.post(
    "/batch",
    response={200: BatchOut, **AUTH_ERRORS, **INPUT_ERRORS},
    summary="Register up to 1,000 passages; idempotent by client_id, one result per item",
)
def register_passages(request: HttpRequest, payload: BatchIn) -> Any:
    user = _user(request, "checkpoints.add_registration")
    items = [RegistrationInput(**item.model_dump()) for item in payload.items]
    source = RegistrationSource.GATE if payload.source == "gate" else RegistrationSource.API
    results = register_batch(actor=user, items=items, source=source, request=request)
    return {"results": [_result_out(r) for r in results]}


def _window(since: dt.datetime, until: dt.datetime) -> None:
    if until <= since:
        raise ValidationError({"to": [_("“to” must lie after “from”.")]})
    if until - since > MAX_WINDOW:
        raise ValidationError({"to": [_("The window is at most 31 days.")]})


def _colocated_out(rows: list[CoLocated]) -> dict[str, Any]:
    return {
        "items": [
            {
                "registration_id": row.registration_id,
                "checkpoint_id": row.checkpoint_id,
                "person_id": row.person_id,
                "name": row.name,
                "document_number": mask_document(row.document_number),
                "phone": mask_phone(row.phone),
                "direction": row.direction,
                "occurred_at": row.occurred_at,
                "matched_registration_id": row.matched_registration_id,
            }
            for row in rows
        ],
        "count": len(rows),
        "truncated": len(rows) >= COLOCATION_LIMIT,
    }


@registrations_router.get(
    "/colocated",
    response={200: ColocatedOut, **READ_ERRORS},
    summary="Who was registered at the same checkpoint at the same time (by person ± margin, or by checkpoint)",
)
def colocated(request: HttpRequest, query: Query[ColocatedQuery]) -> Any:
    user = _user(request, "checkpoints.view_registration")
    if query.from_ is None or query.to is None:
        missing = {"from": query.from_, "to": query.to}
        raise ValidationError({name: [_("This field is required.")] for name, v in missing.items() if v is None})
    since = query.from_ if timezone.is_aware(query.from_) else timezone.make_aware(query.from_)
    until = query.to if timezone.is_aware(query.to) else timezone.make_aware(query.to)
    person_id, checkpoint_id = query.person_id, query.checkpoint_id
    _window(since, until)
    if (person_id is None) == (checkpoint_id is None):
        raise ValidationError({"person_id": [_("Give either person_id or checkpoint_id.")]})
    if person_id is not None:
        person = get_person_for_user(user, person_id)
        rows = colocated_with_person(
            user, person=person, since=since, until=until, margin=dt.timedelta(minutes=query.margin_minutes)
        )
        subject = f"person {person.pk}"
    else:
        assert checkpoint_id is not None
        checkpoint = get_checkpoint_for_user(user, checkpoint_id)
        rows = colocated_at_checkpoint(user, checkpoint=checkpoint, since=since, until=until)
        subject = f"checkpoint {checkpoint.pk}"
    record(
        actor=user,
        action=AuditAction.SEARCH,
        object_type="checkpoints.registration",
        summary=f"co-location search by {subject} {since:%Y-%m-%d %H:%M}-{until:%Y-%m-%d %H:%M}: {len(rows)} rows",
        request=request,
    )
    return _colocated_out(rows)
