from __future__ import annotations

from typing import Any

from django import template

from fangkong.screening.models import TRANSITIONS, ClearState

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
