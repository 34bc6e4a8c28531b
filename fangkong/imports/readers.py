"""Reading uploaded spreadsheets row by row, and refusing files that are not what they claim.

Cells come out as text: whole floats lose their ".0", dates become ISO dates,
empty cells are "". Rows are yielded one at a time so a job never holds a
sheet as Python objects. Row and column indexes are absolute (row 0 is Excel's
row 1, column 0 is column A), whichever reader produced them.

An .xlsx is opened without loading it: one pass over the compressed sheet counts
rows and columns and finds formula cells without values. Its rows then come from
python-calamine, which is fast but holds the whole sheet in memory (about 1 KB a
row), or, above STREAM_ABOVE_BYTES of sheet XML, from openpyxl's read-only
reader, which is slower but streams. A preview reads only the first rows, with
the streaming reader, so it costs the same for any size of file.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import queue
import re
import threading
import time
import zipfile
import zlib
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import python_calamine
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from fangkong.imports.cells import CellLimitError, bounded_pieces, check_shared_strings, max_cell_chars

MAX_COLUMNS = 200
MAX_ROWS = 1_048_576  # Excel's own limit; a CSV with more is refused too
# Formula cells without a cached value are reported row by row; a sheet full of them was never
# calculated, and one message for the file says more than thousands of row reasons.
MAX_FORMULA_BLANKS = 10_000
# A real workbook compresses 5-20x; far beyond that the archive is built to explode.
MAX_ZIP_RATIO = 200
MAX_ZIP_UNCOMPRESSED = 2 * 1024**3
ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
EXTENSIONS = (".xlsx", ".xls", ".csv")
CSV_ENCODINGS = ("utf-8-sig", "gb18030")


class ImportFileError(Exception):
    """A file that cannot be imported, with a message a clerk understands."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def file_format(path: Path, original_name: str) -> str:
    """Check the file is a spreadsheet of a supported kind; return "xlsx", "xls" or "csv"."""
    ext = Path(original_name).suffix.lower()
    if ext not in EXTENSIONS:
        raise ImportFileError(
            _("Only .xlsx, .xls and .csv files can be imported; this file is %(ext)s.") % {"ext": ext or "?"}
        )
    size = path.stat().st_size
    if size == 0:
        raise ImportFileError(_("The file is empty (0 bytes)."))
    with path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(ZIP_MAGIC):
        _check_zip(path)
        return "xlsx"
    if head == OLE2_MAGIC:
        _check_ole2(path, ext)
        return "xls"
    if ext != ".csv":
        raise ImportFileError(_("The file is not a spreadsheet, although its name ends in %(ext)s.") % {"ext": ext})
    _check_csv(path)
    return "csv"


def _check_zip(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        raise ImportFileError(_("The file is damaged: it is not a readable Excel workbook.")) from None
    total = 0
    for info in infos:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if total > MAX_ZIP_UNCOMPRESSED or (info.file_size > 10 * 1024**2 and ratio > MAX_ZIP_RATIO):
            raise ImportFileError(
                _("The file unpacks to far more data than a spreadsheet holds (a zip bomb?); it was refused.")
            )
    names = {info.filename for info in infos}
    if "[Content_Types].xml" not in names or not any(name.startswith("xl/") for name in names):
        raise ImportFileError(_("The file is a zip archive, not an Excel workbook."))


def _check_ole2(path: Path, ext: str) -> None:
    encrypted = _("The workbook is password-protected or encrypted; save it without a password and upload again.")
    if ext == ".xlsx":
        # An encrypted .xlsx is stored inside an OLE2 container.
        raise ImportFileError(encrypted)
    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
        if not workbook.sheet_names:
            raise ImportFileError(encrypted)
        workbook.get_sheet_by_index(0)
    except ImportFileError:
        raise
    except Exception:
        raise ImportFileError(encrypted) from None


def _check_csv(path: Path) -> None:
    with path.open("rb") as fh:
        head = fh.read(64 * 1024)
    if b"\x00" in head:
        raise ImportFileError(_("The file is not a spreadsheet or text file (it contains binary data)."))
    if not head.strip(b" \t\r\n\xef\xbb\xbf"):
        raise ImportFileError(_("The file contains no rows."))
    csv_encoding(path)


def csv_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM), else GB18030, which covers GBK and GB2312."""
    for encoding in CSV_ENCODINGS:
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with path.open("rb") as fh:
                while block := fh.read(1024 * 1024):
                    decoder.decode(block)
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    raise ImportFileError(
        _("The file's text encoding is neither UTF-8 nor GBK/GB18030; save it as UTF-8 CSV or as .xlsx.")
    )


def cell_text(value: object) -> str:
    if type(value) is str:  # most cells, so tested first
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    return str(value).strip()


@dataclass
class Sheet:
    """One sheet opened for reading; `rows()` may be called again to re-read it from the top."""

    path: Path
    fmt: str
    sheets: list[str]
    name: str
    total_rows: int | None
    too_wide: bool = False
    width: int = 0
    # (row index, column index) of formula cells that have no cached value.
    formula_blanks: set[tuple[int, int]] = field(default_factory=set)
    # Uncompressed size of an .xlsx sheet's XML: decides which reader `rows()` uses.
    xml_bytes: int = 0

    def facts(self) -> dict[str, Any]:
        return {
            "sheets": self.sheets,
            "name": self.name,
            "rows": self.total_rows,
            "width": self.width,
            "too_wide": self.too_wide,
            "xml_bytes": self.xml_bytes,
            "formula_blanks": sorted(self.formula_blanks),
        }

    @classmethod
    def from_facts(cls, path: Path, fmt: str, facts: dict[str, Any]) -> Sheet:
        return cls(
            path,
            fmt,
            facts["sheets"],
            facts["name"],
            facts["rows"],
            too_wide=facts["too_wide"],
            width=facts["width"],
            formula_blanks={(r, c) for r, c in facts["formula_blanks"]},
            xml_bytes=facts["xml_bytes"],
        )

    @property
    def streamed(self) -> bool:
        return self.fmt == "xlsx" and self.xml_bytes > settings.IMPORT_STREAM_ABOVE_BYTES

    def rows(self, start: int = 0) -> Iterator[tuple[int, list[str]]]:
        """(0-based row index, cells as text) from `start` on, each row at most MAX_COLUMNS wide."""
        if self.fmt == "csv":
            raw_rows: Iterator[list[object]] = self._csv_rows()
        elif self.streamed:
            raw_rows = _openpyxl_rows(self.path, self.name)
        else:
            raw_rows = _calamine_rows(self.path, self.name)
        yield from _text_rows(raw_rows, start)

    def head(self, n: int) -> list[list[str]]:
        """The first n rows, read without loading the rest of the sheet."""
        raw_rows = _openpyxl_rows(self.path, self.name) if self.fmt == "xlsx" else None
        out: list[list[str]] = []
        for _index, cells in _text_rows(raw_rows, 0) if raw_rows is not None else self.rows():
            out.append(cells)
            if len(out) >= n:
                break
        return out

    def _csv_rows(self) -> Iterator[list[object]]:
        encoding = csv_encoding(self.path)
        with self.path.open(encoding=encoding, newline="") as fh:
            yield from csv.reader(fh)


def _text_rows(raw_rows: Iterator[Any], start: int) -> Iterator[tuple[int, list[str]]]:
    for index, raw in enumerate(raw_rows):
        if index < start:
            continue
        # Most cells are text: stripped in line, without a call per cell.
        row = [v.strip() if type(v) is str else cell_text(v) for v in raw[:MAX_COLUMNS]]
        while row and row[-1] == "":
            row.pop()
        yield index, row


def _calamine_rows(path: Path, name: str) -> Iterator[Any]:
    try:
        sheet = _open_workbook(path).get_sheet_by_name(name)
    except ImportFileError:
        raise
    except Exception:
        raise ImportFileError(_("The workbook cannot be read; it may be damaged.")) from None
    # calamine starts rows at row 1 but columns at the first used one; make them absolute.
    pad = [""] * (sheet.start[1] if sheet.start else 0)
    for raw in sheet.iter_rows():
        yield [*pad, *raw] if pad else raw


def _openpyxl_rows(path: Path, name: str) -> Iterator[Any]:
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception:
        raise ImportFileError(_("The workbook cannot be read; it may be damaged.")) from None
    try:
        sheet = workbook[name]
        # The stored dimension may be wrong (some programs write A1); read what is there.
        sheet.reset_dimensions()
        yield from sheet.iter_rows(values_only=True)
    except ImportFileError:
        raise
    except Exception:
        raise ImportFileError(_("The workbook cannot be read; it may be damaged.")) from None
    finally:
        workbook.close()


def _open_workbook(path: Path) -> python_calamine.CalamineWorkbook:
    try:
        return python_calamine.CalamineWorkbook.from_path(str(path))
    except Exception:
        raise ImportFileError(_("The workbook cannot be read; it may be damaged.")) from None


def sheet_names(path: Path, fmt: str) -> list[str]:
    if fmt == "csv":
        return ["CSV"]
    return list(_open_workbook(path).sheet_names)


def open_sheet(path: Path, fmt: str, sheet_name: str | None = None) -> Sheet:
    """Open a sheet (by default the first with data), counting rows and checking the limits."""
    if fmt == "csv":
        total = width = 0
        encoding = csv_encoding(path)
        chars = max_cell_chars()
        with path.open(encoding=encoding, newline="") as fh:
            try:
                for raw in csv.reader(fh):
                    total += 1
                    width = max(width, len(raw))
                    if total > MAX_ROWS:
                        raise _too_many_rows()
                    if raw and len(max(raw, key=len)) > chars:
                        raise _csv_cell_too_long(total)
            except csv.Error:
                # The csv module's own field limit (131,072 characters) or a NUL byte.
                raise _csv_cell_too_long(total + 1) from None
        if total == 0:
            raise ImportFileError(_("The file contains no rows."))
        return Sheet(path, fmt, ["CSV"], "CSV", total, width > MAX_COLUMNS, min(width, MAX_COLUMNS))
    if fmt == "xlsx":
        _check_shared_strings(path)  # before calamine opens the workbook: it loads them all
    workbook = _open_workbook(path)
    names = list(workbook.sheet_names)
    if sheet_name is not None and sheet_name not in names:
        raise ImportFileError(_("The workbook has no sheet named %(name)s.") % {"name": sheet_name})
    for name in [sheet_name] if sheet_name else names:
        scan = _scan_xlsx(path, names.index(name)) if fmt == "xlsx" else _measure_with_calamine(workbook, name)
        if scan.height and scan.width:
            break
    if not scan.height or not scan.width:
        raise ImportFileError(_("The workbook contains no rows."))
    if len(scan.formula_blanks) > MAX_FORMULA_BLANKS:
        raise ImportFileError(
            _(
                "The sheet has %(n)s formula cells without computed values; open the file in Excel, "
                "save it, and upload it again."
            )
            % {"n": f"{len(scan.formula_blanks):,}"}
        )
    return Sheet(
        path,
        fmt,
        names,
        name,
        scan.height,
        too_wide=scan.width > MAX_COLUMNS,
        width=min(scan.width, MAX_COLUMNS),
        formula_blanks=scan.formula_blanks,
        xml_bytes=scan.xml_bytes,
    )


def _check_shared_strings(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            check_shared_strings(archive)
    except CellLimitError as exc:
        raise ImportFileError(exc.message) from None
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error):
        raise ImportFileError(_("The file is damaged: it is not a readable Excel workbook.")) from None


def _csv_cell_too_long(row: int) -> ImportFileError:
    return ImportFileError(
        _("A cell in row %(row)s holds more than %(n)s characters; the file was refused.")
        % {"row": f"{row:,}", "n": f"{max_cell_chars():,}"}
    )


def _too_many_rows() -> ImportFileError:
    return ImportFileError(
        _("The sheet has more than %(n)s rows; split it into smaller files.") % {"n": f"{MAX_ROWS:,}"}
    )


@dataclass
class SheetScan:
    height: int = 0  # rows up to the last one with a cell, as Excel numbers them
    width: int = 0  # columns up to the last one with a cell
    formula_blanks: set[tuple[int, int]] = field(default_factory=set)
    xml_bytes: int = 0


def _measure_with_calamine(workbook: python_calamine.CalamineWorkbook, name: str) -> SheetScan:
    """An .xls sheet (at most 65,536 rows): calamine loads it whole to measure it."""
    try:
        sheet = workbook.get_sheet_by_name(name)
    except Exception:
        raise ImportFileError(_("The workbook cannot be read; it may be damaged.")) from None
    if not sheet.height or sheet.start is None or sheet.end is None:
        return SheetScan()
    return SheetScan(height=sheet.end[0] + 1, width=sheet.end[1] + 1)


def _col_index(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n - 1


def _scan_xlsx(path: Path, sheet_index: int) -> SheetScan:
    """Measure a sheet in one streaming pass over its XML, without parsing it into cells.

    Rows are counted with plain byte searches; the width comes from the sheet's
    <dimension> and its first rows (a full per-cell scan would cost as much as
    reading the sheet). The pass also finds formula cells saved without a
    computed value (files written by programs, never opened in Excel): the
    readers see such a cell as empty, and the row must not silently lose it.
    """
    scan = SheetScan()
    with zipfile.ZipFile(path) as archive:
        member = _sheet_member(archive, sheet_index)
        if member is None:
            return scan
        scan.xml_bytes = archive.getinfo(member).file_size
        rows_seen = 0
        max_col = -1
        prefix: bytes | None = None
        try:
            with archive.open(member) as fh:
                first = True
                for piece in bounded_pieces(fh):
                    if prefix is None:
                        found = _SHEET_DATA.search(piece)
                        prefix = (found.group(1) or b"") if found else b""
                        dimension = _DIMENSION.search(piece)
                        if dimension:
                            max_col = _col_index(dimension.group(2) or dimension.group(1))
                    row_open = b"<" + prefix + b"row"
                    rows_seen += piece.count(row_open + b" ") + piece.count(row_open + b">")
                    last = piece.rfind(row_open + b" ")
                    if last >= 0:
                        number = _ROW_NUMBER.match(piece, last)
                        if number:
                            scan.height = max(scan.height, int(number.group(1)))
                    if first and rows_seen:
                        # The first piece holding rows (the one before may be the sheet's head alone).
                        first = False
                        for letters in _CELL_COLUMN.findall(piece[: 256 * 1024]):
                            max_col = max(max_col, _col_index(letters))
                        if max_col < 0 and _ANY_CELL.search(piece):
                            max_col = 0
                    if b"<" + prefix + b"f" in piece:
                        scan.formula_blanks |= _blank_formulas(piece)
                    if scan.height > MAX_ROWS or rows_seen > MAX_ROWS:
                        raise _too_many_rows()
        except CellLimitError as exc:
            raise ImportFileError(exc.message) from None
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error):
            raise ImportFileError(_("The file is damaged: it is not a readable Excel workbook.")) from None
    if rows_seen == 0 or max_col < 0:
        return SheetScan(xml_bytes=scan.xml_bytes)
    scan.height = max(scan.height, rows_seen)
    scan.width = max_col + 1
    return scan


def _blank_formulas(piece: bytes) -> set[tuple[int, int]]:
    blanks: set[tuple[int, int]] = set()
    for attrs, body in _CELL.findall(piece):
        if _FORMULA.search(body) and not _VALUE.search(body):
            ref = _REF.search(attrs)
            if ref:
                blanks.add((int(ref.group(2)) - 1, _col_index(ref.group(1))))
    return blanks


# Regular expressions rather than an XML parser: untrusted XML, and only a few facts matter.
_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_FORMULA = re.compile(rb"<(?:\w+:)?f\b")
_VALUE = re.compile(rb"<(?:\w+:)?v\b[^>]*>\s*[^<\s]|<(?:\w+:)?is\b")
_REF = re.compile(rb'\br="([A-Z]+)(\d+)"')
_SHEET_DATA = re.compile(rb"<(\w+:)?sheetData\b")
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\b[^>]*?\bref="([A-Z]+)\d+(?::([A-Z]+)\d+)?"')
_ROW_NUMBER = re.compile(rb'<(?:\w+:)?row\b[^>]*?\br="(\d+)"')
_CELL_COLUMN = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,3})\d')
_ANY_CELL = re.compile(rb"<(?:\w+:)?c[\s>/]")


def _sheet_member(archive: zipfile.ZipFile, sheet_index: int) -> str | None:
    """The worksheet part of the n-th sheet, following the workbook's relationships."""
    try:
        workbook_xml = archive.read("xl/workbook.xml")
        rels_xml = archive.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        return None
    rids = re.findall(rb"<(?:\w+:)?sheet\b[^>]*?\br:id=\"([^\"]+)\"", workbook_xml)
    if sheet_index >= len(rids):
        return None
    rid = rids[sheet_index].decode()
    for rel in re.finditer(rb"<Relationship\b[^>]*>", rels_xml):
        text = rel.group(0).decode()
        if f'Id="{rid}"' in text:
            target = re.search(r'Target="([^"]+)"', text)
            if target:
                value = target.group(1)
                return value.lstrip("/") if value.startswith("/") else f"xl/{value}"
    return None


# --- reading ahead in a thread -------------------------------------------------------------

READ_AHEAD_BATCH = 2_000
READ_AHEAD_DEPTH = 8
YIELD_EVERY = 32
_DONE = object()


def read_ahead(
    items: Iterator[Any],
    transform: Callable[[Any], Any] = lambda item: item,
    *,
    batch: int = READ_AHEAD_BATCH,
    depth: int = READ_AHEAD_DEPTH,
) -> Generator[Any, None, None]:
    """`transform(item)` for every item of `items`, computed by a thread that runs ahead of the caller.

    An import spends about as long waiting for the database as reading and checking rows;
    a thread reading ahead does the one while the caller waits for the other (calamine
    loads a sheet without holding the GIL, and psycopg waits without it). The thread
    must not touch the database: its connection would be another one. It runs under
    the caller's language, so its messages read the same. An exception in the thread
    is raised in the caller at the item where it happened; a caller that stops early
    (or fails) stops the thread within a batch.
    """
    language = translation.get_language()
    pending: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(message: Any) -> bool:
        while not stop.is_set():
            try:
                pending.put(message, timeout=0.1)
            except queue.Full:
                continue
            return True
        return False

    def produce() -> None:
        with translation.override(language):
            try:
                out: list[Any] = []
                for item in items:
                    out.append(transform(item))
                    if not len(out) % YIELD_EVERY:
                        # Hand the GIL to the caller if it is back from the database: without this
                        # it waits a whole switch interval (5 ms) at every return from a query.
                        time.sleep(0)
                    if len(out) >= batch:
                        if not put(out):
                            return
                        out = []
                if out and not put(out):
                    return
                put(_DONE)
            except BaseException as exc:  # handed to the caller, who raises it
                put(exc)

    thread = threading.Thread(target=produce, name="import-read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            message = pending.get()
            if message is _DONE:
                return
            if isinstance(message, BaseException):
                raise message
            yield from message
    finally:
        stop.set()
        thread.join()
