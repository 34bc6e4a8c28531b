"""The command's hooks into the apps: readiness for the emergency mode and the daily-report figures.

Each app declares its `ReadinessCheck`s and `ReportFigure`s in its plugin.py; these functions call
every installed app's, in INSTALLED_APPS order. (The command and daily-report issues call them.)
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fangkong.core import plugins


def check_readiness(place: Any) -> dict[str, Any]:
    """Every app's readiness for `place`, by check key."""
    return {check.key: run(place) for check, run in plugins.call_each("readiness_checks", lambda c: c.check)}


def report_figures(place_path: str, day: dt.date) -> dict[str, int | float]:
    """Every app's daily-report figures for the places under `place_path` on `day`, by figure key."""
    return {
        figure.key: compute(place_path, day)
        for figure, compute in plugins.call_each("report_figures", lambda f: f.compute)
    }
