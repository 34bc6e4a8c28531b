"""Quarantine test data: a site with rooms, and a key person put under a measure."""

from __future__ import annotations

from typing import Any

from fangkong.people.models import Person
from fangkong.places.models import Place
from fangkong.quarantine.models import Measure, Room, Site, SiteStatus
from fangkong.quarantine.services import SiteInput, add_rooms, create_site
from fangkong.screening.services import transition
from fangkong.screening.tests.factories import make_key_person


def make_site(
    actor: Any,
    place: Place,
    *,
    rooms: int = 3,
    status: str = SiteStatus.IN_USE,
    name: str = "隔离酒店",
    room_type: str = "single",
    capacity: int = 1,
) -> Site:
    site = create_site(actor=actor, data=SiteInput(name=name, place=place, address="建设路1号", status=status))
    if rooms:
        add_rooms(
            actor=actor,
            site=site,
            numbers=[str(101 + n) for n in range(rooms)],
            floor=1,
            room_type=room_type,
            capacity=capacity,
        )
    return site


def make_measure(actor: Any, person: Person, *, category: str = "close_contact") -> Measure:
    """A key person taken through the three clears: controlling them opens the measure."""
    kp = make_key_person(actor, person, category=category)
    for step in ("identified", "verified", "controlled"):
        kp = transition(actor=actor, key_person=kp, to=step)
    return Measure.objects.get(key_person=kp)


def room(site: Site, number: str) -> Room:
    return Room.objects.get(site=site, number=number)
