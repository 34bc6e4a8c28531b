"""A person's health reports under a measure, for the person's history (people.timeline)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from fangkong.core.scoping import scope_to_user
from fangkong.monitoring.models import HealthReport, Slot, Symptom
from fangkong.people.models import Person
from fangkong.people.timeline import TimelineEvent


def health_report_events(user: Any, person: Person) -> Iterator[TimelineEvent]:
    if not user.has_perm("monitoring.view_healthreport"):
        return
    # One query, through the measure: measure_person, then healthreport_one_per_slot (measure, date, slot).
    rows = scope_to_user(HealthReport.objects.filter(measure__person=person), user).values(
        "measure_id", "date", "slot", "temperature", "symptoms", "other_symptom", "created_at"
    )
    slots = dict(Slot.choices)
    symptoms = dict(Symptom.choices)
    for row in rows:
        summary = _("%(temperature)s °C, %(slot)s of %(day)s") % {
            "temperature": row["temperature"],
            "slot": slots.get(row["slot"], ""),
            "day": f"{row['date']:%Y-%m-%d}",
        }
        named = [str(symptoms.get(s, "")) for s in row["symptoms"] if s != Symptom.OTHER]
        if row["other_symptom"]:
            named.append(row["other_symptom"])
        if named:
            summary = f"{summary}; " + _("symptoms: %(symptoms)s") % {"symptoms": ", ".join(named)}
        yield TimelineEvent(
            at=row["created_at"],
            kind="monitoring.health_report",
            label=_("Health report"),
            summary=summary,
            url=reverse("monitoring:measure", args=[row["measure_id"]]),
        )
