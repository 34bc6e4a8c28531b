"""Quarantine's receivers of screening's signals: a measure opens when screening puts a key person
under control, and a release that bypasses the measure is refused. Receivers only call services
and selectors.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.dispatch import receiver
from django.utils.translation import gettext as _

from fangkong.quarantine.services import open_measure
from fangkong.screening.services import key_person_controlled, key_person_releasing, release_elsewhere


@receiver(key_person_controlled, dispatch_uid="quarantine_open_measure")
def open_measure_for_key_person(sender: Any, key_person: Any, actor: Any, request: Any = None, **kwargs: Any) -> None:
    if key_person.schedule:
        open_measure(actor=actor, key_person=key_person, request=request)


def release_under_measure_message(key_person: Any) -> str:
    """Why a key person under an active measure is not released from the key-person page ("" when they may be)."""
    from fangkong.quarantine.models import Measure, MeasureStatus

    if Measure.objects.filter(key_person=key_person, status=MeasureStatus.ACTIVE).exists():
        return _(
            "This person is under a measure: release them from the measure page, where its conditions are checked."
        )
    return ""


@receiver(key_person_releasing, dispatch_uid="quarantine_release_through_measure")
def refuse_release_under_measure(sender: Any, key_person: Any, **kwargs: Any) -> None:
    message = release_under_measure_message(key_person)
    if message:
        raise ValidationError(message)


@receiver(release_elsewhere, dispatch_uid="quarantine_release_elsewhere")
def released_through_the_measure(sender: Any, key_person: Any, **kwargs: Any) -> str:
    return release_under_measure_message(key_person)
