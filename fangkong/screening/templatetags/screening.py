from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext

from fangkong.protocols.models import MeasureKind, RiskLevel
from fangkong.screening.models import TRANSITIONS, ClearState, EventKind, SourceKind

register = template.Library()


@register.filter
def get(mapping: Any, key: Any) -> Any:
    """mapping[key] in a template, or "" when absent."""
    try:
        return mapping.get(key, "")
    except AttributeError:
        return ""


@register.filter
def next_state(kp: Any) -> tuple[str, str] | None:
    """The next of the three clears for a work-queue button (releasing is done on the detail page)."""
    for state in TRANSITIONS.get(kp.clear_state, ()):
        if state != ClearState.RELEASED:
            return state, str(ClearState(state).label)
    return None


@register.filter
def percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


def _measure_text(value: str) -> str:
    # Measure events store "<kind> <days>d" (e.g. "home_quarantine 7d").
    kind, _sep, days = (value or "").partition(" ")
    if kind not in MeasureKind.values:
        return value
    label = str(MeasureKind(kind).label)
    return f"{label} {days.removesuffix('d')} {gettext('days')}" if days else label


@register.filter
def event_values(event: Any, category_names: dict[str, str] | None = None) -> tuple[str, str, str]:
    """A timeline event's (before, after, note) as a person reads them: labels, not the codes stored."""
    names = category_names or {}
    kind, before, after, note = event.kind, event.from_value or "", event.to_value or "", event.note or ""
    if kind == EventKind.STATE:
        states = dict(ClearState.choices)
        before, after = str(states.get(before, before)), str(states.get(after, after))
    elif kind == EventKind.CATEGORY:
        before, after = names.get(before, before), names.get(after, after)
    elif kind == EventKind.SOURCE:
        after = str(dict(SourceKind.choices).get(after, after))
    elif kind == EventKind.MEASURE:
        before, after = _measure_text(before), _measure_text(after)
    elif kind == EventKind.TRAVEL:
        note = str(dict(RiskLevel.choices).get(note, note))
    return before, after, note
