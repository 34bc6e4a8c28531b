"""Cells read as text, CSV encodings detected, rows streamed."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.utils import translation
from django.utils.translation import gettext as _

from fangkong.imports.readers import ImportFileError, cell_text, file_format, open_sheet, read_ahead
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


def _offset_workbook(path: Path) -> Path:
    """Data from C3, with a gap row, a date, a long number and a time: what both readers must agree on."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("名单")
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws.write_row(2, 2, ["姓名", "手机", "日期", "数量"])
    ws.write_row(3, 2, ["张三", 13900000001])
    ws.write_datetime(3, 4, dt.datetime(2020, 1, 5), date)
    ws.write_number(3, 5, 2.5)
    ws.write_row(5, 2, ["李四", "13900000002", "2020/1/6"])
    wb.close()
    return path


def test_both_xlsx_readers_give_the_same_absolute_rows(tmp_path: Path, settings: object) -> None:
    path = _offset_workbook(tmp_path / "r.xlsx")
    loaded = open_sheet(path, "xlsx")
    assert not loaded.streamed
    settings.IMPORT_STREAM_ABOVE_BYTES = 0  # type: ignore[attr-defined]
    streamed = open_sheet(path, "xlsx")
    assert streamed.streamed
    expected = [
        (0, []),
        (1, []),
        (2, ["", "", "姓名", "手机", "日期", "数量"]),
        (3, ["", "", "张三", "13900000001", "2020-01-05", "2.5"]),
        (4, []),
        (5, ["", "", "李四", "13900000002", "2020/1/6"]),
    ]
    assert list(loaded.rows()) == expected
    assert list(streamed.rows()) == expected
    assert loaded.head(3) == [cells for _i, cells in expected[:3]]
    assert (loaded.total_rows, loaded.width) == (6, 6)


def test_sheet_measured_at_open_is_rebuilt_from_its_facts(tmp_path: Path) -> None:
    from fangkong.imports.readers import Sheet

    path = _offset_workbook(tmp_path / "r.xlsx")
    sheet = open_sheet(path, "xlsx")
    again = Sheet.from_facts(path, "xlsx", sheet.facts())
    assert again == sheet


def test_a_sheet_of_uncalculated_formulas_is_refused_as_a_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import openpyxl

    from fangkong.imports import readers

    monkeypatch.setattr(readers, "MAX_FORMULA_BLANKS", 3)
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["姓名", "身份证号"])
    for i in range(5):
        ws.append([f"人{i}", f'=A{i + 2}&"x"'])
    wb.save(tmp_path / "f.xlsx")
    with pytest.raises(ImportFileError, match="5 formula cells without computed values"):
        open_sheet(tmp_path / "f.xlsx", "xlsx")


def test_read_ahead_gives_every_item_in_order_transformed() -> None:
    assert list(read_ahead(iter(range(10_005)), lambda n: n * 2, batch=7, depth=2)) == [n * 2 for n in range(10_005)]


def test_read_ahead_raises_a_reading_error_in_the_caller_after_the_items_before_it() -> None:
    def items() -> Iterator[int]:
        yield from range(5)
        raise ImportFileError("The workbook cannot be read; it may be damaged.")

    seen: list[int] = []
    with pytest.raises(ImportFileError, match="damaged"):
        seen.extend(read_ahead(items(), batch=2))
    assert seen == [0, 1, 2, 3]  # the last, incomplete batch went down with the error


def test_read_ahead_stops_its_thread_when_the_caller_stops_early() -> None:
    produced: list[int] = []

    def endless() -> Iterator[int]:
        n = 0
        while True:
            produced.append(n)
            yield n
            n += 1

    reader = read_ahead(endless(), batch=10, depth=2)
    assert next(reader) == 0
    reader.close()  # joins the thread, which must have stopped
    assert not any(t.name == "import-read-ahead" for t in threading.enumerate())
    assert len(produced) <= 10 * 4  # at most the queue, the batch in hand and one being built


def test_read_ahead_messages_are_in_the_callers_language() -> None:
    def message(_item: int) -> str:
        return str(_("The file contains no rows."))

    with translation.override("zh-hans"):
        [chinese] = read_ahead(iter([1]), message)
    with translation.override("en"):
        [english] = read_ahead(iter([1]), message)
    assert english == "The file contains no rows."
    assert chinese != english
