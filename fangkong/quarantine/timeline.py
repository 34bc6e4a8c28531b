"""A person's measures and room stays, for the person's history (people.timeline)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from fangkong.core.scoping import scope_to_user
from fangkong.people.models import Person
from fangkong.people.timeline import TimelineEvent
from fangkong.protocols.selectors import category_name_subquery
from fangkong.quarantine.models import Measure, Placement

VIEW = "quarantine.view_measure"


def measure_events(user: Any, person: Person) -> Iterator[TimelineEvent]:
    if not user.has_perm(VIEW):
        return
    # One query; measure_person serves person = ?.
    rows = (
        scope_to_user(Measure.objects.filter(person=person), user)
        .annotate(category_name=category_name_subquery())
        .values(
            "id",
            "category",
            "category_name",
            "started_on",
            "ends_on",
            "at_home",
            "site__name",
            "created_at",
            "released_at",
        )
    )
    for row in rows:
        url = reverse("quarantine:measure_detail", args=[row["id"]])
        category = row["category_name"] or row["category"]
        where = row["site__name"] or (_("at home") if row["at_home"] else "")
        summary = _("%(category)s, %(start)s to %(end)s") % {
            "category": category,
            "start": f"{row['started_on']:%Y-%m-%d}",
            "end": f"{row['ends_on']:%Y-%m-%d}",
        }
        yield TimelineEvent(
            at=row["created_at"],
            kind="quarantine.measure_started",
            label=_("Measure started"),
            summary=f"{summary} · {where}" if where else summary,
            url=url,
        )
        if row["released_at"] is not None:
            yield TimelineEvent(
                at=row["released_at"],
                kind="quarantine.measure_released",
                label=_("Released from the measure"),
                summary=category,
                url=url,
            )


def placement_events(user: Any, person: Person) -> Iterator[TimelineEvent]:
    if not user.has_perm(VIEW):
        return
    # One query, through the measure: measure_person, then the placement's measure index.
    rows = scope_to_user(Placement.objects.filter(measure__person=person), user).values(
        "measure_id", "site__name", "room__number", "placed_at", "ended_at", "end_reason"
    )
    for row in rows:
        url = reverse("quarantine:measure_detail", args=[row["measure_id"]])
        room = _("%(site)s, room %(room)s") % {"site": row["site__name"], "room": row["room__number"]}
        yield TimelineEvent(
            at=row["placed_at"], kind="quarantine.placed", label=_("Placed in a room"), summary=room, url=url
        )
        if row["ended_at"] is not None:
            yield TimelineEvent(
                at=row["ended_at"],
                kind="quarantine.left_room",
                label=_("Left the room"),
                summary=f"{room} · {row['end_reason']}" if row["end_reason"] else room,
                url=url,
            )
