"""Every write to persons."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.dispatch import Signal
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.audit.models import AuditAction
from fangkong.audit.services import record, say
from fangkong.core.errors import DomainError
from fangkong.core.masking import mask_address, mask_document, mask_name, mask_phone
from fangkong.core.scoping import path_in_jurisdiction
from fangkong.core.validators import (
    normalize_document_number,
    parse_phone,
    parse_resident_id,
    validate_clean_text,
    validate_other_document,
)
from fangkong.people.models import DocumentType, Person, ResidentType, Sex, Tag
from fangkong.places.counts import adjust_counts, person_deltas
from fangkong.places.models import Place
from fangkong.places.services import PlaceOutsideJurisdiction

# Sent after two records were merged, so apps higher up re-point their rows:
# kwargs survivor=Person, merged=Person.
person_merged = Signal()

EDITABLE_FIELDS = (
    "name",
    "document_type",
    "document_number",
    "sex",
    "birth_date",
    "phone",
    "place",
    "address",
    "registered_residence",
    "resident_type",
)
MASKERS = {
    "name": mask_name,
    "document_number": mask_document,
    "phone": mask_phone,
    "address": mask_address,
    "registered_residence": mask_address,
}
MAX_LENGTHS = {"name": 50, "address": 200, "registered_residence": 200}


class DuplicatePerson(DomainError):
    def __init__(self, existing: Person):
        super().__init__(f"person {existing.pk} already holds this document")
        self.existing = existing

    def message_for(self, user: Any) -> str:
        """What the user may be told: that the person exists only when they may see the record."""
        if path_in_jurisdiction(user, self.existing.place_path):
            return str(_("A person with this document is already registered."))
        return duplicate_elsewhere_message()


def duplicate_elsewhere_message() -> str:
    # Neutral on purpose: "registered in another jurisdiction" would confirm that an ID number
    # exists somewhere in the district to anyone allowed to register persons (issue 16).
    return str(_("This document cannot be registered here; ask the district HQ."))


class StaleVersion(DomainError):
    """The record changed since it was read."""

    status = 409

    @property
    def message(self) -> str:
        return str(_("Someone else changed this record in the meantime; reload it and apply your change again."))


@dataclass
class PersonInput:
    name: str
    document_type: str
    document_number: str
    place: Place
    phone: str = ""
    sex: str = ""
    birth_date: dt.date | None = None
    address: str = ""
    registered_residence: str = ""
    resident_type: str = ResidentType.PERMANENT
    tags: list[str] | None = None


# Choice values as sets: imports validate a hundred thousand rows, and `.values` builds a list per call.
DOCUMENT_TYPES = frozenset(DocumentType.values)
SEXES = frozenset(Sex.values)
RESIDENT_TYPES = frozenset(ResidentType.values)


def clean_person_input(data: PersonInput) -> dict[str, Any]:
    """Normalise and validate; raise ValidationError keyed by field with every problem found."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}

    def fail(field: str, exc: ValidationError | str) -> None:
        messages = exc.messages if isinstance(exc, ValidationError) else [exc]
        errors.setdefault(field, []).extend(messages)

    for field in ("name", "address", "registered_residence"):
        value = (getattr(data, field) or "").strip()
        if field == "name" and not value:
            fail(field, _("A name is required."))
            continue
        if len(value) > MAX_LENGTHS[field]:
            fail(field, _("At most %(n)d characters.") % {"n": MAX_LENGTHS[field]})
            continue
        try:
            validate_clean_text(value)
        except ValidationError as exc:
            fail(field, exc)
            continue
        cleaned[field] = value

    if data.document_type not in DOCUMENT_TYPES:
        fail("document_type", _("Unknown document type."))
    cleaned["document_type"] = data.document_type
    raw_number = (data.document_number or "").strip()
    if not raw_number:
        fail("document_number", _("A document number is required."))
    elif data.document_type == DocumentType.RESIDENT_ID:
        try:
            facts = parse_resident_id(raw_number)
        except ValidationError as exc:
            fail("document_number", exc)
        else:
            cleaned["document_number"] = facts.number
            if data.sex and data.sex != facts.sex:
                fail("sex", _("The sex does not match the ID number."))
            if data.birth_date and data.birth_date != facts.birth_date:
                fail(
                    "birth_date",
                    _("The birth date does not match the ID number (%(date)s).")
                    % {"date": facts.birth_date.isoformat()},
                )
            cleaned["sex"] = facts.sex
            cleaned["birth_date"] = facts.birth_date
    elif data.document_type in DOCUMENT_TYPES:
        number = normalize_document_number(raw_number)
        try:
            validate_other_document(number)
        except ValidationError as exc:
            fail("document_number", exc)
        else:
            cleaned["document_number"] = number

    if "sex" not in cleaned:
        if data.sex not in SEXES:
            fail("sex", _("Unknown sex."))
        cleaned["sex"] = data.sex or ""
        if data.birth_date and data.birth_date > dt.date.today():
            fail("birth_date", _("The birth date is in the future."))
        cleaned["birth_date"] = data.birth_date

    if data.phone and data.phone.strip():
        try:
            cleaned["phone"] = parse_phone(data.phone)
        except ValidationError as exc:
            fail("phone", exc)
    else:
        cleaned["phone"] = ""

    if data.resident_type not in RESIDENT_TYPES:
        fail("resident_type", _("Unknown resident type."))
    cleaned["resident_type"] = data.resident_type
    cleaned["place"] = data.place

    tags = []
    for tag in data.tags or []:
        tag = tag.strip()
        if tag:
            if len(tag) > 30:
                fail("tags", _("A tag has at most 30 characters."))
            tags.append(tag)
    cleaned["tags"] = tags

    if errors:
        raise ValidationError(errors)
    return cleaned


def _check_place(actor: Any, place: Place) -> None:
    if not path_in_jurisdiction(actor, place.path):
        raise PlaceOutsideJurisdiction(place.pk)


def _existing_holder(document_type: str, document_number: str, *, exclude_pk: int | None = None) -> Person | None:
    qs = Person.objects.filter(document_type=document_type, document_number=document_number)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.first()


def _set_tags(person: Person, names: list[str]) -> None:
    tags = [Tag.objects.get_or_create(name=name)[0] for name in dict.fromkeys(names)]
    person.tags.set(tags)


@transaction.atomic
def create_person(*, actor: Any, data: PersonInput, request: HttpRequest | None = None) -> Person:
    cleaned = clean_person_input(data)
    _check_place(actor, cleaned["place"])
    existing = _existing_holder(cleaned["document_type"], cleaned["document_number"])
    if existing is not None:
        raise DuplicatePerson(existing)
    tags = cleaned.pop("tags")
    person = Person(**cleaned, place_path=cleaned["place"].path)
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError:
        # Lost a race with another clerk entering the same document.
        existing = _existing_holder(cleaned["document_type"], cleaned["document_number"])
        if existing is None:
            raise
        raise DuplicatePerson(existing) from None
    _set_tags(person, tags)
    adjust_counts(person_deltas(person.place_path, person.resident_type, +1))
    record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=person,
        summary=f"{mask_name(person.name)} {person.masked_document}",
        request=request,
    )
    return person


def _move_counts(old: tuple[str, str], new: tuple[str, str]) -> None:
    deltas: dict[str, dict[str, int]] = {}
    for (path, resident_type), sign in ((old, -1), (new, +1)):
        for key, delta in person_deltas(path, resident_type, sign)[path].items():
            bucket = deltas.setdefault(path, {})
            bucket[key] = bucket.get(key, 0) + delta
    adjust_counts(deltas)


def _masked(field: str, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, Place):
        return f"{value.pk} {value.name}"
    masker = MASKERS.get(field)
    return masker(value) if masker else str(value)


@transaction.atomic
def update_person(
    *,
    actor: Any,
    person: Person,
    data: PersonInput,
    expected_version: int | None = None,
    request: HttpRequest | None = None,
) -> Person:
    locked = Person.objects.select_for_update().get(pk=person.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleVersion(locked.version)
    cleaned = clean_person_input(data)
    if cleaned["place"].pk != locked.place_id:
        _check_place(actor, cleaned["place"])
    existing = _existing_holder(cleaned["document_type"], cleaned["document_number"], exclude_pk=locked.pk)
    if existing is not None:
        raise DuplicatePerson(existing)
    tags = cleaned.pop("tags")
    before = (locked.place_path, locked.resident_type)
    changes: dict[str, list[Any]] = {}
    for field, value in cleaned.items():
        old = getattr(locked, field)
        if old != value:
            changes[field] = [_masked(field, old), _masked(field, value)]
            setattr(locked, field, value)
    old_tags = sorted(locked.tags.values_list("name", flat=True))
    if old_tags != sorted(dict.fromkeys(tags)):
        changes["tags"] = [old_tags, sorted(dict.fromkeys(tags))]
        _set_tags(locked, tags)
    if changes:
        locked.place_path = locked.place.path
        locked.version += 1
        locked.save()
        if (locked.place_path, locked.resident_type) != before:
            _move_counts(before, (locked.place_path, locked.resident_type))
        record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=locked,
            changes=changes,
            request=request,
        )
    return locked


@transaction.atomic
def merge_persons(
    *,
    actor: Any,
    survivor: Person,
    duplicate: Person,
    request: HttpRequest | None = None,
) -> Person:
    """Fold `duplicate` (same human, another document) into `survivor`; the duplicate stays as a pointer."""
    if survivor.pk == duplicate.pk:
        raise ValidationError(_("A person cannot be merged with itself."))
    survivor, duplicate = (
        Person.objects.select_for_update().get(pk=survivor.pk),
        Person.objects.select_for_update().get(pk=duplicate.pk),
    )
    if duplicate.merged_into_id is not None:
        raise ValidationError(_("This record was already merged into another person."))
    if survivor.merged_into_id is not None:
        raise ValidationError(_("The record to keep was itself merged into another person."))
    filled: dict[str, list[Any]] = {}
    for field in ("phone", "address", "registered_residence", "birth_date"):
        if not getattr(survivor, field) and getattr(duplicate, field):
            setattr(survivor, field, getattr(duplicate, field))
            filled[field] = [None, _masked(field, getattr(duplicate, field))]
    survivor.tags.add(*duplicate.tags.all())
    survivor.version += 1
    survivor.save()
    duplicate.merged_into = survivor
    duplicate.version += 1
    duplicate.save(update_fields=["merged_into", "version", "updated_at"])
    adjust_counts(person_deltas(duplicate.place_path, duplicate.resident_type, -1))
    person_merged.send(sender=Person, survivor=survivor, merged=duplicate)
    record(
        actor=actor,
        action=AuditAction.MERGE,
        obj=survivor,
        summary=say(
            gettext_lazy("Person %(duplicate)s (%(document)s) merged into %(survivor)s"),
            duplicate=duplicate.pk,
            document=duplicate.masked_document,
            survivor=survivor.pk,
        ),
        changes={"merged_from": [None, duplicate.pk], **filled},
        request=request,
    )
    return survivor


def record_full_view(
    *, actor: Any, person: Person, request: HttpRequest | None = None, history: dict[str, int] | None = None
) -> None:
    """One audit row per full view; `history` is how many events of each kind the person's history showed."""
    record(
        actor=actor,
        action=AuditAction.VIEW_FULL,
        obj=person,
        summary=f"{mask_name(person.name)} {person.masked_document}",
        changes={"history": history} if history is not None else None,
        request=request,
    )
