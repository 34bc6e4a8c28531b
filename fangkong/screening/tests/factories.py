"""Helpers to put persons under screening in tests."""

from __future__ import annotations

from typing import Any

from fangkong.people.models import Person
from fangkong.screening.models import KeyPerson
from fangkong.screening.services import SourceInput, add_key_person


def make_key_person(
    actor: Any, person: Person, *, kind: str = "tip_off", category: str = "close_contact", **source: Any
) -> KeyPerson:
    kp, _created = add_key_person(
        actor=actor, person=person, source=SourceInput(kind=kind, **source), category=category
    )
    return kp
