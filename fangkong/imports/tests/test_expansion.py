"""A workbook that compresses like a real one but holds a giant row or cell is refused before it is read.

The files are built here: small ones over lowered limits, and one with a 48 MB cell under the
default limits, whose refusal must cost the worker a bounded amount of memory.
"""

from __future__ import annotations

import os
import tracemalloc
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest

from fangkong.imports import cells, services
from fangkong.imports.models import ImportJob
from fangkong.imports.readers import ImportFileError, file_format, open_sheet
from fangkong.imports.tests.files import (
    POPULATION_HEADERS,
    media_in_tmp,  # noqa: F401
    population_rows,
    write_csv,
)
from fangkong.people.models import Person

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="名单" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
SHEET_TAIL = "</sheetData></worksheet>"


def _column(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _row_xml(number: int, values: Sequence[str]) -> str:
    cells_xml = "".join(
        f'<c r="{_column(i)}{number}" t="inlineStr"><is><t>{escape(v)}</t></is></c>' for i, v in enumerate(values)
    )
    return f'<row r="{number}">{cells_xml}</row>'


def inline_xlsx(path: Path, rows: Sequence[Sequence[str]], *, sheet_xml: str | None = None) -> Path:
    """A workbook whose cells are inline strings (as some programs write them), so a cell lives in the sheet."""
    body = "".join(_row_xml(n, row) for n, row in enumerate(rows, start=1))
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet_xml or SHEET_HEAD + body + SHEET_TAIL)
    return path


def refused(world: Any, path: Path) -> str:
    persons = Person.objects.count()
    with pytest.raises(ImportFileError) as info:
        services.create_job(actor=world.hq, upload=path, kind="population", target_place=world.A.community)
    assert ImportJob.objects.count() == 0
    assert Person.objects.count() == persons
    return info.value.message


def accepted(world: Any, path: Path) -> ImportJob:
    return services.create_job(actor=world.hq, upload=path, kind="population", target_place=world.A.community)


def _rows_with(cell: str) -> list[list[str]]:
    rows = [POPULATION_HEADERS, *[[str(v) for v in row] for row in population_rows(3)]]
    rows[2] = [*rows[2][:3], cell, *rows[2][4:]]
    return rows


@pytest.fixture
def small_limits(settings: Any) -> Any:
    settings.IMPORT_MAX_CELL_CHARS = 1_000
    settings.IMPORT_MAX_ROW_XML_BYTES = 64 * 1024
    return settings


def test_inline_cell_over_the_character_limit_is_refused_with_its_row(
    world: Any, tmp_path: Path, small_limits: Any
) -> None:
    path = inline_xlsx(tmp_path / "long.xlsx", _rows_with("路" * 1_001))
    message = refused(world, path)
    assert "row 3" in message
    assert "1,000 characters" in message


def test_cell_at_the_character_limit_is_accepted(world: Any, tmp_path: Path, small_limits: Any) -> None:
    # 1,000 Chinese characters are 3,000 bytes of XML: the limit counts characters, not bytes.
    job = accepted(world, inline_xlsx(tmp_path / "full.xlsx", _rows_with("路" * 1_000)))
    assert job.rows_total == 4


def test_cell_split_into_many_escaped_runs_is_counted_whole(world: Any, tmp_path: Path, small_limits: Any) -> None:
    runs = "".join("<r><t>&lt;&amp;</t></r>" for _ in range(501))  # 1,002 characters in 501 runs
    sheet = SHEET_HEAD + '<row r="1"><c r="A1" t="inlineStr"><is>' + runs + "</is></c></row>" + SHEET_TAIL
    assert "1,000 characters" in refused(world, inline_xlsx(tmp_path / "runs.xlsx", [], sheet_xml=sheet))


def test_shared_string_over_the_character_limit_is_refused(world: Any, tmp_path: Path, small_limits: Any) -> None:
    import xlsxwriter

    path = tmp_path / "shared.xlsx"
    book = xlsxwriter.Workbook(str(path))  # Excel's way: text in the shared strings
    sheet = book.add_worksheet("名单")
    for r, row in enumerate(_rows_with("x" * 1_500)):
        sheet.write_row(r, 0, row)
    book.close()
    with zipfile.ZipFile(path) as archive:
        assert "x" * 1_500 in archive.read("xl/sharedStrings.xml").decode()
    assert "1,000 characters" in refused(world, path)


def test_row_over_the_size_limit_is_refused(world: Any, tmp_path: Path, small_limits: Any) -> None:
    small_limits.IMPORT_MAX_CELL_CHARS = 32_767
    wide = [f"{i:03d}" + "y" * 900 for i in range(100)]  # 100 cells under the cell limit, ~90 KB of row
    path = inline_xlsx(tmp_path / "wide.xlsx", [POPULATION_HEADERS, wide])
    message = refused(world, path)
    assert "Row 2" in message
    assert "0.0625 MB" in message


def test_a_fake_row_tag_inside_cdata_cannot_hide_a_giant_cell(world: Any, tmp_path: Path, small_limits: Any) -> None:
    text = "<row>" * 1_000
    sheet = SHEET_HEAD + f'<row r="1"><c r="A1" t="inlineStr"><is><t><![CDATA[{text}]]></t></is></c></row>' + SHEET_TAIL
    assert "CDATA" in refused(world, inline_xlsx(tmp_path / "cdata.xlsx", [], sheet_xml=sheet))


def test_csv_cell_over_the_character_limit_is_refused(world: Any, tmp_path: Path, small_limits: Any) -> None:
    path = write_csv(tmp_path / "long.csv", _rows_with("z" * 1_001))
    assert "row 3" in refused(world, path)


def test_csv_cell_beyond_the_csv_modules_own_limit_is_a_message_not_a_crash(world: Any, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "huge.csv", _rows_with("z" * 200_000))
    assert "32,767 characters" in refused(world, path)


def test_long_spans_finds_every_stretch_over_the_limit() -> None:
    data = b"<r>" + b"a" * 10 + b"<r>" + b"b" * 40 + b"<r>" + b"c" * 5 + b"<r>" + b"d" * 33
    assert list(cells.long_spans(data, b"<r>", 30)) == [(13, 56), (64, 100)]
    assert list(cells.long_spans(data, b"<r>", 50)) == []


def test_refusing_a_48_mb_cell_keeps_the_workers_memory_bounded(world: Any, tmp_path: Path) -> None:
    # Random hex compresses 2:1 like real data, so the archive's ratio check lets it through;
    # the cell is refused under the default limits (8 MB a row, 32,767 characters a cell).
    cell = os.urandom(24 * 1024 * 1024).hex()
    sheet = SHEET_HEAD + _row_xml(1, POPULATION_HEADERS) + _row_xml(2, ["张三", cell]) + SHEET_TAIL
    path = inline_xlsx(tmp_path / "bomb.xlsx", [], sheet_xml=sheet)
    del cell, sheet
    tracemalloc.start()
    try:
        with pytest.raises(ImportFileError) as info:
            open_sheet(path, file_format(path, "bomb.xlsx"))
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "Row 2" in info.value.message
    # The scanner holds at most a row (8 MB) and a block (4 MB), with a copy while cutting them.
    assert peak < 40 * 1024 * 1024, f"peak {peak / 1024**2:.1f} MB"
