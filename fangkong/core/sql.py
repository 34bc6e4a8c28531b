"""Hand-written reads on hot paths, where the ORM's per-query work would cost more than the query itself.

Only for reads whose SQL is fixed text with parameters (so PostgreSQL keeps a prepared plan per connection),
and only behind a selector that builds its jurisdiction condition with core.scoping.jurisdiction_sql.
"""

from __future__ import annotations

from typing import Any

import psycopg
from django.db import connection

_TEXT = psycopg.pq.Format.TEXT


def prepared_rows(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    """Rows of `sql` (with %s placeholders) on PostgreSQL, bound server-side and prepared at once.

    Django's own cursors bind on the client, which rules out prepared plans, and read timestamps through a
    Python loader; this cursor uses psycopg's compiled loaders. Django sets the session's TimeZone to UTC,
    so timestamps come back as UTC-aware datetimes exactly as through the ORM.
    """
    connection.ensure_connection()
    raw = connection.connection
    with psycopg.Cursor(raw) as cursor:
        timestamptz = psycopg.adapters.types["timestamptz"].oid
        cursor.adapters.register_loader(timestamptz, psycopg.adapters.get_loader(timestamptz, _TEXT))  # type: ignore[arg-type]
        cursor.execute(sql.encode(), params, prepare=True)
        return cursor.fetchall()
