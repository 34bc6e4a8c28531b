"""How an audit event reads on screen and in exports: model and field names and stored codes become the
labels of the reader's language (the row itself keeps the codes it was written with)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext_lazy as _

# Keys of `changes` that are not model fields, as the services write them.
KEY_LABELS = {
    "filters": _("filters"),
    "rows": _("rows"),
    "fields": _("fields"),
    "reason": _("reason"),
    "count": _("count"),
    "q": _("search term"),
    "unmasked": _("unmasked"),
    "merged_from": _("merged from"),
    "history": _("history"),
}


# Fields whose codes are not model choices (a key person's category lives in the protocol's data):
# the app that owns them registers how to name a code, {(object_type, field): code -> label}.
VALUE_LABELS: dict[tuple[str, str], Callable[[], dict[str, str]]] = {}


def register_value_labels(object_type: str, field: str, labels: Callable[[], dict[str, str]]) -> None:
    VALUE_LABELS[(object_type, field)] = labels


def _model(object_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(object_type) if "." in object_type else None
    except (LookupError, ValueError):
        return None


def object_type_label(object_type: str) -> str:
    model = _model(object_type)
    return str(model._meta.verbose_name) if model is not None else object_type


def _field(model: type[models.Model] | None, name: str) -> Any:
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _label(model: type[models.Model] | None, key: str) -> str:
    field = _field(model, key)
    return str(field.verbose_name) if field is not None else str(KEY_LABELS.get(key, key))


def _value(field: Any, value: Any, model: type[models.Model] | None = None) -> str:
    choices = dict(getattr(field, "flatchoices", None) or ()) if field is not None else {}
    if isinstance(value, str | int) and value in choices:
        return str(choices[value])
    if value is None or value == "":
        return "—"
    if isinstance(value, dict):
        # An export's filters: {"place": …, "resident_type": "floating"} → "属地=…; 人员类型=流动人口".
        shown = [(k, v) for k, v in value.items() if v not in (None, "", [], {})]
        return "; ".join(f"{_label(model, k)}={_value(_field(model, k), v, model)}" for k, v in shown) or "—"
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


class _Named:
    """Looks like a field with choices, for `_value`."""

    def __init__(self, labels: dict[str, str]) -> None:
        self.flatchoices = list(labels.items())


def change_lines(object_type: str, changes: dict[str, Any] | None) -> list[tuple[str, str]]:
    """(field label, "old → new" or the value) for each entry of an event's changes."""
    model = _model(object_type)
    lines = []
    for key, change in (changes or {}).items():
        field = _field(model, key)
        label = _label(model, key)
        named = VALUE_LABELS.get((object_type, key))
        if named is not None:
            field = _Named(named())
        if isinstance(change, dict):
            lines.append((label, _value(field, change, model)))
            continue
        if isinstance(change, list) and len(change) == 2:
            text = f"{_value(field, change[0])} → {_value(field, change[1])}"
        else:
            text = _value(field, change)
        lines.append((label, text))
    return lines


def changes_text(object_type: str, changes: dict[str, Any] | None) -> str:
    return "; ".join(f"{label}: {text}" for label, text in change_lines(object_type, changes))
