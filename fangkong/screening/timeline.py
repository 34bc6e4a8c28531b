"""The key-person records of a person, for the person's history (people.timeline)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from fangkong.core.scoping import scope_to_user
from fangkong.people.models import Person
from fangkong.people.timeline import TimelineEvent
from fangkong.protocols.selectors import category_name_subquery
from fangkong.screening.models import ClearState, KeyPerson

# Each clear is stamped on the record itself, so one row carries the whole path through the three clears.
STAMPS = (
    ("identified_at", ClearState.IDENTIFIED),
    ("verified_at", ClearState.VERIFIED),
    ("controlled_at", ClearState.CONTROLLED),
    ("released_at", ClearState.RELEASED),
)


def key_person_events(user: Any, person: Person) -> Iterator[TimelineEvent]:
    if not user.has_perm("screening.view_keyperson"):
        return
    # One query; keyperson_person serves person = ?.
    rows = (
        scope_to_user(KeyPerson.objects.filter(person=person), user)
        .annotate(category_name=category_name_subquery())
        .values("id", "category", "category_name", "created_at", *(field for field, _state in STAMPS))
    )
    for row in rows:
        url = reverse("screening:detail", args=[row["id"]])
        category = row["category_name"] or row["category"]
        yield TimelineEvent(
            at=row["created_at"],
            kind="screening.key_person",
            label=_("Key person"),
            summary=_("Put under screening as %(category)s") % {"category": category},
            url=url,
        )
        for field, state in STAMPS:
            if row[field] is not None:
                yield TimelineEvent(
                    at=row[field],
                    kind=f"screening.{state}",
                    label=str(ClearState(state).label),
                    summary=_("Key person (%(category)s)") % {"category": category},
                    url=url,
                )
