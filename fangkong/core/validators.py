"""Normalisers and validators for the identifiers districts type in by hand.

Resident ID numbers follow GB 11643-1999: 6-digit region code, 8-digit birth
date, 3-digit sequence (odd = male), and an ISO 7064 MOD 11-2 check character.
"""

from __future__ import annotations

import datetime as dt
import operator
import re
import unicodedata
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
_ASCII_ZERO_WEIGHT = ord("0") * sum(ID_WEIGHTS)
# Any birth date before this is in the past for as long as the process runs (it is a year old at start).
_CERTAINLY_PAST = dt.date(dt.date.today().year - 1, 1, 1)

# First two digits of the region code: provinces, plus 81/82/83 used on residence
# permits of Hong Kong, Macau and Taiwan residents and 91 on foreigners' permanent IDs.
PROVINCE_CODES = frozenset(
    {
        "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
        "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
        "65", "71", "81", "82", "83", "91",
    }
)  # fmt: skip
# The window every accepted date and time lies in (forms, API schemas, imports, gate devices): older or
# later values are typing errors or broken clocks, and at the calendar's ends (0001-01-01, 9999-12-31)
# a time-zone shift or a day added overflows Python's datetime, so stored or filtered they answer 500.
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2100, 12, 31)
# An event (a passage, a report, a transfer's departure) may carry a device clock this far ahead, no more.
EVENT_LEAD = dt.timedelta(days=1)
EARLIEST_BIRTH = EARLIEST_DATE

_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―()（）]+")


class When:
    """What a date may be, besides lying in [EARLIEST_DATE, LATEST_DATE]."""

    ANY = "any"  # a plan, a deadline, a filter: up to LATEST_DATE
    EVENT = "event"  # something that happened: at most EVENT_LEAD ahead of now
    PAST = "past"  # a birth, a sample taken: not after today


def validate_moment(value: dt.date | dt.datetime, *, when: str = When.ANY, now: dt.datetime | None = None) -> None:
    """The one bound on accepted dates and times: forms, API schemas, imports and gate batches call it.

    A naive datetime is read in the current time zone; an aware one is compared in UTC, so
    9999-12-31T23:59:59-10:00 (year 10000 in UTC) is refused.
    """
    from django.utils import timezone  # settings are needed only here, not for the ID checks above

    if isinstance(value, dt.datetime):
        try:
            day = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
        except OverflowError:
            day = dt.date.max if value.year > 1 else dt.date.min
    else:
        day = value
    if day < EARLIEST_DATE:
        raise ValidationError(
            _("%(value)s is before %(earliest)s; please check the year."),
            code="date_too_early",
            params={"value": day.isoformat(), "earliest": EARLIEST_DATE.isoformat()},
        )
    if day > LATEST_DATE:
        raise ValidationError(
            _("%(value)s is after %(latest)s; please check the year."),
            code="date_too_late",
            params={"value": day.isoformat(), "latest": LATEST_DATE.isoformat()},
        )
    if when == When.ANY:
        return
    now = now or timezone.now()
    if when == When.PAST:
        if day > timezone.localdate(now):
            raise ValidationError(
                _("The date %(value)s lies in the future."), code="date_future", params={"value": day}
            )
        return
    moment = value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time.min)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    if moment > now + EVENT_LEAD:
        raise ValidationError(
            _("%(value)s is more than a day in the future; check the device's clock."),
            code="date_future",
            params={"value": day.isoformat()},
        )


def to_halfwidth(value: str) -> str:
    """Full-width digits and letters (as typed by Chinese IMEs) become ASCII."""
    return unicodedata.normalize("NFKC", value)


def id_check_char(first17: str) -> str:
    # ASCII codes of the digits, less 48 times the weights' sum: one pass without int() per digit.
    total = sum(map(operator.mul, first17.encode("ascii"), ID_WEIGHTS)) - _ASCII_ZERO_WEIGHT
    return ID_CHECK_CHARS[total % 11]


def upgrade_id15(id15: str) -> str:
    """A legacy 15-digit number omits the century (always 19xx) and the check character."""
    first17 = id15[:6] + "19" + id15[6:]
    return first17 + id_check_char(first17)


def normalize_id_number(raw: str) -> str:
    value = to_halfwidth(str(raw)).strip()
    value = _SEPARATORS.sub("", value).upper()
    if len(value) == 15 and value.isascii() and value.isdigit():
        value = upgrade_id15(value)
    return value


@dataclass(frozen=True)
class ResidentIdFacts:
    number: str
    region_code: str
    birth_date: dt.date
    sex: str  # "M" or "F"


def parse_resident_id(raw: str, *, today: dt.date | None = None) -> ResidentIdFacts:
    """Normalise and validate; raise ValidationError with a message a clerk understands."""
    number = normalize_id_number(raw)
    if len(number) != 18:
        raise ValidationError(
            _("A resident ID number has 18 characters (or 15 for the old format); this one has %(n)d."),
            code="id_length",
            params={"n": len(number)},
        )
    # isascii: str.isdigit also accepts other scripts' digits, which no ID card carries.
    if not (number.isascii() and number[:17].isdigit() and (number[17].isdigit() or number[17] == "X")):
        raise ValidationError(
            _("A resident ID number is 17 digits followed by a digit or X."),
            code="id_chars",
        )
    if number[:2] not in PROVINCE_CODES:
        raise ValidationError(
            _("The region code %(code)s is not a valid province code."),
            code="id_region",
            params={"code": number[:6]},
        )
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(
            _("The birth date %(date)s in the ID number does not exist."),
            code="id_birth",
            params={"date": number[6:14]},
        ) from None
    # Asking the clock costs more than the rest of the check; only recent births need it.
    recent = birth >= _CERTAINLY_PAST
    if birth < EARLIEST_BIRTH or ((recent or today is not None) and birth > (today or dt.date.today())):
        raise ValidationError(
            _("The birth date %(date)s in the ID number is impossible."),
            code="id_birth",
            params={"date": birth.isoformat()},
        )
    expected = id_check_char(number[:17])
    if number[17] != expected:
        raise ValidationError(
            _("The check character of the ID number is wrong; please check every digit."),
            code="id_checksum",
        )
    sex = "M" if int(number[16]) % 2 == 1 else "F"
    return ResidentIdFacts(number=number, region_code=number[:6], birth_date=birth, sex=sex)


def validate_resident_id(value: str) -> None:
    parse_resident_id(value)


def normalize_document_number(raw: str) -> str:
    """Passports and travel permits: half-width, no separators, upper case."""
    return _SEPARATORS.sub("", to_halfwidth(str(raw)).strip()).upper()


_OTHER_DOCUMENT = re.compile(r"^[A-Z0-9]{5,20}$")


def validate_other_document(number: str) -> None:
    if not _OTHER_DOCUMENT.match(number):
        raise ValidationError(
            _("A document number has 5 to 20 letters or digits."),
            code="document_format",
        )


_MOBILE = re.compile(r"^1[3-9]\d{9}$")


def normalize_phone(raw: str) -> str:
    value = _SEPARATORS.sub("", to_halfwidth(str(raw)).strip())
    if value.startswith("+86"):
        value = value[3:]
    elif value.startswith("0086"):
        value = value[4:]
    elif value.startswith("86") and len(value) == 13:
        value = value[2:]
    return value


def parse_phone(raw: str) -> str:
    value = normalize_phone(raw)
    if not value.isdigit():
        raise ValidationError(_("A mobile number contains only digits."), code="phone_chars")
    if len(value) != 11:
        raise ValidationError(
            _("A mobile number has 11 digits; this one has %(n)d."),
            code="phone_length",
            params={"n": len(value)},
        )
    if not _MOBILE.match(value):
        raise ValidationError(
            _("%(prefix)s is not a mainland mobile prefix."),
            code="phone_prefix",
            params={"prefix": value[:3]},
        )
    return value


def validate_phone(value: str) -> None:
    parse_phone(value)


def clean_free_text(value: object, field: str, *, required: bool = False, limit: int = 200) -> str:
    """A free-text field of a service (a reason, a note): whitespace runs collapsed, length and
    characters checked, errors reported on `field`."""
    text = " ".join(str(value or "").split())
    if required and not text:
        raise ValidationError({field: [_("This field is required.")]})
    if len(text) > limit:
        raise ValidationError({field: [_("At most %(n)d characters.") % {"n": limit}]})
    try:
        validate_clean_text(text)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from None
    return text


def search_term(raw: object, *, limit: int = 100) -> str:
    """What a search box or filter sent, as the database can compare it: NUL and other control characters
    dropped (PostgreSQL refuses a NUL in any text parameter: a 500), whitespace collapsed, at most `limit`."""
    text = str(raw or "")
    if not text.isprintable():
        text = "".join(ch for ch in text if ch.isprintable() or ch.isspace())
    return " ".join(text.split())[:limit]


def validate_clean_text(value: str) -> None:
    """Reject control characters and unpaired surrogates (what broken encodings leave behind)."""
    if value.isprintable() and "\ufffd" not in value:
        return  # the common case, checked in C; the loop below names what is wrong
    for ch in value:
        cat = unicodedata.category(ch)
        if cat in {"Cs", "Co"} or (cat == "Cc" and ch not in "\t\n\r"):
            raise ValidationError(
                _("The text contains invalid characters; was it pasted from a file with a wrong encoding?"),
                code="bad_text",
            )
        if ch == "\ufffd":
            raise ValidationError(
                _("The text contains a replacement character (�): the file's encoding was wrong."),
                code="bad_text",
            )
