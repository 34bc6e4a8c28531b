"""A person's transfers, for the person's history (people.timeline)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.scoping import scope_to_user
from fangkong.people.models import Person
from fangkong.people.timeline import TimelineEvent
from fangkong.transfers.models import TransferKind, TransferPassenger

VIEW = "transfers.view_transfertask"


def transfer_events(user: Any, person: Person) -> Iterator[TimelineEvent]:
    if not user.has_perm(VIEW):
        return
    # One query; transferpassenger_person serves person = ?. Scoped by the task's place, as the task pages are.
    rows = scope_to_user(TransferPassenger.objects.filter(person=person), user, path_field="task__place_path").values(
        "task_id",
        "task__kind",
        "task__planned_at",
        "task__departed_at",
        "task__arrived_at",
        "task__cancelled_at",
        "task__to_site__name",
        "task__to_text",
        "added_at",
        "outcome",
    )
    kinds = dict(TransferKind.choices)
    for row in rows:
        url = reverse("transfers:detail", args=[row["task_id"]])
        destination = row["task__to_site__name"] or row["task__to_text"]
        what = str(kinds.get(row["task__kind"], ""))
        trip = f"{what} · {destination}" if destination else what
        yield TimelineEvent(
            at=row["added_at"],
            kind="transfers.planned",
            label=_("Transfer planned"),
            summary=_("%(trip)s, departure planned for %(when)s")
            % {"trip": trip, "when": f"{timezone.localtime(row['task__planned_at']):%Y-%m-%d %H:%M}"},
            url=url,
        )
        arrived = f"{trip} · {row['outcome']}" if row["outcome"] else trip
        stamps = (
            (row["task__departed_at"], "transfers.departed", _("Transfer departed"), trip),
            (row["task__arrived_at"], "transfers.arrived", _("Transfer arrived"), arrived),
            (row["task__cancelled_at"], "transfers.cancelled", _("Transfer cancelled"), trip),
        )
        for at, kind, label, summary in stamps:
            if at is not None:
                yield TimelineEvent(at=at, kind=kind, label=label, summary=summary, url=url)
