"""Turning what clerks type into field values: dates, sexes, resident types, documents."""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from fangkong.core.validators import EARLIEST_DATE as EARLIEST_DATE  # the core window, for the fast paths
from fangkong.core.validators import LATEST_DATE as LATEST_DATE
from fangkong.core.validators import When, to_halfwidth, validate_moment
from fangkong.people.models import DocumentType, ResidentType, Sex

EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 1 = 1900-01-01 once Excel's phantom 1900-02-29 is skipped

_SEPARATED = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_SERIAL = re.compile(r"^\d{1,6}(?:\.\d+)?$")
_TAG_SEPARATORS = re.compile(r"[,，、;；/\s]+")
_WHITESPACE = re.compile(r"\s+")


def parse_date(raw: str, *, when: str = When.ANY) -> dt.date | None:
    """ "" → None; a recognised date inside core's window (`validate_moment`) → date; else ValidationError."""
    value = to_halfwidth(raw or "").strip()
    if not value:
        return None
    date: dt.date | None = None
    match = _SEPARATED.match(value) or _COMPACT.match(value)
    try:
        if match:
            date = dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        elif _SERIAL.match(value):
            serial = int(float(value))
            if serial < 1:
                raise ValueError
            date = EXCEL_EPOCH + dt.timedelta(days=serial)
    except (ValueError, OverflowError):
        raise ValidationError(_("%(value)s is not a valid date.") % {"value": value[:20]}) from None
    if date is None:
        raise ValidationError(
            _("%(value)s is not a date (write it as 2020-01-05, 2020/1/5 or 2020年1月5日).") % {"value": value[:20]}
        )
    validate_moment(date, when=when)
    return date


_SEXES = {
    "男": Sex.MALE,
    "男性": Sex.MALE,
    "m": Sex.MALE,
    "male": Sex.MALE,
    "1": Sex.MALE,
    "女": Sex.FEMALE,
    "女性": Sex.FEMALE,
    "f": Sex.FEMALE,
    "female": Sex.FEMALE,
    "2": Sex.FEMALE,
    "未知": Sex.UNKNOWN,
    "": Sex.UNKNOWN,
}

_RESIDENT_TYPES = {
    "户籍": ResidentType.REGISTERED,
    "户籍人口": ResidentType.REGISTERED,
    "本地": ResidentType.REGISTERED,
    "registered": ResidentType.REGISTERED,
    "常住": ResidentType.PERMANENT,
    "常住人口": ResidentType.PERMANENT,
    "permanent": ResidentType.PERMANENT,
    "流动": ResidentType.FLOATING,
    "流动人口": ResidentType.FLOATING,
    "外来": ResidentType.FLOATING,
    "floating": ResidentType.FLOATING,
    "临时": ResidentType.TEMPORARY,
    "暂住": ResidentType.TEMPORARY,
    "临时人口": ResidentType.TEMPORARY,
    "temporary": ResidentType.TEMPORARY,
}

_DOCUMENT_TYPES = {
    "身份证": DocumentType.RESIDENT_ID,
    "居民身份证": DocumentType.RESIDENT_ID,
    "身份证号": DocumentType.RESIDENT_ID,
    "resident_id": DocumentType.RESIDENT_ID,
    "护照": DocumentType.PASSPORT,
    "passport": DocumentType.PASSPORT,
    "港澳通行证": DocumentType.HK_MACAU_PASS,
    "往来港澳通行证": DocumentType.HK_MACAU_PASS,
    "hk_macau_pass": DocumentType.HK_MACAU_PASS,
    "其他": DocumentType.OTHER,
    "other": DocumentType.OTHER,
}


def _key(raw: str) -> str:
    return to_halfwidth(raw or "").strip().lower().replace(" ", "")


def parse_sex(raw: str) -> str:
    key = _key(raw)
    if key in _SEXES:
        return str(_SEXES[key])
    raise ValidationError(_("Unknown sex %(value)s (use 男 or 女).") % {"value": raw[:10]})


def parse_resident_type(raw: str) -> str:
    key = _key(raw)
    if not key:
        return str(ResidentType.PERMANENT)
    if key in _RESIDENT_TYPES:
        return str(_RESIDENT_TYPES[key])
    raise ValidationError(_("Unknown resident type %(value)s (use 户籍, 常住, 流动 or 临时).") % {"value": raw[:10]})


def parse_document_type(raw: str) -> str:
    key = _key(raw)
    if not key:
        return str(DocumentType.RESIDENT_ID)
    if key in _DOCUMENT_TYPES:
        return str(_DOCUMENT_TYPES[key])
    raise ValidationError(_("Unknown document type %(value)s.") % {"value": raw[:10]})


def split_tags(raw: str) -> list[str]:
    return [t for t in _TAG_SEPARATORS.split(to_halfwidth(raw or "").strip()) if t]


def clean_name(raw: str) -> str:
    """Place and person names as typed: half-width, inner whitespace collapsed."""
    return _WHITESPACE.sub(" ", to_halfwidth(raw or "")).strip()
