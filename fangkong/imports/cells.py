"""Bounding what one row and one cell of an uploaded workbook may hold, before anything reads it.

A zip archive's ratio check cannot see a workbook that compresses like a real one (70x) but
holds one cell of a gigabyte: calamine and openpyxl would each build that cell in memory,
and the scanner that measures the sheet would buffer it whole. So the sheet's XML (and the
shared strings, where Excel keeps a cell's text) is streamed in blocks and cut where an
element starts (`<row`, `<si`): no stretch from one such start to the next may exceed
IMPORT_MAX_ROW_XML_BYTES, and no cell's text may exceed IMPORT_MAX_CELL_CHARS (Excel's own
limit is 32,767). The buffer therefore never holds more than a row and a block.

The element starts are found with byte searches, not a parser: cell text cannot contain "<"
(it is written &lt;), so a `<row` is always a tag. CDATA sections, which could hide one, are
never written by Excel and are refused, as is a DOCTYPE (entity expansion).
"""

from __future__ import annotations

import html
import re
import zipfile
from collections.abc import Iterator
from typing import IO

from django.conf import settings
from django.utils.translation import gettext as _

BLOCK_BYTES = 4 * 1024 * 1024

_SHEET_DATA = re.compile(rb"<(\w+:)?sheetData\b")
_SST = re.compile(rb"<(\w+:)?sst\b")
_FORBIDDEN = (b"<![CDATA[", b"<!DOCTYPE", b"<!ENTITY")
_ROW_NUMBER = re.compile(rb'<(?:\w+:)?row\b[^>]*?\br="(\d+)"')
_CELL_BODY = re.compile(rb"<(?:\w+:)?c\b[^>]*?(?<!/)>(.*?)</(?:\w+:)?c>", re.S)
_TEXT = re.compile(rb"<(?:\w+:)?(?:t|v)\b[^>]*>([^<]*)</(?:\w+:)?(?:t|v)>")
_PHONETIC = re.compile(rb"<(?:\w+:)?rPh\b.*?</(?:\w+:)?rPh>", re.S)


class CellLimitError(Exception):
    """A row or cell beyond the limits; readers turn it into their ImportFileError."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def max_row_bytes() -> int:
    return int(settings.IMPORT_MAX_ROW_XML_BYTES)


def max_cell_chars() -> int:
    return int(settings.IMPORT_MAX_CELL_CHARS)


def text_chars(xml: bytes) -> int:
    """Characters of the text a cell or shared-string XML holds (phonetic guides left out)."""
    xml = _PHONETIC.sub(b"", xml)
    return sum(len(html.unescape(part.decode("utf-8", "replace"))) for part in _TEXT.findall(xml))


def long_spans(data: bytes, marker: bytes, limit: int) -> Iterator[tuple[int, int]]:
    """(start, end) of each stretch of `data` longer than `limit` bytes.

    Stretches run from one marker (or the start of `data`) to the next (or the end). Probing
    every `limit // 2` bytes finds each long one with a few searches per block instead of one
    per row: a stretch longer than `limit` always holds a whole probe window with no marker.
    """
    step = max(limit // 2, 1)
    n = len(data)
    probe = 0
    while probe < n:
        window_end = min(probe + step, n)
        if window_end < n and data.find(marker, probe, window_end + len(marker) - 1) >= 0:
            probe = window_end
            continue
        # No marker in the window (the stretch around it is long), or the last window.
        begin = max(data.rfind(marker, 0, probe + len(marker)), 0)
        while True:
            end = data.find(marker, begin + 1)
            end = n if end < 0 else end
            if end - begin > limit:
                yield begin, end
            if end >= window_end:
                break
            begin = end
        probe = end


def _row_too_large(span: bytes, row_guess: int) -> CellLimitError:
    number = _ROW_NUMBER.match(span)
    row = int(number.group(1)) if number else row_guess
    return CellLimitError(
        _("Row %(row)s of the sheet holds more than %(mb)s MB of data; the file was refused.")
        % {"row": f"{row:,}", "mb": f"{max_row_bytes() / 1024**2:g}"}
    )


def _cell_too_long(row: int | None) -> CellLimitError:
    if row is None:
        return CellLimitError(
            _("A cell of the workbook holds more than %(n)s characters; the file was refused.")
            % {"n": f"{max_cell_chars():,}"}
        )
    return CellLimitError(
        _("A cell in row %(row)s holds more than %(n)s characters; the file was refused.")
        % {"row": f"{row:,}", "n": f"{max_cell_chars():,}"}
    )


def _check_forbidden(buffer: bytes) -> None:
    if any(token in buffer for token in _FORBIDDEN):
        raise CellLimitError(_("The workbook holds XML that Excel does not write (CDATA or DOCTYPE); it was refused."))


def _check_piece(piece: bytes, marker: bytes, *, rows_before: int, shared: bool) -> None:
    row_limit = max_row_bytes()
    chars = max_cell_chars()
    # A stretch up to `chars` bytes cannot hold `chars` characters; only longer ones are read.
    for begin, end in long_spans(piece, marker, min(chars, row_limit)):
        span = piece[begin:end]
        row = rows_before + piece.count(marker, 0, begin) + 1
        if end - begin > row_limit:
            if shared:
                raise _cell_too_long(None)
            raise _row_too_large(span, row)
        if shared:
            if text_chars(span) > chars:
                raise _cell_too_long(None)
            continue
        for body in _CELL_BODY.findall(span):
            if len(body) > chars and text_chars(body) > chars:
                number = _ROW_NUMBER.match(span)
                raise _cell_too_long(int(number.group(1)) if number else row)


def bounded_pieces(fh: IO[bytes], *, shared: bool = False) -> Iterator[bytes]:
    """The XML of a worksheet (or of the shared strings) in pieces cut just before a row (<si>) starts.

    Raises CellLimitError as soon as a row, a shared string or a cell is over the limits, or
    when the part holds CDATA or a DOCTYPE. Pieces hold whole rows only, so counting tags in
    them never splits one.
    """
    container = _SST if shared else _SHEET_DATA
    tag = b"si" if shared else b"row"
    limit = max_row_bytes()
    buffer = b""
    marker: bytes | None = None
    rows = 0
    while True:
        block = fh.read(BLOCK_BYTES)
        buffer += block
        _check_forbidden(buffer)
        if marker is None:
            found = container.search(buffer)
            if found is None:
                if len(buffer) > limit:
                    raise _row_too_large(b"", 1)
                if block:
                    continue
                yield buffer
                return
            marker = b"<" + (found.group(1) or b"") + tag
        cut = buffer.rfind(marker) if block else len(buffer)
        if not block and not buffer:
            return
        if cut <= 0:
            if len(buffer) > limit:
                raise _row_too_large(buffer, rows + 1)
            continue
        piece, buffer = buffer[:cut], buffer[cut:]
        _check_piece(piece, marker, rows_before=rows, shared=shared)
        rows += piece.count(marker)
        if len(buffer) > limit:
            raise _cell_too_long(None) if shared else _row_too_large(buffer, rows + 1)
        yield piece
        if not block:
            return


def check_shared_strings(archive: zipfile.ZipFile) -> None:
    """Stream every shared-strings part of the workbook through the cell limits."""
    names = {info.filename for info in archive.infolist() if info.filename.lower().endswith("sharedstrings.xml")}
    try:
        rels = archive.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        rels = b""
    for rel in re.finditer(rb"<(?:\w+:)?Relationship\b[^>]*>", rels):
        if b"/sharedStrings" in rel.group(0):
            target = re.search(rb'Target="([^"]+)"', rel.group(0))
            if target:
                value = target.group(1).decode("utf-8", "replace")
                names.add(value.lstrip("/") if value.startswith("/") else f"xl/{value}")
    names &= set(archive.namelist())
    for name in sorted(names):
        with archive.open(name) as fh:
            for _piece in bounded_pieces(fh, shared=True):
                pass
