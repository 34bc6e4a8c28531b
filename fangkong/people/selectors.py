"""Every read of persons goes through here, and everything here goes through scope_to_user."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, QuerySet
from django.db.models.functions import Substr
from django.shortcuts import get_object_or_404

from fangkong.accounts.models import Membership, Role
from fangkong.core.scoping import scope_to_user
from fangkong.core.validators import normalize_document_number, normalize_phone
from fangkong.people.models import Person
from fangkong.places.models import Place, PlaceType


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


def _search(qs: QuerySet[Person], q: str) -> QuerySet[Person]:
    document = normalize_document_number(q)
    phone = normalize_phone(q)
    if phone.isdigit() and len(phone) == 11:
        return qs.filter(phone=phone)
    if len(document) >= 5 and any(ch.isdigit() for ch in document):
        return qs.filter(document_number=document)
    return qs.filter(name__startswith=q)


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


# --- Coverage of the population base (人口底数): counts under an authorised place ---


@dataclass
class ChildRow:
    place: Place
    households: int = 0
    persons: int = 0


def _counts_by_prefix(qs: QuerySet[Any], path_field: str, prefix_len: int) -> dict[str, int]:
    rows = qs.annotate(prefix=Substr(path_field, 1, prefix_len)).values("prefix").annotate(n=Count("pk")).order_by()
    return {r["prefix"]: r["n"] for r in rows}


def children_with_counts(place: Place) -> list[ChildRow]:
    """Children of an already-authorised place, each with households and persons below it: three queries."""
    children = list(Place.objects.get_children(place).order_by("name"))
    if not children:
        return []
    child_len = len(place.path) + Place.steplen
    households = _counts_by_prefix(
        Place.objects.filter(path__startswith=place.path, type=PlaceType.HOUSEHOLD, depth__gt=place.depth),
        "path",
        child_len,
    )
    persons = _counts_by_prefix(
        Person.objects.filter(place_path__startswith=place.path, merged_into__isnull=True).exclude(
            place_path=place.path
        ),
        "place_path",
        child_len,
    )
    return [
        ChildRow(
            place=c,
            households=households.get(c.path, 0) + (1 if c.type == PlaceType.HOUSEHOLD else 0),
            persons=persons.get(c.path, 0),
        )
        for c in children
    ]


@dataclass
class SubtreeSummary:
    place: Place
    by_type: dict[str, int] = field(default_factory=dict)
    persons: int = 0
    floating: int = 0


def subtree_summary(place: Place) -> SubtreeSummary:
    by_type = {
        r["type"]: r["n"]
        for r in Place.objects.filter(path__startswith=place.path, depth__gt=place.depth)
        .values("type")
        .annotate(n=Count("pk"))
        .order_by()
    }
    persons = Person.objects.filter(place_path__startswith=place.path, merged_into__isnull=True)
    counts = persons.aggregate(
        total=Count("pk"),
    )
    floating = persons.filter(resident_type="floating").count()
    return SubtreeSummary(place=place, by_type=by_type, persons=counts["total"], floating=floating)


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
    candidates = list(
        Place.objects.filter(path__startswith=place.path, type__in=types).order_by("path").values_list("pk", "path")
    )
    if not candidates:
        return []
    lengths = {len(p) for _, p in candidates}
    occupied: set[str] = set()
    base = Person.objects.filter(place_path__startswith=place.path, merged_into__isnull=True)
    for length in lengths:
        occupied.update(_counts_by_prefix(base, "place_path", length).keys())
    empty_ids = [pk for pk, path in candidates if path not in occupied][:limit]
    return list(Place.objects.filter(pk__in=empty_ids).order_by("path"))


def ownerless_without_cadre(place: Place, *, limit: int = 50) -> QuerySet[Place]:
    return Place.objects.filter(
        path__startswith=place.path,
        type=PlaceType.COMPOUND,
        is_ownerless=True,
        cadre_name="",
    ).order_by("path")[:limit]
