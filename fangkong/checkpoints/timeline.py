"""A person's passages through checkpoints, for the person's history (people.timeline)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from fangkong.checkpoints.models import Direction, HealthCode, NextStep, Registration
from fangkong.core.scoping import scope_to_user
from fangkong.people.models import Person
from fangkong.people.timeline import TimelineEvent


def passage_events(user: Any, person: Person) -> Iterator[TimelineEvent]:
    if not user.has_perm("checkpoints.view_registration"):
        return
    # One query; registration_person_time serves person = ?.
    rows = scope_to_user(Registration.objects.filter(person=person), user).values(
        "checkpoint_id", "checkpoint__name", "direction", "temperature", "health_code", "next_step", "occurred_at"
    )
    directions = dict(Direction.choices)
    codes = dict(HealthCode.choices)
    steps = dict(NextStep.choices)
    may_open = user.has_perm("checkpoints.view_checkpoint")
    for row in rows:
        parts = [f"{row['checkpoint__name']} · {directions.get(row['direction'], '')}"]
        if row["temperature"] is not None:
            parts.append(f"{row['temperature']} °C")
        if row["health_code"]:
            parts.append(_("health code %(code)s") % {"code": codes.get(row["health_code"], "")})
        if row["next_step"] != NextStep.PASS:
            parts.append(str(steps.get(row["next_step"], "")))
        yield TimelineEvent(
            at=row["occurred_at"],
            kind="checkpoints.passage",
            label=_("Checkpoint passage"),
            summary=", ".join(parts),
            url=reverse("checkpoints:detail", args=[row["checkpoint_id"]]) if may_open else "",
        )
