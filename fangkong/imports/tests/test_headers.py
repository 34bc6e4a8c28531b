"""Finding the header row and recognising columns by their Chinese synonyms."""

from __future__ import annotations

import pytest

from fangkong.imports.headers import auto_mapping, detect_header_row, normalize_header


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("姓名", "name"),
        ("名字", "name"),
        ("身份证号", "document_number"),
        ("身份证号码", "document_number"),
        ("证件号码", "document_number"),
        ("公民身份号码", "document_number"),
        ("手机", "phone"),
        ("联系电话", "phone"),
        ("现住址", "address"),
        ("居住地址 ", "address"),
        ("＊姓　名：", "name"),
        ("身份证号码(必填)", "document_number"),
    ],
)
def test_population_synonyms(header: str, field: str) -> None:
    assert auto_mapping("population", [header]) == {0: field}


@pytest.mark.parametrize(("header", "field"), [("来源地", "came_from"), ("途经地", "came_from"),
                                               ("从何地返回", "came_from"), ("返回日期", "arrived_on"),
                                               ("抵达日期", "arrived_on"), ("到达时间", "arrived_on")])  # fmt: skip
def test_pushlist_synonyms(header: str, field: str) -> None:
    assert auto_mapping("pushlist", [header]) == {0: field}


def test_header_found_below_title_and_blank_rows_with_merged_cells() -> None:
    rows = [
        ["某某街道2022年返乡人员排查表", "", "", ""],  # merged title: calamine gives "" after the first cell
        [],
        ["填报单位：社区A", "", "", "填报日期：2022-03-01"],
        ["序号", "姓名 ", "身份证号码", "联系方式", "备注"],
        ["1", "张三", "410402199005170011", "13900000001", ""],
    ]
    assert detect_header_row("population", rows) == 3
    assert auto_mapping("population", rows[3]) == {1: "name", 2: "document_number", 3: "phone"}


def test_a_field_is_mapped_once_even_if_two_columns_name_it() -> None:
    assert auto_mapping("population", ["姓名", "手机", "联系电话"]) == {0: "name", 1: "phone"}


def test_header_normalisation_ignores_width_spaces_and_punctuation() -> None:
    assert normalize_header(" 身份证号码（必填）* ") == normalize_header("身份证号码必填")


def test_no_recognisable_header_falls_back_to_first_non_blank_row() -> None:
    assert detect_header_row("population", [[], ["甲", "乙"], ["1", "2"]]) == 1
