"""Streaming Excel export shared by every list in the product.

Rows are written with xlsxwriter's constant_memory mode (each row is flushed to a
temporary file as soon as the next one starts, strings inline), so a million rows
never sit in memory; the finished file is then streamed to the client. Callers
pass an iterator (`queryset.iterator(chunk_size=...)`, ideally over `values()`),
never a list.

One sheet holds at most settings.EXPORT_MAX_ROWS data rows. When there are more,
the last row of the sheet is a note saying only the first N rows are there (so the
sheet holds N = EXPORT_MAX_ROWS - 1 data rows), and the result says it was cut.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import xlsxwriter
from django.conf import settings
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _

# What Excel, LibreOffice and Google Sheets treat as the start of a formula (or, for tab
# and CR, what they strip before looking for one). OWASP's CSV-injection guidance.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_cell(value: Any) -> Any:
    """The value as it should land in a cell: text a spreadsheet would execute is neutralised.

    Only text is escaped: a number stays a number (-5 is a negative number, not a formula),
    while the text "-5" or "=1+1" gets a leading apostrophe so that neither the sheet nor a
    CSV saved from it evaluates it. Aware datetimes are shown in local time.
    """
    if isinstance(value, str):
        if value.startswith(FORMULA_PREFIXES):
            return "'" + value
        return value
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


@dataclass(frozen=True)
class ExportResult:
    rows: int  # data rows written, the note row excluded
    truncated: bool


def export_xlsx(
    path: str, columns: Sequence[Column], rows: Iterable[Any], *, sheet_name: str = "Sheet1"
) -> ExportResult:
    """Write rows to `path` with a header row; see the module docstring for the row cap."""
    workbook = xlsxwriter.Workbook(
        path,
        {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False},
    )
    sheet = workbook.add_worksheet(sheet_name[:31])
    bold = workbook.add_format({"bold": True, "bg_color": "#F2F2F2"})
    date_fmt = workbook.add_format({"num_format": "yyyy-mm-dd"})
    time_fmt = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    note_fmt = workbook.add_format({"bold": True, "font_color": "#C00000"})
    for c, col in enumerate(columns):
        sheet.set_column(c, c, col.width)
        sheet.write_string(0, c, str(col.header), bold)
    getters = [(c, col.value) for c, col in enumerate(columns)]
    write_string = sheet.write_string
    write_number = sheet.write_number
    write_datetime = sheet.write_datetime
    limit = max(int(settings.EXPORT_MAX_ROWS), 1)
    written = 0
    truncated = False
    held: Any = None
    iterator = iter(rows)
    for row in iterator:
        if written == limit - 1:
            # The last row of the sheet: a data row if nothing follows it, else the note.
            held = row
            break
        r = written + 1
        for c, get in getters:
            value = get(row)
            # Checked in order of frequency; bool before int because bool is an int.
            if isinstance(value, str):
                if value:
                    write_string(r, c, "'" + value if value.startswith(FORMULA_PREFIXES) else value)
            elif value is None:
                continue
            elif isinstance(value, dt.datetime):
                write_datetime(r, c, safe_cell(value), time_fmt)
            elif isinstance(value, dt.date):
                write_datetime(r, c, value, date_fmt)
            elif isinstance(value, bool):
                sheet.write_boolean(r, c, value)
            elif isinstance(value, int | float | Decimal):
                write_number(r, c, value)
            else:
                write_string(r, c, str(safe_cell(str(value))))
        written += 1
    if held is not None:
        if next(iterator, None) is None:
            # Exactly `limit` rows: the held one fits.
            _write_plain_row(sheet, written + 1, [get(held) for _c, get in getters], date_fmt, time_fmt)
            written += 1
        else:
            truncated = True
            note = _("Only the first %(n)s are shown.") % {"n": f"{written:,}"}
            sheet.write_string(written + 1, 0, note, note_fmt)
    sheet.freeze_panes(1, 0)
    workbook.close()
    return ExportResult(rows=written, truncated=truncated)


def _write_plain_row(sheet: Any, r: int, values: list[Any], date_fmt: Any, time_fmt: Any) -> None:
    for c, raw in enumerate(values):
        value = safe_cell(raw)
        if isinstance(value, dt.datetime):
            sheet.write_datetime(r, c, value, time_fmt)
        elif isinstance(value, dt.date):
            sheet.write_datetime(r, c, value, date_fmt)
        elif isinstance(value, bool):
            sheet.write_boolean(r, c, value)
        elif isinstance(value, int | float | Decimal):
            sheet.write_number(r, c, value)
        elif value != "":
            sheet.write_string(r, c, str(value))


def write_xlsx(path: str, columns: Sequence[Column], rows: Iterable[Any], *, sheet_name: str = "Sheet1") -> int:
    """Write rows to `path`; returns how many data rows were written (capped at one sheet)."""
    return export_xlsx(path, columns, rows, sheet_name=sheet_name).rows


def xlsx_response(columns: Sequence[Column], rows: Iterable[Any], *, filename: str) -> tuple[FileResponse, int]:
    """Build the file and a response streaming it; the temp file is removed once closed.

    The response carries `X-Export-Truncated: 1` when the rows did not fit on one sheet.
    """
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=True)  # noqa: SIM115 - closed by FileResponse
    try:
        result = export_xlsx(handle.name, columns, rows)
    except BaseException:
        handle.close()
        raise
    handle.seek(0)
    stamped = f"{filename}-{timezone.localtime():%Y%m%d-%H%M}.xlsx"
    response = FileResponse(handle, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename=\"export.xlsx\"; filename*=UTF-8''{quote(stamped)}"
    if result.truncated:
        response["X-Export-Truncated"] = "1"
    return response, result.rows
