"""Cells read as text, CSV encodings detected, rows streamed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from fangkong.imports.readers import ImportFileError, cell_text, file_format, open_sheet
from fangkong.imports.tests.files import media_in_tmp, write_csv, write_xlsx  # noqa: F401


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, ""), (13900000001.0, "13900000001"), (2.5, "2.5"), (dt.date(2020, 1, 5), "2020-01-05"),
     (dt.datetime(2020, 1, 5), "2020-01-05"), (" 张三 ", "张三")],
)  # fmt: skip
def test_cells_become_text(value: object, text: str) -> None:
    assert cell_text(value) == text


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_in_utf8_or_gbk_reads_the_same(tmp_path: Path, encoding: str) -> None:
    path = write_csv(tmp_path / "r.csv", [["姓名", "现住址"], ["张三", "龙华路1号"]], encoding=encoding)
    sheet = open_sheet(path, file_format(path, "r.csv"))
    assert [cells for _i, cells in sheet.rows()] == [["姓名", "现住址"], ["张三", "龙华路1号"]]


def test_xlsx_numbers_and_dates_read_as_clerks_see_them(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "r.xlsx", [["手机", "日期"], [13900000001, dt.date(2020, 1, 5)]])
    sheet = open_sheet(path, file_format(path, "r.xlsx"))
    assert list(sheet.rows()) == [(0, ["手机", "日期"]), (1, ["13900000001", "2020-01-05"])]
    assert sheet.total_rows == 2


def test_rows_can_start_at_a_checkpoint(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "r.xlsx", [["a"], ["b"], ["c"]])
    sheet = open_sheet(path, "xlsx")
    assert list(sheet.rows(start=2)) == [(2, ["c"])]


def test_unknown_sheet_name_is_a_clear_error(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "r.xlsx", [["a"]])
    with pytest.raises(ImportFileError, match="no sheet named"):
        open_sheet(path, "xlsx", "不存在")


def test_xlsx_renamed_to_csv_is_read_as_a_workbook(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "r.xlsx", [["a"]])
    assert file_format(path, "roster.csv") == "xlsx"
