"""The shared xlsx export: formula escaping, local times, the one-sheet cap, flat memory."""

from __future__ import annotations

import datetime as dt
import tracemalloc
from decimal import Decimal
from operator import itemgetter
from pathlib import Path

import openpyxl
import pytest
from django.test import override_settings
from django.utils import timezone, translation
from hypothesis import given
from hypothesis import strategies as st

from fangkong.core.exports import FORMULA_PREFIXES, Column, export_xlsx, safe_cell, write_xlsx, xlsx_response

COLUMNS = [Column("value", itemgetter(0))]


def read_back(path: Path) -> list[tuple[object, ...]]:
    workbook = openpyxl.load_workbook(path, read_only=True)
    rows = [tuple(cell for cell in row) for row in workbook.active.iter_rows(values_only=True)]
    workbook.close()
    return rows


@given(st.text())
def test_safe_cell_never_returns_text_a_spreadsheet_would_run_and_loses_nothing(text):
    cell = safe_cell(text)
    assert not cell.startswith(FORMULA_PREFIXES)
    assert cell in (text, "'" + text)
    assert (cell != text) == text.startswith(FORMULA_PREFIXES)


@given(st.integers() | st.floats(allow_nan=False, allow_infinity=False))
def test_safe_cell_keeps_numbers_including_negative_ones_as_numbers(number):
    assert safe_cell(number) == number


@given(st.lists(st.sampled_from(["=", "+", "-", "@", "\t", "\r", "1", "A", "(", "中", " "]), max_size=12))
def test_formula_like_text_lands_in_the_sheet_as_text_never_as_a_formula(tmp_path_factory, chars):
    text = "".join(chars)
    path = tmp_path_factory.mktemp("x") / "f.xlsx"
    write_xlsx(str(path), COLUMNS, [(text,)])
    workbook = openpyxl.load_workbook(path)
    cell = workbook.active.cell(row=2, column=1)
    assert cell.data_type != "f"
    if text:
        # xlsx stores a carriage return as _x000D_, which openpyxl leaves as is.
        assert cell.value.replace("_x000D_", "\r") == safe_cell(text)
    workbook.close()


def test_text_that_looks_like_a_negative_number_is_escaped_but_a_negative_number_stays_a_number(tmp_path):
    path = tmp_path / "n.xlsx"
    write_xlsx(str(path), [Column("a", itemgetter(0)), Column("b", itemgetter(1))], [("-5", -5), ("=SUM(A1)", 1.5)])
    assert read_back(path)[1:] == [("'-5", -5), ("'=SUM(A1)", 1.5)]


def test_dates_and_datetimes_are_written_as_dates_in_local_time(tmp_path):
    at = dt.datetime(2020, 1, 23, 2, 0, tzinfo=dt.UTC)  # 10:00 in Wuhan
    path = tmp_path / "d.xlsx"
    write_xlsx(
        str(path),
        [Column("at", itemgetter(0)), Column("on", itemgetter(1)), Column("n", itemgetter(2))],
        [(at, dt.date(2020, 1, 23), Decimal("2.5"))],
    )
    assert read_back(path)[1] == (dt.datetime(2020, 1, 23, 10, 0), dt.datetime(2020, 1, 23, 0, 0), 2.5)
    assert timezone.localtime(at).hour == 10


def test_none_and_empty_values_leave_the_cell_empty(tmp_path):
    path = tmp_path / "e.xlsx"
    write_xlsx(str(path), [Column("a", itemgetter(0)), Column("b", itemgetter(1))], [(None, "x"), ("", "y")])
    assert read_back(path)[1:] == [(None, "x"), (None, "y")]


@override_settings(EXPORT_MAX_ROWS=5)
@pytest.mark.parametrize("n", [4, 5])
def test_rows_up_to_the_cap_are_all_written_without_a_note(tmp_path, n):
    path = tmp_path / "c.xlsx"
    result = export_xlsx(str(path), COLUMNS, ((i,) for i in range(n)))
    assert result.rows == n
    assert not result.truncated
    assert [row[0] for row in read_back(path)[1:]] == list(range(n))


@override_settings(EXPORT_MAX_ROWS=5)
def test_more_rows_than_the_cap_are_cut_with_a_note_in_the_last_row(tmp_path):
    path = tmp_path / "c.xlsx"
    with translation.override("en"):
        result = export_xlsx(str(path), COLUMNS, ((i,) for i in range(10)))
    rows = read_back(path)
    assert result.rows == 4
    assert result.truncated
    assert len(rows) == 1 + 5  # header + a full sheet
    assert [row[0] for row in rows[1:5]] == [0, 1, 2, 3]
    assert rows[5][0] == "Only the first 4 are shown."


# Closing a response sends request_finished, which touches the database connection.
@pytest.mark.django_db
@override_settings(EXPORT_MAX_ROWS=3)
def test_a_cut_export_response_says_so_in_a_header(tmp_path):
    response, count = xlsx_response(COLUMNS, ((i,) for i in range(10)), filename="x")
    assert count == 2
    assert response["X-Export-Truncated"] == "1"
    response.close()


@pytest.mark.django_db
def test_response_is_an_xlsx_attachment_with_a_utf8_file_name():
    response, count = xlsx_response(COLUMNS, [(1,)], filename="人员")
    body = b"".join(response.streaming_content)  # type: ignore[arg-type]
    response.close()
    assert count == 1
    assert body[:2] == b"PK"
    assert "filename*=UTF-8''%E4%BA%BA%E5%91%98-" in response["Content-Disposition"]
    assert "X-Export-Truncated" not in response


def test_exporting_200000_rows_keeps_memory_flat(tmp_path):
    columns = [
        Column("姓名", itemgetter(0)),
        Column("证件号码", itemgetter(1)),
    ]
    rows = ((f"张{i}", f"4201061990{i:08d}") for i in range(200_000))
    path = tmp_path / "big.xlsx"
    tracemalloc.start()
    try:
        written = write_xlsx(str(path), columns, rows)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert written == 200_000
    # The rows alone are ~30 MB as Python objects; constant_memory keeps one row at a time.
    assert peak < 4 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"
    assert path.stat().st_size > 1_000_000
