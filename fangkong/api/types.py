"""Field types shared by every API schema."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.core.exceptions import ValidationError as DjangoValidationError
from pydantic import AfterValidator, Field

from fangkong.core.validators import When, validate_clean_text, validate_moment

# Ids beyond a signed 64-bit integer would overflow the database driver (a 500, not a 404).
MAX_DB_ID = 2**63 - 1
# Far past any district's row count, yet small enough for every backend's OFFSET.
MAX_OFFSET = 2**31 - 1


def _clean_text(value: str) -> str:
    # Control characters and lone surrogates are what a wrong encoding leaves behind;
    # the database drivers would choke on them, so they stop here with a message.
    try:
        validate_clean_text(value)
    except DjangoValidationError as exc:
        raise ValueError(" ".join(exc.messages)) from None
    return value


DbId = Annotated[int, Field(ge=1, le=MAX_DB_ID)]
CleanStr = Annotated[str, AfterValidator(_clean_text)]


def _bounded(when: str) -> AfterValidator:
    def check(value: dt.date) -> dt.date:
        try:
            validate_moment(value, when=when)
        except DjangoValidationError as exc:
            raise ValueError(" ".join(exc.messages)) from None
        return value

    return AfterValidator(check)


# Dates and times in requests: inside the window of `validate_moment` (1900-2100, events at most a day
# ahead, births not ahead), the same bound the forms and imports apply.
AnyDate = Annotated[dt.date, _bounded(When.ANY)]
PastDate = Annotated[dt.date, _bounded(When.PAST)]
EventDate = Annotated[dt.date, _bounded(When.EVENT)]
AnyDateTime = Annotated[dt.datetime, _bounded(When.ANY)]
EventDateTime = Annotated[dt.datetime, _bounded(When.EVENT)]
