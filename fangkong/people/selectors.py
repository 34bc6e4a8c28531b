"""Every read of persons goes through here, and everything here goes through scope_to_user."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.shortcuts import get_object_or_404

from fangkong.accounts.models import Membership, Role
from fangkong.core.masking import mask_document, mask_name, mask_phone
from fangkong.core.scoping import scope_to_place, scope_to_user
from fangkong.core.validators import normalize_document_number, normalize_phone
from fangkong.people.models import Person
from fangkong.places.counts import counts_for
from fangkong.places.models import Place, PlaceCount, PlaceType
from fangkong.places.selectors import jurisdiction_roots
from fangkong.places.summaries import (  # noqa: F401 -- read here by the people pages
    ChildRow,
    SubtreeSummary,
    children_with_counts,
    place_overview,
    subtree_summary,
)


def persons_for(
    user: Any,
    *,
    place: Place | None = None,
    q: str = "",
    resident_type: str = "",
    tag: str = "",
    include_merged: bool = False,
) -> QuerySet[Person]:
    qs = scope_to_user(Person.objects.all(), user)
    if not include_merged:
        qs = qs.filter(merged_into__isnull=True)
    if place is not None:
        qs = qs.filter(place_path__startswith=place.path)
    if resident_type:
        qs = qs.filter(resident_type=resident_type)
    if tag:
        qs = qs.filter(tags__name=tag)
    q = (q or "").strip()
    if q:
        qs = _search(qs, q)
    return qs.order_by("id")


def count_persons_from_rollup(
    user: Any, *, place: Place | None, q: str = "", resident_type: str = "", tag: str = ""
) -> int | None:
    """The size of an unfiltered list from the rolled-up counts, or None when filters need a real COUNT.

    `place` must already be authorised for the user; without it the list covers the
    user's jurisdiction roots, which are disjoint subtrees.
    """
    if q.strip() or resident_type or tag:
        return None
    places = [place] if place is not None else jurisdiction_roots(user)
    counts = counts_for(places, keys=(PlaceCount.PERSONS,))
    return sum(c.get(PlaceCount.PERSONS, 0) for c in counts.values())


def classify_search(q: str) -> tuple[str, str]:
    """What a search box entry is: ("phone" | "document" | "name", normalised value)."""
    phone = normalize_phone(q)
    if phone.isdigit() and len(phone) == 11:
        return "phone", phone
    document = normalize_document_number(q)
    if len(document) >= 5 and any(ch.isdigit() for ch in document):
        return "document", document
    return "name", q


def describe_search(q: str) -> str:
    """A search term as it may appear in the audit log: never a full personal value."""
    if not q:
        return ""
    kind, value = classify_search(q)
    return {"phone": mask_phone, "document": mask_document}.get(kind, mask_name)(value)


def _search(qs: QuerySet[Person], q: str) -> QuerySet[Person]:
    kind, value = classify_search(q)
    if kind == "phone":
        return qs.filter(phone=value)
    if kind == "document":
        return qs.filter(document_number=value)
    return qs.filter(name__startswith=value)


def get_person_for_user(user: Any, pk: int) -> Person:
    # Outside the user's jurisdiction is indistinguishable from not existing.
    return get_object_or_404(
        scope_to_user(Person.objects.select_related("place", "merged_into"), user),
        pk=pk,
    )


def find_by_document(user: Any, document_type: str, document_number: str) -> Person | None:
    return (
        scope_to_user(Person.objects.all(), user)
        .filter(document_type=document_type, document_number=document_number)
        .first()
    )


# --- Anonymous submissions: what they may match in the register (issue 16 A1) ---


def same_name(typed: str, registered: str) -> bool:
    """Whether a typed name is the registered one (spaces and letter case aside)."""
    a, b = "".join((typed or "").split()).casefold(), "".join((registered or "").split()).casefold()
    return bool(a) and a == b


def anonymous_match(*, path: str, document_type: str, document_number: str, phone: str, name: str) -> Person | None:
    """The register's person behind an anonymous submission made for the place at `path`, or None.

    Only a person living inside that place matches, and only when the typed name agrees: an anonymous
    form must never link to (and so reveal) a person of another jurisdiction, nor to the wrong person of
    its own. A phone matches only when exactly one person there holds it (a family may share one).
    """
    qs = scope_to_place(Person.objects.filter(merged_into__isnull=True), path)
    if document_number:
        holder = Person.objects.filter(document_type=document_type, document_number=document_number).first()
        if holder is not None and holder.merged_into_id:
            holder = Person.objects.filter(pk=holder.merged_into_id).first()
        candidates = [holder] if holder is not None and qs.filter(pk=holder.pk).exists() else []
    elif phone:
        candidates = list(qs.filter(phone=phone)[:2])
        candidates = candidates if len(candidates) == 1 else []
    else:
        candidates = []
    return next((p for p in candidates if same_name(name, p.name)), None)


def register_matches_for(user: Any, *, document_type: str, document_number: str, name: str) -> list[Person]:
    """Persons of the user's jurisdiction an anonymous report may be confirmed as: same document, same name."""
    if not document_number:
        return []
    qs = scope_to_user(
        Person.objects.filter(
            document_type=document_type, document_number=document_number, merged_into__isnull=True
        ).select_related("place"),
        user,
    )
    return [p for p in qs[:5] if same_name(name, p.name)]


def grids_without_worker(place: Place, *, limit: int = 50) -> QuerySet[Place]:
    staffed = Membership.objects.filter(role=Role.GRID_WORKER, place__path__startswith=place.path).values("place_id")
    return (
        Place.objects.filter(path__startswith=place.path, type=PlaceType.GRID)
        .exclude(pk__in=staffed)
        .order_by("path")[:limit]
    )


def places_without_persons(
    place: Place,
    *,
    types: tuple[str, ...] = (PlaceType.GRID, PlaceType.COMPOUND),
    limit: int = 50,
) -> list[Place]:
    """户不漏人: grids and compounds below `place` where not a single person is registered."""
    # Correlated on (place, key), the unique index: one probe per candidate, never a scan of all counts.
    occupied = PlaceCount.objects.filter(place=OuterRef("pk"), key=PlaceCount.PERSONS, n__gt=0)
    return list(
        Place.objects.filter(path__startswith=place.path, type__in=types)
        .exclude(Exists(occupied))
        .order_by("path")[:limit]
    )


def ownerless_without_cadre(place: Place, *, limit: int = 50) -> QuerySet[Place]:
    return Place.objects.filter(
        path__startswith=place.path,
        type=PlaceType.COMPOUND,
        is_ownerless=True,
        cadre_name="",
    ).order_by("path")[:limit]
