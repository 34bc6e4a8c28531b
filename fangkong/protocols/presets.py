"""Protocols as JSON files: the built-in COVID-19 presets and any disease HQ adds the same way.

The file format (see presets/*.json) is the whole protocol: its categories, each
with a measure as a sequence of phases and the test days of each phase. The data
migration loads the presets with this code; `manage.py load_protocol file.json`
adds another disease or a new edition.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

PRESET_DIR = Path(__file__).resolve().parent / "presets"
PRESET_FILES = ("covid19-2020-provincial.json", "covid19-9th-edition.json")
# The protocol a district works by until HQ chooses one: the latest national rules shipped.
DEFAULT_PRESET = "covid19-9th-edition"
MEASURE_KINDS = ("central_quarantine", "home_quarantine", "home_monitoring", "daily_check", "none")
RISK_LEVELS = ("high", "medium", "low")


def read_preset(filename: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((PRESET_DIR / filename).read_text(encoding="utf-8"))
    return data


def check_protocol_data(data: dict[str, Any]) -> None:
    """Raise ValidationError naming every problem of a protocol file."""
    problems: list[str] = []
    for key in ("code", "disease", "name", "categories"):
        if not data.get(key):
            problems.append(f"missing '{key}'")
    codes: set[str] = set()
    defaults = 0
    fever_defaults = 0
    returnee_levels: set[str] = set()
    for index, category in enumerate(data.get("categories") or []):
        where = f"category {index + 1}"
        code = category.get("code") or ""
        if not code or not category.get("name"):
            problems.append(f"{where}: needs 'code' and 'name'")
        if code in codes:
            problems.append(f"{where}: code '{code}' appears twice")
        codes.add(code)
        defaults += bool(category.get("push_default"))
        level = category.get("returnee_risk_level") or ""
        if level and level not in RISK_LEVELS:
            problems.append(f"{where}: 'returnee_risk_level' must be one of {', '.join(RISK_LEVELS)}")
        elif level in returnee_levels:
            problems.append(f"{where}: another category is already the returnee category of risk level '{level}'")
        elif level:
            returnee_levels.add(level)
        fever_defaults += bool(category.get("fever_default"))
        hours = category.get("identify_within_hours")
        if hours is not None and (not isinstance(hours, int) or isinstance(hours, bool) or not 1 <= hours <= 720):
            problems.append(f"{where}: 'identify_within_hours' must be a whole number of hours from 1 to 720")
        for n, phase in enumerate(category.get("phases") or []):
            days = phase.get("days")
            if phase.get("kind") not in MEASURE_KINDS:
                problems.append(f"{where} phase {n + 1}: unknown kind '{phase.get('kind')}'")
            if not isinstance(days, int) or days < 1:
                problems.append(f"{where} phase {n + 1}: 'days' must be a positive whole number")
                continue
            tests = phase.get("test_days") or []
            if any(not isinstance(d, int) or d < 1 or d > days for d in tests):
                problems.append(f"{where} phase {n + 1}: test days must lie between 1 and {days}")
    if defaults > 1:
        problems.append("at most one category may be the push-list default")
    if fever_defaults > 1:
        problems.append("at most one category may be the fever default")
    if problems:
        raise ValidationError(problems)


def load_protocol_data(data: dict[str, Any], *, models: dict[str, Any], preset: bool = False) -> Any:
    """Create or replace the protocol `data` describes; `models` maps Protocol/Category/Phase to classes.

    Passing the classes lets the data migration use its historical models.
    """
    check_protocol_data(data)
    protocol_cls, category_cls, phase_cls = models["Protocol"], models["Category"], models["Phase"]
    effective = data.get("effective_from")
    with transaction.atomic():
        protocol, _created = protocol_cls.objects.update_or_create(
            code=data["code"],
            defaults={
                "disease": data["disease"],
                "name": data["name"],
                "edition": data.get("edition", ""),
                "effective_from": dt.date.fromisoformat(effective) if effective else None,
                "description": data.get("description", ""),
                "is_preset": preset,
            },
        )
        protocol.categories.all().delete()
        # The data migration 0002 runs this with a Category that predates the fever fields (0003 sets them).
        known = {f.name for f in category_cls._meta.get_fields()}
        for order, item in enumerate(data["categories"]):
            later = {
                "is_fever_default": bool(item.get("fever_default")),
                "identify_within_hours": item.get("identify_within_hours"),
                "returnee_risk_level": item.get("returnee_risk_level") or "",
            }
            category = category_cls.objects.create(
                protocol=protocol,
                code=item["code"],
                name=item["name"],
                description=item.get("description", ""),
                release_conditions=item.get("release_conditions", ""),
                is_push_default=bool(item.get("push_default")),
                order=order,
                **{k: v for k, v in later.items() if k in known},
            )
            phase_cls.objects.bulk_create(
                [
                    phase_cls(
                        category=category,
                        order=n,
                        kind=phase["kind"],
                        days=phase["days"],
                        test_days=list(phase.get("test_days") or []),
                    )
                    for n, phase in enumerate(item.get("phases") or [])
                ]
            )
    return protocol


def load_presets(*, models: dict[str, Any]) -> None:
    for filename in PRESET_FILES:
        load_protocol_data(read_preset(filename), models=models, preset=True)
