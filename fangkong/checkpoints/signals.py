"""What checkpoints tell other apps, and the fever rule that decides what a fever at a gate makes.

`alert_raised` is sent inside the registration's transaction once an abnormal passage has its alert
(kwargs: alert, actor, request), so a receiver's failure undoes the passage. Transfers answers a fever
with a request to take the person to the fever clinic; checkpoints itself never imports transfers.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.dispatch import Signal

from fangkong.places.models import Place
from fangkong.protocols.selectors import active_protocol, district_of, fever_default_category

alert_raised = Signal()

FEVER = "fever"


def fever_key_person_terms(place: Place, *, at: dt.datetime) -> tuple[str, dt.datetime | None]:
    """(category code, identify-by) for a fever found at `at` in `place`'s district.

    The active protocol says which category a fever makes (发热患者) and within how many hours the
    person must be identified; a protocol without one leaves the usual default category, no deadline.
    """
    protocol = active_protocol(district_of(place)).protocol
    category = fever_default_category(protocol)
    if category is None:
        return "", None
    hours = category.identify_within_hours
    return category.code, at + dt.timedelta(hours=hours) if hours else None


def is_fever_alert(alert: Any) -> bool:
    return FEVER in (alert.reasons or [])
