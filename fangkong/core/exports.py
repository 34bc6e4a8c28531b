"""Streaming Excel export shared by every list in the product.

Rows are written with xlsxwriter's constant_memory mode to a temporary file, so
a million rows never sit in memory; the file is then streamed to the client.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import xlsxwriter
from django.conf import settings
from django.http import FileResponse
from django.utils import timezone

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Neutralise text a spreadsheet would execute (CSV/formula injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(tzinfo=None)
    if value is None:
        return ""
    return value


@dataclass(frozen=True)
class Column:
    header: Any  # lazily translated string
    value: Callable[[Any], Any]
    width: int = 14


def write_xlsx(path: str, columns: Sequence[Column], rows: Iterable[Any], *, sheet_name: str = "Sheet1") -> int:
    """Write rows to `path`; returns how many were written (capped at one sheet)."""
    workbook = xlsxwriter.Workbook(
        path,
        {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False},
    )
    sheet = workbook.add_worksheet(sheet_name[:31])
    bold = workbook.add_format({"bold": True, "bg_color": "#F2F2F2"})
    date_fmt = workbook.add_format({"num_format": "yyyy-mm-dd"})
    time_fmt = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    for c, col in enumerate(columns):
        sheet.set_column(c, c, col.width)
        sheet.write_string(0, c, str(col.header), bold)
    written = 0
    limit = settings.EXPORT_MAX_ROWS
    for r, row in enumerate(rows, start=1):
        if written >= limit:
            break
        for c, col in enumerate(columns):
            value = safe_cell(col.value(row))
            if isinstance(value, dt.datetime):
                sheet.write_datetime(r, c, value, time_fmt)
            elif isinstance(value, dt.date):
                sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), date_fmt)
            elif isinstance(value, bool):
                sheet.write_boolean(r, c, value)
            elif isinstance(value, int | float):
                sheet.write_number(r, c, value)
            else:
                sheet.write_string(r, c, str(value))
        written += 1
    sheet.freeze_panes(1, 0)
    workbook.close()
    return written


def xlsx_response(columns: Sequence[Column], rows: Iterable[Any], *, filename: str) -> tuple[FileResponse, int]:
    """Build the file and a response streaming it; the temp file is removed once closed."""
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=True)  # noqa: SIM115 - closed by FileResponse
    count = write_xlsx(handle.name, columns, rows)
    handle.seek(0)
    stamped = f"{filename}-{timezone.localtime():%Y%m%d-%H%M}.xlsx"
    response = FileResponse(
        handle,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f"attachment; filename=\"export.xlsx\"; filename*=UTF-8''{quote(stamped)}"
    return response, count
