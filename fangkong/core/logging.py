"""Log records never carry an ID number or a mobile number in plain text."""

from __future__ import annotations

import logging
import re

from fangkong.core.masking import mask_document, mask_phone

_ID = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
_PHONE = re.compile(r"(?<!\d)(1[3-9]\d{9})(?!\d)")


def scrub(text: str) -> str:
    text = _ID.sub(lambda m: mask_document(m.group(1)), text)
    return _PHONE.sub(lambda m: mask_phone(m.group(1)), text)


class MaskPersonalDataFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = scrub(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        return True
