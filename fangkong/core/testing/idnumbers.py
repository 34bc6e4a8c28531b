"""Valid resident ID numbers for tests and the demo (same rule as the validator, built forwards)."""

from __future__ import annotations

import datetime as dt

from fangkong.core.validators import id_check_char


def make_resident_id(region: str, birth: dt.date, sequence: int, *, male: bool) -> str:
    seq = sequence % 1000
    if (seq % 2 == 1) != male:
        seq = (seq + 1) % 1000
    first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
    return first17 + id_check_char(first17)
