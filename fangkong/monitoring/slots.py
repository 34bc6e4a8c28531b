"""The two daily report windows (morning and afternoon) and the moments they open and close.

Windows come from settings.MONITORING_REPORT_WINDOWS ({"morning": ("06:00", "12:00"), ...}, local time);
a report for a slot is missed once its window has closed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from fangkong.monitoring.models import Slot

DEFAULT_WINDOWS = {Slot.MORNING.value: ("06:00", "12:00"), Slot.AFTERNOON.value: ("12:00", "20:00")}


@dataclass(frozen=True)
class Window:
    slot: str
    starts: dt.time
    ends: dt.time

    @property
    def label(self) -> str:
        return str(Slot(self.slot).label)

    def opens_at(self, day: dt.date) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(day, self.starts))

    def closes_at(self, day: dt.date) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(day, self.ends))


def windows() -> list[Window]:
    configured = getattr(settings, "MONITORING_REPORT_WINDOWS", None) or DEFAULT_WINDOWS
    out = [
        Window(slot, dt.time.fromisoformat(str(start)), dt.time.fromisoformat(str(end)))
        for slot, (start, end) in configured.items()
        if slot in Slot.values
    ]
    return sorted(out, key=lambda w: w.starts)


def window_of(slot: str) -> Window:
    return next(w for w in windows() if w.slot == slot)


def current_time() -> dt.datetime:
    """The present moment; every question of "which window is it" goes through here (tests move it)."""
    return timezone.now()


def local(now: dt.datetime | None = None) -> dt.datetime:
    return timezone.localtime(now or current_time())


def open_window(now: dt.datetime | None = None) -> Window | None:
    """The window a report made now belongs to, if one is open."""
    moment = local(now).time()
    return next((w for w in windows() if w.starts <= moment < w.ends), None)


def next_window(now: dt.datetime | None = None) -> tuple[dt.date, Window]:
    """The next window to open after `now` (today's or tomorrow's first)."""
    current = local(now)
    for w in windows():
        if w.starts > current.time():
            return current.date(), w
    return current.date() + dt.timedelta(days=1), windows()[0]


def has_opened(day: dt.date, slot: str, now: dt.datetime | None = None) -> bool:
    return window_of(slot).opens_at(day) <= (now or current_time())


def closed_windows(now: dt.datetime | None = None, *, days: int = 2) -> list[tuple[dt.date, Window]]:
    """The windows of the last `days` days (today included) that have closed by `now`, oldest first."""
    current = local(now)
    out = []
    for back in range(days - 1, -1, -1):
        day = current.date() - dt.timedelta(days=back)
        out += [(day, w) for w in windows() if w.closes_at(day) <= current]
    return out


def current_slot(now: dt.datetime | None = None) -> tuple[dt.date, str]:
    """The slot the due board shows by default: the open one, else the one that closed last."""
    current = local(now)
    window = open_window(current)
    if window is not None:
        return current.date(), window.slot
    closed = closed_windows(current)
    if closed:
        day, last = closed[-1]
        return day, last.slot
    return current.date(), windows()[0].slot
