"""Inserting many rows at once: COPY on PostgreSQL, bulk_create elsewhere (a strategy per engine, core.engines).

Django's bulk_create builds a model instance and prepares every field of every
row in Python, which costs more than the database work for imports of a
hundred thousand rows. On PostgreSQL the rows go through COPY instead, with
ids taken from the table's sequence first so callers can link to them. Values
must already be what the column stores (dicts for JSON columns are encoded here);
callers validate before they insert.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from django.db import connection, models

from fangkong.core.engines import PerEngine

# One encoder, built once: json.dumps builds a new one for every call with options.
_encode = json.JSONEncoder(ensure_ascii=False).encode
_string = json.encoder.encode_basestring  # the C function when the json accelerator is there


def _json(value: Any) -> str:
    """JSON text of a column value; flat {text: text} dicts (extra columns of an import) the quick way."""
    if type(value) is dict:
        if not value:
            return "{}"
        try:
            return "{" + ", ".join([_string(k) + ": " + _string(v) for k, v in value.items()]) + "}"
        except TypeError:  # not text: the encoder says how
            pass
    return _encode(value)


def insert_rows(
    model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]], *, returning_ids: bool = False
) -> list[int]:
    """Insert `rows` (values in `columns` order, attnames such as "place_id"); the new ids if asked, in row order."""
    if not rows:
        return []
    return BULK().insert(model, columns, rows, returning_ids=returning_ids)


def update_rows(model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Set `columns` of existing rows; each row is (pk, *values in `columns` order)."""
    if rows:
        BULK().update(model, columns, rows)


class OrmBulk:
    """Other engines: Django's bulk_create and bulk_update."""

    def insert(
        self, model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]], *, returning_ids: bool
    ) -> list[int]:
        objs = [model(**dict(zip(columns, row, strict=True))) for row in rows]
        model._default_manager.bulk_create(objs)
        return [obj.pk for obj in objs] if returning_ids else []

    def update(self, model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        objs = []
        for pk, *values in rows:
            obj = model(pk=pk)
            for name, value in zip(columns, values, strict=True):
                setattr(obj, name, value)
            objs.append(obj)
        model._default_manager.bulk_update(objs, list(columns))


class PostgresBulk:
    """PostgreSQL: COPY for inserts (ids taken from the sequence first), one UPDATE … FROM (VALUES …) for updates."""

    def insert(
        self, model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]], *, returning_ids: bool
    ) -> list[int]:
        return _copy(model, columns, rows, returning_ids=returning_ids)

    def update(self, model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        _update_from_values(model, columns, rows)


def _copy(
    model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]], *, returning_ids: bool
) -> list[int]:
    meta = model._meta
    fields = {f.attname: f for f in meta.concrete_fields}
    json_at = [i for i, name in enumerate(columns) if isinstance(fields[name], models.JSONField)]
    table = connection.ops.quote_name(meta.db_table)
    names = list(columns)
    ids: list[int] = []
    with connection.cursor() as cursor:
        if returning_ids:
            pk_column = meta.pk.column
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, pk_column, len(rows)],
            )
            ids = [row[0] for row in cursor.fetchall()]
            names.insert(0, pk_column)
        sql = f"COPY {table} ({', '.join(connection.ops.quote_name(n) for n in names)}) FROM STDIN"
        with cursor.cursor.copy(sql) as copy:
            for n, row in enumerate(rows):
                values = list(row)
                for i in json_at:
                    values[i] = _json(values[i])
                if returning_ids:
                    values.insert(0, ids[n])
                copy.write_row(values)
    return ids


def _update_from_values(model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    # One UPDATE … FROM (VALUES …): bulk_update's CASE WHEN per column grows with every row.
    meta = model._meta
    fields = {f.attname: f for f in meta.concrete_fields}
    pk = meta.pk
    assert pk is not None
    quote = connection.ops.quote_name
    casts = [pk.db_type(connection), *(fields[name].db_type(connection) for name in columns)]
    placeholders = "(" + ", ".join(f"%s::{cast}" for cast in casts) + ")"
    names = ", ".join(quote(n) for n in ("pk", *columns))
    assignments = ", ".join(f"{quote(fields[n].column)} = v.{quote(n)}" for n in columns)
    json_at = [i + 1 for i, name in enumerate(columns) if isinstance(fields[name], models.JSONField)]
    params: list[Any] = []
    for row in rows:
        values = list(row)
        for i in json_at:
            values[i] = _json(values[i])
        params.extend(values)
    table = quote(meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {assignments} FROM (VALUES {', '.join([placeholders] * len(rows))}) AS v({names}) "  # noqa: S608
            f"WHERE {table}.{quote(pk.column)} = v.{quote('pk')}",
            params,
        )


BULK: PerEngine[PostgresBulk | OrmBulk] = PerEngine(postgresql=PostgresBulk(), portable=OrmBulk())
