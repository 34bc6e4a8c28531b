"""A place named with its context: the path from the community down ("畅园社区 畅园家属院 1号楼 1单元501").

A household's own name ("1单元501", "35号") says nothing without its compound and
building, so every page that names a place shows this label. It is computed from
the materialised path: the ancestors of all the places on a page are fetched in
one query (`attach_place_labels`), so a list's query count does not grow with its rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

from fangkong.places.models import Place, PlaceType

# Levels above the community are the same for everyone in a list (street, district) and
# grids are administrative units that addresses never name: both are left out of the label.
_SHOWN_ANCESTORS = frozenset({PlaceType.COMMUNITY, PlaceType.COMPOUND, PlaceType.BUILDING})
_SEPARATOR = " "
_ATTR = "_path_label"
T = TypeVar("T")


def _ancestor_paths(path: str) -> list[str]:
    step = Place.steplen
    return [path[: step * i] for i in range(1, len(path) // step)]


def labels_by_path(places: Iterable[tuple[str, str]]) -> dict[str, str]:
    """{path: label} for (path, name) pairs, with one query for all their ancestors (exports read values())."""
    own = dict(places)
    wanted = {path for own_path in own for path in _ancestor_paths(own_path)}
    names: dict[str, str] = {}
    if wanted:
        names = dict(Place.objects.filter(path__in=wanted, type__in=_SHOWN_ANCESTORS).values_list("path", "name"))
    return {
        path: _SEPARATOR.join([*(names[a] for a in _ancestor_paths(path) if a in names), name])
        for path, name in own.items()
    }


def attach_place_labels(places: Iterable[Place | None]) -> None:
    """Compute the label of every place given with one query for all their ancestors."""
    todo = [p for p in places if p is not None and _ATTR not in p.__dict__]
    if not todo:
        return
    labels = labels_by_path((p.path, p.name) for p in todo)
    for place in todo:
        place.__dict__[_ATTR] = labels[place.path]


def place_label(place: Place | None) -> str:
    """The place's label (one query when its list did not attach the labels beforehand)."""
    if place is None:
        return ""
    if _ATTR not in place.__dict__:
        attach_place_labels([place])
    return str(place.__dict__[_ATTR])


def _follow(obj: object, dotted: str) -> Place | None:
    for name in filter(None, dotted.split(".")):
        if obj is None:
            return None
        obj = getattr(obj, name, None)
    return obj if isinstance(obj, Place) else None


def with_place_labels(rows: Iterable[T], *fields: str) -> list[T]:
    """The rows as a list, the labels of the places at `fields` (dotted: "measure.place"; none: the rows
    are places) attached in one query."""
    rows = list(rows)
    attach_place_labels(_follow(row, field) for row in rows for field in (fields or ("",)))
    return rows


def iter_with_place_labels(rows: Iterable[T], *fields: str, chunk: int = 2000) -> Iterator[T]:
    """For exports: the rows streamed in chunks, each chunk's labels attached in one query."""
    batch: list[T] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= chunk:
            yield from with_place_labels(batch, *fields)
            batch = []
    yield from with_place_labels(batch, *fields)
