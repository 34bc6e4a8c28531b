"""Reading uploaded spreadsheets row by row, and refusing files that are not what they claim.

Cells come out as text: whole floats lose their ".0", dates become ISO dates,
empty cells are "". Rows are yielded one at a time so a job never holds a
sheet as Python objects (calamine keeps its own compact copy in Rust).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import python_calamine
from django.utils.translation import gettext as _

MAX_COLUMNS = 200
MAX_ROWS = 1_048_576  # Excel's own limit; a CSV with more is refused too
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

    def rows(self, start: int = 0) -> Iterator[tuple[int, list[str]]]:
        """(0-based row index, cells as text) from `start` on, each row at most MAX_COLUMNS wide."""
        if self.fmt == "csv":
            yield from self._csv_rows(start)
            return
        workbook = _open_workbook(self.path)
        sheet = workbook.get_sheet_by_name(self.name)
        for index, raw in enumerate(sheet.iter_rows()):
            if index < start:
                continue
            row = [cell_text(v) for v in raw[:MAX_COLUMNS]]
            while row and row[-1] == "":
                row.pop()
            yield index, row

    def _csv_rows(self, start: int) -> Iterator[tuple[int, list[str]]]:
        encoding = csv_encoding(self.path)
        with self.path.open(encoding=encoding, newline="") as fh:
            for index, raw in enumerate(csv.reader(fh)):
                if index < start:
                    continue
                row = [v.strip() for v in raw[:MAX_COLUMNS]]
                while row and row[-1] == "":
                    row.pop()
                yield index, row


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
        with path.open(encoding=encoding, newline="") as fh:
            for raw in csv.reader(fh):
                total += 1
                width = max(width, len(raw))
                if total > MAX_ROWS:
                    raise ImportFileError(
                        _("The file has more than %(n)s rows; split it into smaller files.") % {"n": f"{MAX_ROWS:,}"}
                    )
        if total == 0:
            raise ImportFileError(_("The file contains no rows."))
        return Sheet(path, fmt, ["CSV"], "CSV", total, width > MAX_COLUMNS, min(width, MAX_COLUMNS))
    workbook = _open_workbook(path)
    names = list(workbook.sheet_names)
    if sheet_name is not None and sheet_name not in names:
        raise ImportFileError(_("The workbook has no sheet named %(name)s.") % {"name": sheet_name})
    chosen = sheet_name
    height = width = 0
    for name in [sheet_name] if sheet_name else names:
        try:
            sheet = workbook.get_sheet_by_name(name)
        except Exception:
            raise ImportFileError(_("The workbook cannot be read; it may be damaged.")) from None
        height, width = sheet.height, sheet.width
        if height and width:
            chosen = name
            break
    if not chosen or not height:
        raise ImportFileError(_("The workbook contains no rows."))
    if height > MAX_ROWS:
        raise ImportFileError(
            _("The sheet has more than %(n)s rows; split it into smaller files.") % {"n": f"{MAX_ROWS:,}"}
        )
    result = Sheet(path, fmt, names, chosen, height, too_wide=width > MAX_COLUMNS, width=min(width, MAX_COLUMNS))
    if fmt == "xlsx":
        result.formula_blanks = _formula_blanks(path, names.index(chosen))
    return result


_CELL_REF = re.compile(r"^([A-Z]+)(\d+)$")


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def _formula_blanks(path: Path, sheet_index: int) -> set[tuple[int, int]]:
    """Formula cells saved without a computed value (files written by programs, never opened in Excel).

    calamine reads such a cell as empty; the row must not silently lose the field.
    Only sheets that contain formulas at all are parsed a second time.
    """
    with zipfile.ZipFile(path) as archive:
        member = _sheet_member(archive, sheet_index)
        if member is None:
            return set()
        with archive.open(member) as fh:
            found = False
            tail = b""
            while block := fh.read(1024 * 1024):
                if b"<f" in tail + block or b":f>" in tail + block or b"<x:f" in tail + block:
                    found = True
                    break
                tail = block[-8:]
        if not found:
            return set()
        blanks: set[tuple[int, int]] = set()
        with archive.open(member) as fh:
            buffer = b""
            while True:
                block = fh.read(1024 * 1024)
                buffer += block
                cut = len(buffer) if not block else buffer.rfind(b"</row>") + len(b"</row>")
                if cut <= 0 and block:
                    continue
                for attrs, body in _CELL.findall(buffer[:cut]):
                    if _FORMULA.search(body) and not _VALUE.search(body):
                        ref = _REF.search(attrs)
                        match = _CELL_REF.match(ref.group(1).decode()) if ref else None
                        if match:
                            blanks.add((int(match.group(2)) - 1, _col_index(match.group(1))))
                buffer = buffer[cut:]
                if not block:
                    break
        return blanks


# Regular expressions rather than an XML parser: untrusted XML, and only cells matter.
_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_FORMULA = re.compile(rb"<(?:\w+:)?f\b")
_VALUE = re.compile(rb"<(?:\w+:)?v\b[^>]*>\s*[^<\s]|<(?:\w+:)?is\b")
_REF = re.compile(rb'\br="([A-Z]+\d+)"')


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
