"""The tiny app's demo step and command hooks; each call is written down for the test to read."""

from __future__ import annotations

import datetime as dt
from typing import Any

CALLS: list[dict[str, Any]] = []


def census(**context: Any) -> None:
    from fangkong.monitoring.models import HealthReport

    # Runs after monitoring's step (declared `after=`): its reports must already be there.
    CALLS.append({"context": context, "health_reports": HealthReport.objects.count()})


def ready(place: Any) -> dict[str, Any]:
    return {"ok": True, "place": place}


def places_under(place_path: str, day: dt.date) -> int:
    from fangkong.places.models import Place

    return Place.objects.filter(path__startswith=place_path).count()
