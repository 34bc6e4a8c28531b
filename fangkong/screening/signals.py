"""Receivers: a finished push-list import becomes key persons; a person merge re-points key persons."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from fangkong.imports.services import import_finished
from fangkong.people.services import person_merged


@receiver(import_finished, dispatch_uid="screening_push_list_to_key_persons")
def push_list_finished(sender: Any, job: Any, **kwargs: Any) -> None:
    if job.kind != "pushlist":
        return
    from fangkong.screening.pushlists import key_persons_from_push_list

    key_persons_from_push_list(job=job)


@receiver(person_merged, dispatch_uid="screening_person_merged")
def person_merged_receiver(sender: Any, survivor: Any, merged: Any, **kwargs: Any) -> None:
    from fangkong.screening.services import repoint_merged_person

    repoint_merged_person(survivor=survivor, merged=merged)
