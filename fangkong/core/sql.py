"""Hand-written reads on hot paths, where the ORM's per-query work would cost more than the query itself.

Only for reads whose SQL is fixed text with parameters (so PostgreSQL keeps a prepared plan per connection),
and only behind a selector that builds its jurisdiction condition with core.scoping.jurisdiction_sql.
"""

from __future__ import annotations

import weakref
from typing import Any

import psycopg
from django.db import connection

# One server-binding cursor per database connection, made once: a cursor copies its adapters when made.
_cursors: weakref.WeakKeyDictionary[Any, psycopg.Cursor[Any]] = weakref.WeakKeyDictionary()


def _cursor() -> psycopg.Cursor[Any]:
    connection.ensure_connection()
    raw = connection.connection
    cursor = _cursors.get(raw)
    if cursor is None or cursor.closed:
        cursor = psycopg.Cursor(raw)
        # psycopg's compiled loader instead of Django's Python one; Django sets the session's TimeZone to UTC,
        # so timestamps come back UTC-aware exactly as through the ORM.
        timestamptz = psycopg.adapters.types["timestamptz"].oid
        cursor.adapters.register_loader(timestamptz, psycopg.adapters.get_loader(timestamptz, psycopg.pq.Format.TEXT))  # type: ignore[arg-type]
        _cursors[raw] = cursor
    return cursor


def prepared_rows(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    """Rows of `sql` (with %s placeholders) on PostgreSQL, bound server-side and prepared at once.

    Django's own cursors bind on the client, which rules out prepared plans, and read timestamps through a
    Python loader.
    """
    cursor = _cursor()
    cursor.execute(sql.encode(), params, prepare=True)
    return cursor.fetchall()
