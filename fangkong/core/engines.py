"""The database engine, decided in one place per concern.

Fangkong runs on PostgreSQL; the tests run on SQLite too. Where PostgreSQL has a faster way (COPY,
server-side prepared statements, unnest arrays, LATERAL joins, data-modifying CTEs), a concern keeps
two implementations of one interface and picks between them here, so each calling function reads as
one algorithm and the engine appears once per concern:

    COLOCATION = PerEngine(postgresql=LateralJoin(), portable=PythonMatching())
    ...
    return COLOCATION().with_person(...)

`portable` is what every other engine (SQLite) runs; both must answer the same, and the concern's tests
run on both engines.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from django.db import connection

T = TypeVar("T")

POSTGRESQL = "postgresql"


def is_postgresql() -> bool:
    return connection.vendor == POSTGRESQL


class PerEngine(Generic[T]):
    """One concern's implementation for PostgreSQL and the portable one for other engines."""

    def __init__(self, *, postgresql: T, portable: T) -> None:
        self.postgresql = postgresql
        self.portable = portable

    def __call__(self) -> T:
        """The implementation for the engine of the default connection."""
        return self.postgresql if is_postgresql() else self.portable
