"""The person's whole story: one dated list of everything Fangkong holds about a person.

People sits low in the domain and never imports the apps above it; each of them plugs a
provider in from its AppConfig.ready (``register_provider``). A provider answers for one
kind of record with one query, through the scoping helper, and returns nothing for a
viewer whose role may not read that kind of record at all.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.people.models import Person


@dataclass(frozen=True)
class TimelineEvent:
    """One dated fact about a person. `summary` holds no full personal value; `url` is empty when the
    viewer may not open the record it comes from."""

    at: dt.datetime
    kind: str  # stable code, "<app>.<what>", e.g. "quarantine.measure_started"
    label: str  # translated name of the kind
    summary: str
    url: str = ""


Provider = Callable[[Any, Person], Iterable[TimelineEvent]]

_providers: list[Provider] = []


def register_provider(provider: Provider) -> Provider:
    """Add a provider (idempotent, so a second ready() cannot double the events); usable as a decorator."""
    if provider not in _providers:
        _providers.append(provider)
    return provider


def providers() -> tuple[Provider, ...]:
    return tuple(_providers)


def day_start(day: dt.date) -> dt.datetime:
    """A date-only fact placed at the start of its local day, so it sorts among timed ones."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _registered(user: Any, person: Person) -> Iterable[TimelineEvent]:
    # The record itself: already loaded, no query.
    yield TimelineEvent(
        at=person.created_at,
        kind="people.registered",
        label=_("Registered"),
        summary=_("Entered in the population register at %(place)s") % {"place": person.place.name},
    )


register_provider(_registered)


def timeline_for(user: Any, person: Person) -> list[TimelineEvent]:
    """Every provider's events for a person the caller already fetched through get_person_for_user, newest first."""
    events = [event for provider in _providers for event in provider(user, person)]
    events.sort(key=lambda e: e.at, reverse=True)
    return events


def event_counts(events: Iterable[TimelineEvent]) -> dict[str, int]:
    """How many events of each kind: what the audit row of a full view records of the history shown."""
    return dict(sorted(Counter(e.kind for e in events).items()))
