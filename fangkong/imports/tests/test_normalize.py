"""Dates, sexes and resident types as clerks type them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from fangkong.imports.normalize import EXCEL_EPOCH, parse_date, parse_resident_type, parse_sex

DATES = st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2100, 12, 31))


@given(DATES)
def test_every_written_form_of_a_date_parses_to_the_same_date(date: dt.date) -> None:
    forms = [
        date.isoformat(),
        f"{date.year}/{date.month}/{date.day}",
        f"{date.year}.{date.month}.{date.day}",
        f"{date.year}年{date.month}月{date.day}日",
        f"{date:%Y%m%d}",
        str((date - EXCEL_EPOCH).days),
        f"{date.isoformat()} 00:00:00",
        f"{date.year}－{date.month:02d}－{date.day:02d}",  # full-width dashes
    ]
    for form in forms:
        assert parse_date(form) == date, form


@given(st.text(max_size=12))
def test_parse_date_returns_a_date_none_or_a_clear_error(text: str) -> None:
    try:
        result = parse_date(text)
    except ValidationError as exc:
        messages = exc.messages
        result = None
    else:
        messages = ["ok"]
    assert messages[0]
    assert result is None or dt.date(1900, 1, 1) <= result <= dt.date(2100, 12, 31)


@pytest.mark.parametrize("text", ["2020-02-30", "2020/13/1", "1850-01-01", "2200年1月1日", "99999"])
def test_impossible_or_out_of_range_dates_are_rejected(text: str) -> None:
    with pytest.raises(ValidationError):
        parse_date(text)


def test_blank_date_is_none() -> None:
    assert parse_date("  ") is None


@pytest.mark.parametrize(("text", "value"), [("男", "M"), ("女 ", "F"), ("女性", "F"), ("", "")])
def test_sex_in_chinese(text: str, value: str) -> None:
    assert parse_sex(text) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [("户籍", "registered"), ("常住", "permanent"), ("流动人口", "floating"), ("临时", "temporary"), ("", "permanent")],
)
def test_resident_type_in_chinese(text: str, value: str) -> None:
    assert parse_resident_type(text) == value


def test_unknown_resident_type_is_rejected() -> None:
    with pytest.raises(ValidationError):
        parse_resident_type("外星")
