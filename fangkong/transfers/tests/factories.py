"""Transfers test data: a site with rooms, persons under a measure, vehicles and tasks."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.utils import timezone

from fangkong.conftest import World, make_person
from fangkong.people.models import Person
from fangkong.places.models import Place
from fangkong.quarantine.models import Measure, Site, SiteStatus
from fangkong.quarantine.services import SiteInput, add_rooms, create_site
from fangkong.screening.services import transition
from fangkong.screening.tests.factories import make_key_person
from fangkong.transfers.models import TransferKind, TransferTask, Vehicle
from fangkong.transfers.services import CrewInput, TaskInput, VehicleInput, create_task, create_vehicle

_seq = itertools.count()
_plates = itertools.count(10001)


def make_site(
    actor: Any, place: Place, *, rooms: int = 3, status: str = SiteStatus.IN_USE, name: str = "隔离酒店"
) -> Site:
    site = create_site(actor=actor, data=SiteInput(name=name, place=place, address="建设路1号", status=status))
    if rooms:
        add_rooms(actor=actor, site=site, numbers=[str(101 + n) for n in range(rooms)], floor=1)
    return site


def make_measure(actor: Any, person: Person, *, category: str = "close_contact") -> Measure:
    """A key person taken through the three clears: controlling them opens the measure."""
    kp = make_key_person(actor, person, category=category)
    for step in ("identified", "verified", "controlled"):
        kp = transition(actor=actor, key_person=kp, to=step)
    return Measure.objects.get(key_person=kp)


def new_measure(world: World, side: str = "A", *, name: str = "") -> Measure:
    """A new resident of the side's household, put under a measure by HQ."""
    s = getattr(world, side)
    n = 50 + next(_seq) % 400
    # Odd sequence numbers: the IDs are of men, and each number is used once.
    person = make_person(s.household, name=name or f"转运{side}{n}", seq=2 * n + 1, phone=f"139{n:08d}")
    return make_measure(world.hq, person)


def make_vehicle(actor: Any, place: Place, *, seats: int = 4, plate: str = "") -> Vehicle:
    return create_vehicle(
        actor=actor, data=VehicleInput(plate=plate or f"豫C{next(_plates)}", seats=seats, place=place)
    )


def make_task(
    actor: Any,
    measures: list[Measure],
    *,
    vehicle: Vehicle | None = None,
    site: Site | None = None,
    kind: str = TransferKind.TO_SITE,
    driver: bool = True,
    place: Place | None = None,
) -> TransferTask:
    return create_task(
        actor=actor,
        data=TaskInput(
            kind=kind,
            measures=measures,
            planned_at=timezone.now() + dt.timedelta(hours=1),
            vehicle=vehicle,
            to_site=site,
            to_text="" if kind == TransferKind.TO_SITE else "市第一人民医院",
            from_address="建设路88号",
            place=place,
            crew=[CrewInput(role="driver", name="王师傅", phone="13700000001")] if driver else [],
        ),
    )
