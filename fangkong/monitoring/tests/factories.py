"""Monitoring test data: persons under a measure at home or at a site, and a clock set to a window."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from django.utils import timezone

from fangkong.conftest import World, make_person
from fangkong.monitoring import slots
from fangkong.monitoring.models import HealthReport
from fangkong.monitoring.services import ReportInput, record_report
from fangkong.quarantine.models import Measure
from fangkong.quarantine.tests.factories import make_measure

_seq = itertools.count()


def new_person(world: World, side: str = "A", *, name: str = "") -> Any:
    s = getattr(world, side)
    n = next(_seq) % 450
    # Even sequence numbers (women) so these never meet the odd ones other apps' factories use.
    return make_person(s.household, name=name or f"居家{side}{n}", seq=2 * n + 100, male=False, phone=f"137{n:08d}")


def home_measure(world: World, side: str = "A", *, days_ago: int = 0, name: str = "") -> Measure:
    """A person under home quarantine (the secondary-contact category starts at home)."""
    measure = make_measure(world.hq, new_person(world, side, name=name), category="secondary_contact")
    return _backdate(measure, days_ago)


def central_measure(world: World, side: str = "A", *, days_ago: int = 0) -> Measure:
    """A close contact: central quarantine first."""
    measure = make_measure(world.hq, new_person(world, side), category="close_contact")
    return _backdate(measure, days_ago)


def _backdate(measure: Measure, days: int) -> Measure:
    """Started `days` ago (as if opened then), so yesterday's slots belong to the measure."""
    if days:
        started = measure.started_on - dt.timedelta(days=days)
        created = measure.created_at - dt.timedelta(days=days)
        Measure.objects.filter(pk=measure.pk).update(started_on=started, created_at=created)
        measure.refresh_from_db()
    return measure


def at(hour: int, minute: int = 0, *, days: int = 0) -> dt.datetime:
    """Today (or `days` from today) at this local time."""
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def set_clock(monkeypatch: Any, moment: dt.datetime) -> None:
    """Move the clock the report windows are judged by (the calendar date stays today's)."""
    monkeypatch.setattr(slots, "current_time", lambda: moment)


def report(
    actor: Any,
    measure: Measure,
    *,
    temperature: str = "36.5",
    day: dt.date | None = None,
    slot: str = "morning",
    symptoms: list[str] | None = None,
) -> HealthReport:
    return record_report(
        actor=actor,
        measure=measure,
        data=ReportInput(temperature=Decimal(temperature), symptoms=symptoms or [], date=day, slot=slot),
        now=at(21),
    )
