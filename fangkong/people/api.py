"""Persons over the API. Lists are masked; full values only with people.view_full_person, and audited."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Path, Query, Router, Status

from fangkong.api.errors import AUTH_ERRORS, INPUT_ERRORS, NOT_FOUND, DuplicateOut, ErrorOut, PlaceNotFound
from fangkong.api.types import MAX_DB_ID
from fangkong.core.masking import mask_address, mask_document, mask_phone
from fangkong.core.scoping import path_in_jurisdiction
from fangkong.people.models import Person
from fangkong.people.schemas import PersonFilters, PersonIn, PersonList, PersonOut, PersonPatch, PersonTimeline
from fangkong.people.selectors import count_persons_from_rollup, get_person_for_user, persons_for
from fangkong.people.services import DuplicatePerson, PersonInput, create_person, record_full_view, update_person
from fangkong.people.timeline import event_counts, timeline_for
from fangkong.places.models import Place
from fangkong.places.selectors import get_place_for_user

router = Router(tags=["persons"])

READ_ERRORS: dict[int, Any] = {**AUTH_ERRORS, **NOT_FOUND, 422: ErrorOut}
WRITE_ERRORS: dict[int, Any] = {**AUTH_ERRORS, **NOT_FOUND, **INPUT_ERRORS, 409: DuplicateOut}


def _user(request: HttpRequest, permission: str) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    if not user.has_perm(permission):
        raise PermissionDenied
    return user


def _place(user: Any, place_id: int) -> Place:
    try:
        return get_place_for_user(user, place_id)
    except Http404:
        raise PlaceNotFound("place_id") from None


def person_out(person: Person, *, full: bool) -> dict[str, Any]:
    def show(value: str, mask: Any) -> str:
        return value if full else mask(value)

    return {
        "id": person.pk,
        "name": person.name,
        "document_type": person.document_type,
        "document_number": show(person.document_number, mask_document),
        "phone": show(person.phone, mask_phone),
        "sex": person.sex,
        "birth_date": person.birth_date,
        "address": show(person.address, mask_address),
        "registered_residence": show(person.registered_residence, mask_address),
        "resident_type": person.resident_type,
        "tags": sorted(t.name for t in person.tags.all()),
        "place_id": person.place_id,
        "version": person.version,
        "merged_into_id": person.merged_into_id,
        "masked": not full,
    }


def _respond(request: HttpRequest, user: Any, person: Person, *, audited: bool) -> dict[str, Any]:
    """The record as this caller may see it; full values that no other audit row covers are logged as a view."""
    full = user.has_perm("people.view_full_person")
    if full and not audited:
        record_full_view(actor=user, person=person, request=request)
    return person_out(person, full=full)


@router.get("/", response={200: PersonList, **READ_ERRORS}, summary="Persons in your jurisdiction (masked)")
def list_persons(request: HttpRequest, filters: Query[PersonFilters]) -> Any:
    user = _user(request, "people.view_person")
    place = get_place_for_user(user, filters.place_id) if filters.place_id is not None else None
    qs = persons_for(user, place=place, q=filters.q)
    rows = qs.values("id", "name", "document_type", "document_number", "phone", "place_id")[
        filters.offset : filters.offset + filters.limit
    ]
    items = [
        {**row, "document_number": mask_document(row["document_number"]), "phone": mask_phone(row["phone"])}
        for row in rows
    ]
    known = count_persons_from_rollup(user, place=place, q=filters.q or "")
    return {"items": items, "count": qs.count() if known is None else known}


@router.get("/{person_id}", response={200: PersonOut, **READ_ERRORS}, summary="One person (full values are audited)")
def get_person(request: HttpRequest, person_id: int = Path(..., ge=1, le=MAX_DB_ID)) -> Any:
    user = _user(request, "people.view_person")
    person = get_person_for_user(user, person_id)
    return _respond(request, user, person, audited=False)


@router.get(
    "/{person_id}/timeline",
    response={200: PersonTimeline, **READ_ERRORS},
    summary="Everything held about one person, newest first (audited with the full view)",
)
def get_timeline(request: HttpRequest, person_id: int = Path(..., ge=1, le=MAX_DB_ID)) -> Any:
    user = _user(request, "people.view_person")
    person = get_person_for_user(user, person_id)
    events = timeline_for(user, person)
    counts = event_counts(events)
    if user.has_perm("people.view_full_person"):
        record_full_view(actor=user, person=person, request=request, history=counts)
    items = [{"at": e.at, "kind": e.kind, "label": e.label, "summary": e.summary, "url": e.url} for e in events]
    return {"person_id": person.pk, "items": items, "counts": counts}


@router.post("/", response={201: PersonOut, **WRITE_ERRORS}, summary="Register a person")
def create(request: HttpRequest, payload: PersonIn) -> Any:
    user = _user(request, "people.add_person")
    data = PersonInput(
        name=payload.name,
        document_type=payload.document_type,
        document_number=payload.document_number,
        place=_place(user, payload.place_id),
        phone=payload.phone,
        sex=payload.sex,
        birth_date=payload.birth_date,
        address=payload.address,
        registered_residence=payload.registered_residence,
        resident_type=payload.resident_type,
        tags=list(payload.tags),
    )
    person = create_person(actor=user, data=data, request=request)
    return Status(201, _respond(request, user, person, audited=True))


@router.patch("/{person_id}", response={200: PersonOut, **WRITE_ERRORS}, summary="Change a person")
def update(request: HttpRequest, payload: PersonPatch, person_id: int = Path(..., ge=1, le=MAX_DB_ID)) -> Any:
    user = _user(request, "people.change_person")
    person = get_person_for_user(user, person_id)
    sent = payload.model_dump(exclude_unset=True)
    version = sent.pop("version")
    place = _place(user, sent.pop("place_id")) if "place_id" in sent else person.place
    # Blank sent for text fields means "clear it".
    for field in ("phone", "address", "registered_residence", "sex"):
        if field in sent and sent[field] is None:
            sent[field] = ""
    current: dict[str, Any] = {
        "name": person.name,
        "document_type": person.document_type,
        "document_number": person.document_number,
        "phone": person.phone,
        "sex": person.sex,
        "birth_date": person.birth_date,
        "address": person.address,
        "registered_residence": person.registered_residence,
        "resident_type": person.resident_type,
        "tags": [t.name for t in person.tags.all()],
    }
    if {"document_type", "document_number"} & sent.keys():
        # A new resident ID brings its own sex and birth date; the old ones would contradict it.
        current["sex"], current["birth_date"] = "", None
    current.update(sent)
    updated = update_person(
        actor=user,
        person=person,
        data=PersonInput(place=place, **current),
        expected_version=version,
        request=request,
    )
    return _respond(request, user, updated, audited=updated.version != person.version)


def on_duplicate(request: HttpRequest, exc: DuplicatePerson, api: NinjaAPI) -> HttpResponse:
    """A 409 naming the person holding the document only to a caller who may see them."""
    user = getattr(request, "auth", None)
    visible = path_in_jurisdiction(user, exc.existing.place_path)
    body = {"message": exc.message_for(user), "existing_id": exc.existing.pk if visible else None}
    return api.create_response(request, body, status=409)
