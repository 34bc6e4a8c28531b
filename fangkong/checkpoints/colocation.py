"""Co-location search for tracing: who passed the same checkpoints at the same time.

Two algorithms for one answer, chosen once by engine (core.engines): on PostgreSQL fixed SQL texts,
prepared once per connection, with a LATERAL join per own passage; elsewhere the ORM and matching in
Python. Both answer the same rows in the same order (tests run on both engines).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

from django.db.models import Q

from fangkong.checkpoints.models import Checkpoint, Registration
from fangkong.core.engines import PerEngine
from fangkong.core.scoping import jurisdiction_sql, scope_to_user
from fangkong.core.sql import prepared_rows
from fangkong.people.models import Person

# Co-location answers at most this many rows; a wider search should narrow its window.
COLOCATION_LIMIT = 5000


class CoLocated(NamedTuple):
    """One passage found by a co-location search: plain values, as the answer shows them (masked later).

    A named tuple: a search can answer thousands of rows, made straight from the database's tuples.
    """

    registration_id: int
    checkpoint_id: int
    person_id: int | None
    name: str
    document_number: str
    phone: str
    direction: str
    occurred_at: dt.datetime
    matched_registration_id: int | None = None


# Read as plain rows: a tracing search can answer thousands, and only these columns are shown.
COLOCATED_FIELDS = (
    "pk", "checkpoint_id", "person_id", "name", "document_number", "phone", "direction", "occurred_at",
)  # fmt: skip

# On PostgreSQL the two searches are fixed SQL texts, prepared once per connection (core.sql): a tracing
# team runs them over and over, and the ORM's work per query would cost more than the indexed read itself.
AT_CHECKPOINT_SQL = """
SELECT r.id, r.checkpoint_id, r.person_id, r.name, r.document_number, r.phone, r.direction, r.occurred_at
FROM checkpoints_registration r
WHERE r.checkpoint_id = %s AND r.occurred_at >= %s AND r.occurred_at < %s AND {scope}
ORDER BY r.occurred_at, r.id LIMIT %s
"""
OWN_PASSAGES_SQL = """
SELECT r.id, r.checkpoint_id, r.occurred_at FROM checkpoints_registration r
WHERE r.person_id = %s AND r.occurred_at >= %s AND r.occurred_at < %s AND {scope}
ORDER BY r.occurred_at, r.id LIMIT %s
"""
# LATERAL with its own LIMIT: one index range scan per own passage, whatever the planner guesses of the arrays.
NEAR_PASSAGES_SQL = """
SELECT r.id, r.checkpoint_id, r.person_id, r.name, r.document_number, r.phone, r.direction, r.occurred_at,
       (array_agg(own.id ORDER BY own.at, own.id))[1]
FROM unnest(%s::bigint[], %s::bigint[], %s::timestamptz[]) AS own(id, checkpoint_id, at)
CROSS JOIN LATERAL (
  SELECT * FROM checkpoints_registration near
  WHERE near.checkpoint_id = own.checkpoint_id AND near.occurred_at BETWEEN own.at - %s AND own.at + %s
  LIMIT %s
) r
WHERE r.person_id IS DISTINCT FROM %s AND {scope}
GROUP BY r.id, r.checkpoint_id, r.person_id, r.name, r.document_number, r.phone, r.direction, r.occurred_at
ORDER BY r.occurred_at, r.id LIMIT %s
"""


class LateralJoin:
    """PostgreSQL: prepared statements; one index range scan per own passage (LATERAL with its own LIMIT)."""

    def at_checkpoint(
        self, user: Any, *, checkpoint: Checkpoint, since: dt.datetime, until: dt.datetime
    ) -> list[CoLocated]:
        scope, scope_params = jurisdiction_sql(user, "r.place_path")
        rows = prepared_rows(
            AT_CHECKPOINT_SQL.format(scope=scope), [checkpoint.pk, since, until, *scope_params, COLOCATION_LIMIT]
        )
        return [CoLocated(*row) for row in rows]

    def with_person(
        self, user: Any, *, person: Person, since: dt.datetime, until: dt.datetime, margin: dt.timedelta
    ) -> list[CoLocated]:
        scope, scope_params = jurisdiction_sql(user, "r.place_path")
        own = prepared_rows(
            OWN_PASSAGES_SQL.format(scope=scope), [person.pk, since, until, *scope_params, COLOCATION_LIMIT]
        )
        if not own:
            return []
        columns = [list(column) for column in zip(*own, strict=True)]
        rows = prepared_rows(
            NEAR_PASSAGES_SQL.format(scope=scope),
            [*columns, margin, margin, COLOCATION_LIMIT, person.pk, *scope_params, COLOCATION_LIMIT],
        )
        return [CoLocated(*row) for row in rows]


class PythonMatching:
    """Other engines: the ORM reads, and each passage found is matched to the person's own in Python."""

    def _scoped(self, user: Any, since: dt.datetime, until: dt.datetime) -> Any:
        return scope_to_user(Registration.objects.all(), user).filter(occurred_at__gte=since, occurred_at__lt=until)

    def at_checkpoint(
        self, user: Any, *, checkpoint: Checkpoint, since: dt.datetime, until: dt.datetime
    ) -> list[CoLocated]:
        rows = (
            self._scoped(user, since, until)
            .filter(checkpoint=checkpoint)
            .order_by("occurred_at", "id")
            .values_list(*COLOCATED_FIELDS)[:COLOCATION_LIMIT]
        )
        return [CoLocated(*row) for row in rows]

    def with_person(
        self, user: Any, *, person: Person, since: dt.datetime, until: dt.datetime, margin: dt.timedelta
    ) -> list[CoLocated]:
        own = list(
            self._scoped(user, since, until)
            .filter(person=person)
            .order_by("occurred_at", "id")
            .values_list("pk", "checkpoint_id", "occurred_at")[:COLOCATION_LIMIT]
        )
        if not own:
            return []
        window = Q()
        for _pk, checkpoint_id, at in own:
            window |= Q(checkpoint_id=checkpoint_id, occurred_at__gte=at - margin, occurred_at__lte=at + margin)
        others = (
            scope_to_user(Registration.objects.all(), user)
            .filter(window)
            .exclude(person=person)
            .order_by("occurred_at", "id")
            .values_list(*COLOCATED_FIELDS)[:COLOCATION_LIMIT]
        )
        found = []
        for reg_id, checkpoint_id, person_id, name, number, phone, direction, occurred_at in others:
            match = next(
                (pk for pk, cp, at in own if cp == checkpoint_id and at - margin <= occurred_at <= at + margin),
                None,
            )
            found.append(
                CoLocated(reg_id, checkpoint_id, person_id, name, number, phone, direction, occurred_at, match)
            )
        return found


SEARCH: PerEngine[LateralJoin | PythonMatching] = PerEngine(postgresql=LateralJoin(), portable=PythonMatching())


def colocated_with_person(
    user: Any, *, person: Person, since: dt.datetime, until: dt.datetime, margin: dt.timedelta
) -> list[CoLocated]:
    """Everyone registered at the checkpoints the person passed, within ± margin of each passage, with the
    person's own passage it was near (the earliest, when near several)."""
    return SEARCH().with_person(user, person=person, since=since, until=until, margin=margin)


def colocated_at_checkpoint(
    user: Any, *, checkpoint: Checkpoint, since: dt.datetime, until: dt.datetime
) -> list[CoLocated]:
    """Everyone registered at the checkpoint between `since` and `until`."""
    return SEARCH().at_checkpoint(user, checkpoint=checkpoint, since=since, until=until)
