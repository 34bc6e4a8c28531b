"""Coverage of the population base (人口底数): counts under an already-authorised place.

Read from the rolled-up PlaceCount rows alone, so places (and the apps above it) can show them
without reading persons.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fangkong.places.counts import counts_for, household_count
from fangkong.places.models import Place, PlaceCount, PlaceType


@dataclass
class ChildRow:
    place: Place
    households: int = 0
    persons: int = 0


@dataclass
class SubtreeSummary:
    place: Place
    by_type: dict[str, int] = field(default_factory=dict)
    persons: int = 0
    floating: int = 0


def _child_rows(children: list[Place], counts: dict[int, dict[str, int]]) -> list[ChildRow]:
    return [
        ChildRow(
            place=c,
            households=household_count(counts.get(c.pk, {}), c),
            persons=counts.get(c.pk, {}).get(PlaceCount.PERSONS, 0),
        )
        for c in children
    ]


def _summary(place: Place, counts: dict[str, int]) -> SubtreeSummary:
    return SubtreeSummary(
        place=place,
        by_type={t: counts[t] for t in PlaceType.values if counts.get(t)},
        persons=counts.get(PlaceCount.PERSONS, 0),
        floating=counts.get(PlaceCount.FLOATING, 0),
    )


def children_with_counts(place: Place) -> list[ChildRow]:
    """Children of an already-authorised place, each with households and persons below it: two queries."""
    children = list(Place.objects.get_children(place).order_by("name"))
    if not children:
        return []
    return _child_rows(children, counts_for(children, keys=(PlaceType.HOUSEHOLD, PlaceCount.PERSONS)))


def subtree_summary(place: Place) -> SubtreeSummary:
    """Counts of everything below a place, read from the rolled-up PlaceCount rows (one query)."""
    return _summary(place, counts_for([place]).get(place.pk, {}))


def place_overview(place: Place) -> tuple[SubtreeSummary, list[ChildRow]]:
    """What a landing page shows of a place: its summary and its children's counts, in two queries."""
    children = list(Place.objects.get_children(place).order_by("name"))
    counts = counts_for([place, *children])
    return _summary(place, counts.get(place.pk, {})), _child_rows(children, counts)
