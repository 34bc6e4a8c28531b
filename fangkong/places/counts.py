"""Keeping PlaceCount exact: incremental adjustments inside writes, and a full rebuild."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from django.apps import apps
from django.db import connection, transaction
from django.db.models import Count
from django.db.models.functions import Length, Substr

from fangkong.core.engines import PerEngine
from fangkong.places.models import Place, PlaceCount, PlaceType

POPULATION_KEYS = (PlaceCount.PERSONS, PlaceCount.FLOATING)


def ancestor_paths(path: str) -> list[str]:
    """The path itself and every ancestor's path, root first."""
    step = Place.steplen
    return [path[:end] for end in range(step, len(path) + 1, step)]


def adjust_counts(deltas: Mapping[str, Mapping[str, int]]) -> None:
    """Apply {path: {key: delta}} to the place at each path and to all its ancestors.

    Must run inside the caller's transaction. Statements touch rows sorted by
    (key, place) so concurrent writers lock them in the same order.
    """
    rolled: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for path, changes in deltas.items():
        for ancestor in ancestor_paths(path):
            for key, delta in changes.items():
                rolled[ancestor][key] += delta
    if not rolled:
        return
    ids = dict(Place.objects.filter(path__in=list(rolled)).values_list("path", "pk"))
    rows = sorted(
        (key, ids[path], delta)
        for path, by_key in rolled.items()
        if path in ids
        for key, delta in by_key.items()
        if delta
    )
    if not rows:
        return
    # One upsert for every (place, key): rows are locked in (key, place) order, as the sort gives.
    ENGINE().upsert(rows)


class PostgresCounts:
    def upsert(self, rows: list[tuple[str, int, int]]) -> None:
        """(key, place_id, delta) rows added on; three array parameters, not thousands of placeholders."""
        params: list[Any] = [[r[1] for r in rows], [r[0] for r in rows], [r[2] for r in rows]]
        # ORDER BY the ordinality keeps the lock order of the rows.
        _upsert(
            "SELECT p, k, d FROM unnest(%s::bigint[], %s::varchar[], %s::bigint[]) WITH ORDINALITY AS v(p, k, d, o)"
            " ORDER BY o ",
            params,
        )

    def analyze(self) -> None:
        """Fresh planner statistics after a rebuild replaced every row."""
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE places_placecount")


class PortableCounts:
    def upsert(self, rows: list[tuple[str, int, int]]) -> None:
        values = ", ".join(["(%s, %s, %s)"] * len(rows))
        _upsert(f"VALUES {values} ", [v for key, place_id, delta in rows for v in (place_id, key, delta)])

    def analyze(self) -> None:
        """Nothing to do: SQLite plans without table statistics here."""


def _upsert(rows_sql: str, params: list[Any]) -> None:
    table = connection.ops.quote_name(PlaceCount._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (place_id, key, n) {rows_sql}"
            f"ON CONFLICT (place_id, key) DO UPDATE SET n = {table}.n + excluded.n",
            params,
        )


ENGINE: PerEngine[PostgresCounts | PortableCounts] = PerEngine(postgresql=PostgresCounts(), portable=PortableCounts())


def person_deltas(place_path: str, resident_type: str, sign: int) -> dict[str, dict[str, int]]:
    changes = {PlaceCount.PERSONS: sign}
    if resident_type == "floating":
        changes[PlaceCount.FLOATING] = sign
    return {place_path: changes}


def subtree_contribution(place: Place) -> dict[str, int]:
    """What a place and everything under it add to each ancestor's counts."""
    own = dict(PlaceCount.objects.filter(place=place).values_list("key", "n"))
    own[place.type] = own.get(place.type, 0) + 1
    return own


def counts_for(places: Iterable[Place], keys: Iterable[str] | None = None) -> dict[int, dict[str, int]]:
    qs = PlaceCount.objects.filter(place__in=list(places))
    if keys is not None:
        qs = qs.filter(key__in=list(keys))
    result: dict[int, dict[str, int]] = defaultdict(dict)
    for place_id, key, n in qs.values_list("place_id", "key", "n"):
        result[place_id][key] = n
    return result


@transaction.atomic
def rebuild_counts() -> int:
    """Recompute every PlaceCount from places and persons; returns the number of rows written."""
    Person = apps.get_model("people", "Person")
    totals: dict[str, dict[str, int]] = defaultdict(dict)
    max_depth = Place.objects.order_by("-depth").values_list("depth", flat=True).first() or 0
    step = Place.steplen
    for depth in range(1, max_depth + 1):
        prefix = Substr("path", 1, depth * step)
        rows = (
            Place.objects.filter(depth__gt=depth)
            .annotate(prefix=prefix)
            .values("prefix", "type")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for row in rows:
            totals[row["prefix"]][row["type"]] = row["n"]
        # Only persons at or below this depth: a shorter path would collapse onto itself.
        persons = (
            Person.objects.filter(merged_into__isnull=True)
            .annotate(path_len=Length("place_path"))
            .filter(path_len__gte=depth * step)
            .annotate(prefix=Substr("place_path", 1, depth * step))
        )
        for row in persons.values("prefix").annotate(n=Count("pk")).order_by():
            totals[row["prefix"]][PlaceCount.PERSONS] = row["n"]
        floating = persons.filter(resident_type="floating")
        for row in floating.values("prefix").annotate(n=Count("pk")).order_by():
            totals[row["prefix"]][PlaceCount.FLOATING] = row["n"]
    ids = dict(Place.objects.filter(path__in=list(totals)).values_list("path", "pk"))
    PlaceCount.objects.all().delete()
    rows = [
        PlaceCount(place_id=ids[path], key=key, n=n)
        for path, keys in totals.items()
        if path in ids
        for key, n in keys.items()
        if n
    ]
    PlaceCount.objects.bulk_create(rows, batch_size=5000)
    ENGINE().analyze()
    return len(rows)


def household_count(counts: Mapping[str, int], place: Place) -> int:
    """Households at or below a place (a household counts itself)."""
    return counts.get(PlaceType.HOUSEHOLD, 0) + (1 if place.type == PlaceType.HOUSEHOLD else 0)
