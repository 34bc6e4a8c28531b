import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from fangkong.core.testing.idnumbers import make_resident_id
from fangkong.core.validators import (
    EARLIEST_DATE,
    ID_CHECK_CHARS,
    LATEST_DATE,
    When,
    id_check_char,
    normalize_id_number,
    parse_phone,
    parse_resident_id,
    upgrade_id15,
    validate_moment,
)

regions = st.sampled_from(["410402", "410102", "110101", "440305", "650102", "810000"])
births = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2025, 12, 31))
sequences = st.integers(min_value=0, max_value=999)
FULLWIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


@given(regions, births, sequences, st.booleans())
def test_every_well_formed_id_is_accepted_with_its_birth_date_and_sex(region, birth, seq, male):
    number = make_resident_id(region, birth, seq, male=male)
    facts = parse_resident_id(number)
    assert facts.number == number
    assert facts.birth_date == birth
    assert facts.sex == ("M" if male else "F")


@given(regions, births, sequences, st.booleans(), st.integers(min_value=0, max_value=16), st.integers(1, 9))
def test_changing_any_single_digit_is_caught_by_the_check_character(region, birth, seq, male, pos, delta):
    number = make_resident_id(region, birth, seq, male=male)
    digit = (int(number[pos]) + delta) % 10
    tampered = number[:pos] + str(digit) + number[pos + 1 :]
    with pytest.raises(ValidationError):
        parse_resident_id(tampered)


@given(regions, births, sequences, st.booleans())
def test_fullwidth_lowercase_and_spaces_normalise_to_the_same_number(region, birth, seq, male):
    number = make_resident_id(region, birth, seq, male=male)
    messy = "  " + number.translate(FULLWIDTH).replace("Ｘ", "x")[:6] + " " + number[6:].lower() + "\u3000"
    assert parse_resident_id(messy).number == number


@given(regions, st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(1999, 12, 31)), sequences)
def test_legacy_15_digit_numbers_become_valid_18_digit_numbers(region, birth, seq):
    id15 = f"{region}{birth:%y%m%d}{seq:03d}"
    upgraded = normalize_id_number(id15)
    assert len(upgraded) == 18
    assert parse_resident_id(id15).birth_date == birth
    assert upgraded == upgrade_id15(id15)


def test_known_public_example_has_check_character_x():
    # GB 11643 worked example: 11010519491231002X
    assert id_check_char("11010519491231002") == "X"
    assert parse_resident_id("11010519491231002x").number == "11010519491231002X"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("41040219850230123X", "id_birth"),  # 30 February
        ("4104021985031412", "id_length"),
        ("99040219850314123X", "id_region"),
        ("41040221990314123X", "id_birth"),  # born in 2199
        ("4104021985031412A4", "id_chars"),
        ("٤١٠٤٠٢١٩٨٥٠٣١٤١٢٣٤", "id_chars"),  # Arabic-Indic digits pass str.isdigit
        ("٤١٠٤٠٢٨٥٠٣١٤١٢٣", "id_length"),  # 15 of them are not a legacy number either
    ],
)
def test_invalid_ids_are_rejected_with_a_specific_reason(raw, code):
    with pytest.raises(ValidationError) as exc:
        parse_resident_id(raw)
    assert exc.value.code == code


def test_check_character_table_covers_every_remainder():
    assert len(ID_CHECK_CHARS) == 11


mobiles = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)


@given(mobiles, st.sampled_from(["", "+86", "+86 ", "0086", "86"]), st.sampled_from(["", " ", "-"]))
def test_phones_with_country_code_spaces_and_dashes_normalise(phone, prefix, sep):
    messy = prefix + phone[:3] + sep + phone[3:7] + sep + phone[7:]
    assert parse_phone(messy) == phone


@given(mobiles)
def test_fullwidth_phone_digits_are_accepted(phone):
    assert parse_phone(phone.translate(FULLWIDTH)) == phone


@pytest.mark.parametrize("raw", ["1381234567", "138123456789", "12812345678", "0371-6612345", "13812345abc"])
def test_bad_phones_are_rejected(raw):
    with pytest.raises(ValidationError):
        parse_phone(raw)


# --- the window of accepted dates and times ---------------------------------------------------------


@given(st.datetimes(timezones=st.timezones()) | st.datetimes() | st.dates())
def test_an_accepted_moment_survives_the_time_zone_shifts_and_day_steps_pages_apply(value):
    """Whatever validate_moment lets through can be made aware, shifted to local time and stepped a day either
    way: the operations the list filters, the exports and the database adapters apply (year 10000 cannot)."""
    try:
        validate_moment(value)
    except ValidationError:
        return
    moment = value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time.min)
    aware = moment if timezone.is_aware(moment) else timezone.make_aware(moment)
    local = timezone.localtime(aware)
    assert EARLIEST_DATE <= local.date() <= LATEST_DATE
    assert local - dt.timedelta(days=1) < local + dt.timedelta(days=1)


def test_year_10000_in_utc_is_refused_even_when_written_as_9999():
    with pytest.raises(ValidationError, match="after 2100-12-31"):
        validate_moment(dt.datetime.fromisoformat("9999-12-31T23:59:59-10:00"))
    with pytest.raises(ValidationError, match="before 1900-01-01"):
        validate_moment(dt.date(1, 1, 1))


def test_an_event_may_be_a_day_ahead_a_birth_not_at_all():
    now = timezone.now()
    validate_moment(now + dt.timedelta(hours=23), when=When.EVENT, now=now)
    with pytest.raises(ValidationError, match="more than a day in the future"):
        validate_moment(now + dt.timedelta(hours=25), when=When.EVENT, now=now)
    tomorrow = timezone.localdate(now) + dt.timedelta(days=1)
    validate_moment(tomorrow, when=When.ANY, now=now)
    with pytest.raises(ValidationError, match="lies in the future"):
        validate_moment(tomorrow, when=When.PAST, now=now)
