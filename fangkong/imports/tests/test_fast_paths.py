"""The push list's quick per-row checks accept only what the full validators accept, with the same result."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import example, given, settings
from hypothesis import strategies as st

from fangkong.core.testing.idnumbers import make_resident_id
from fangkong.core.validators import parse_phone, parse_resident_id, validate_clean_text
from fangkong.imports.kinds import _plain_date, _plain_mobile, _plain_resident_id, _plain_text
from fangkong.imports.normalize import EARLIEST_DATE, LATEST_DATE, clean_name, parse_date

TODAY = dt.date(2022, 3, 15)
ID_CHARS = st.sampled_from("0123456789Xx０１２３４５６７８９ -")
TEXT = st.text(alphabet=st.sampled_from("张王a1 　\t\n\x00\ufffd\ue000ＡＢ１①﹣-·.丽\u00a0\u200b\ud800"), max_size=12)


def _full_id(raw: str) -> tuple[str, dt.date, str] | None:
    try:
        facts = parse_resident_id(raw, today=TODAY)
    except ValidationError:
        return None
    return facts.number, facts.birth_date, facts.sex


@given(st.dates(min_value=dt.date(1870, 1, 1), max_value=dt.date(2030, 12, 31)), st.integers(0, 999), st.booleans())
def test_a_well_formed_id_is_accepted_with_the_validators_facts(birth: dt.date, seq: int, male: bool) -> None:
    number = make_resident_id("410402", birth, seq, male=male)
    full = _full_id(number)
    quick = _plain_resident_id(number, TODAY)
    if quick is None:
        return  # the full validator decides (and may accept after normalising)
    assert full == (number, quick[0], quick[1])


@settings(max_examples=1000)
@given(st.text(alphabet=ID_CHARS, min_size=14, max_size=19))
@example("41040219500102011x")  # lowercase x: the full path upper-cases it
@example("410402500102011")  # 15 digits: the full path upgrades it
@example("41040219500102011 ")
def test_an_id_the_quick_check_accepts_is_one_the_validator_accepts_unchanged(raw: str) -> None:
    quick = _plain_resident_id(raw, TODAY)
    if quick is not None:
        assert _full_id(raw) == (raw, quick[0], quick[1])


@settings(max_examples=1000)
@given(st.text(alphabet=st.sampled_from("0123456789+-() １"), max_size=14))
@example("13900000001")
@example("+8613900000001")
@example("12900000001")
def test_a_mobile_the_quick_check_accepts_is_one_parse_phone_returns_unchanged(raw: str) -> None:
    if _plain_mobile(raw):
        assert parse_phone(raw) == raw


@settings(max_examples=2000)
@given(TEXT)
@example("张 丽")
@example("张  丽")
@example(" 张")
@example("ＡＢ")
def test_text_the_quick_check_accepts_is_left_as_it_is_by_clean_name_and_the_validators(raw: str) -> None:
    if _plain_text(raw, 50):
        assert clean_name(raw) == raw == raw.strip()
        validate_clean_text(raw)


@given(st.dates(min_value=EARLIEST_DATE, max_value=LATEST_DATE))
def test_both_quick_date_forms_give_parse_dates_date(date: dt.date) -> None:
    for form in (date.isoformat(), f"{date.year}/{date.month}/{date.day}"):
        assert _plain_date(form) == parse_date(form) == date


@settings(max_examples=1000)
@given(st.text(alphabet=st.sampled_from("0123456789/-年 Ｘ"), max_size=11))
@example("2022-02-30")
@example("2022/2/30")
@example("2022/002/3")
@example("20220305")
@example("0001-01-01")
def test_a_date_the_quick_check_reads_is_the_date_parse_date_reads(raw: str) -> None:
    quick = _plain_date(raw)
    if quick is None:
        return
    if EARLIEST_DATE <= quick <= LATEST_DATE:  # the pipeline checks the range after the quick read
        assert parse_date(raw) == quick
    else:
        with pytest.raises(ValidationError):
            parse_date(raw)
