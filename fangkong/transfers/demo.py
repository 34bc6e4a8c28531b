"""Demo transfers: four vehicles of the district's pool and a few runs with their crews.

One run arrived yesterday and was disinfected, one arrived an hour ago and waits for its
disinfection (its vehicle shows "being disinfected"), one is planned for the persons still
waiting for a room. Runs that have arrived carry persons already placed at the site they went
to (or, when nobody is placed, persons at home, taken home), so the quarantine data stays
consistent; the rows go in directly (the demo must stay fast).
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.utils import timezone

from fangkong.places.models import Place
from fangkong.quarantine.models import Measure, MeasureStatus, Site, SiteStatus
from fangkong.transfers.models import (
    CrewMember,
    CrewRole,
    TransferKind,
    TransferPassenger,
    TransferStatus,
    TransferTask,
    Vehicle,
    VehicleKind,
    VehicleStatus,
)
from fangkong.transfers.requests import is_site_request, withdraw_from_site_request

DRIVERS = ("王建军", "李国强", "赵卫东", "孙志刚")
MEDICS = ("刘丽华", "陈静", "周敏")
SECURITY = ("吴磊", "郑浩")
# Kind, passenger seats, note.
POOL = (
    (VehicleKind.AMBULANCE, 2, "负压救护车，120急救中心调派"),
    (VehicleKind.VAN, 6, "转运专用车"),
    (VehicleKind.VAN, 6, "转运专用车"),
    (VehicleKind.BUS, 30, "大客车，集中转运用"),
)
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"


def _plates(rng: random.Random, n: int) -> list[str]:
    taken = set(Vehicle.objects.values_list("plate", flat=True))
    plates: list[str] = []
    while len(plates) < n:
        plate = f"豫C{rng.choice(PLATE_LETTERS)}{rng.randint(1000, 9999)}"
        if plate not in taken:
            taken.add(plate)
            plates.append(plate)
    return plates


def _phone(rng: random.Random) -> str:
    return f"13{rng.randint(5, 9)}{rng.randint(0, 99999999):08d}"


def _crew(task: TransferTask, rng: random.Random, *, security: bool = False) -> list[CrewMember]:
    crew = [
        CrewMember(task=task, role=CrewRole.DRIVER, name=rng.choice(DRIVERS), phone=_phone(rng)),
        CrewMember(task=task, role=CrewRole.MEDIC, name=rng.choice(MEDICS), phone=_phone(rng)),
    ]
    if security:
        crew.append(CrewMember(task=task, role=CrewRole.SECURITY, name=rng.choice(SECURITY), phone=_phone(rng)))
    return crew


def _arrived_run(
    *,
    vehicle: Vehicle,
    measures: list[Measure],
    arrived_at: dt.datetime,
    disinfected: bool,
    rng: random.Random,
) -> TransferTask:
    """A finished run: to the site the persons are placed at, or home for those at home."""
    first = measures[0]
    departed = arrived_at - dt.timedelta(minutes=rng.randint(25, 70))
    home = (first.person.address or first.place.name)[:200]
    to_site = first.site
    task = TransferTask.objects.create(
        kind=TransferKind.TO_SITE if to_site else TransferKind.TO_HOME,
        status=TransferStatus.ARRIVED,
        place_id=first.place_id,
        place_path=first.place_path,
        from_address=home if to_site else "火车站转运接驳点",
        to_site=to_site,
        to_text="" if to_site else home,
        vehicle=vehicle,
        planned_at=departed - dt.timedelta(minutes=15),
        departed_at=departed,
        arrived_at=arrived_at,
        disinfected_at=arrived_at + dt.timedelta(minutes=50) if disinfected else None,
    )
    outcome = "已安置" if to_site else "已到家"
    task.arrival_note = f"转运任务 #{task.pk} 已到达；{len(measures)} 人{outcome}。"
    task.save(update_fields=["arrival_note"])
    TransferPassenger.objects.bulk_create(
        [
            TransferPassenger(task=task, measure=m, person_id=m.person_id, is_active=False, outcome=outcome)
            for m in measures
        ]
    )
    CrewMember.objects.bulk_create(_crew(task, rng, security=len(measures) > 2))
    return task


def seed_transfers(district: Place, rng: random.Random) -> dict[str, Any]:
    """Write the demo vehicles and runs for `district`; returns what was made."""
    now = timezone.now()
    vehicles = Vehicle.objects.bulk_create(
        [
            Vehicle(plate=plate, kind=kind, seats=seats, note=note, place=district, place_path=district.path)
            for plate, (kind, seats, note) in zip(_plates(rng, len(POOL)), POOL, strict=True)
        ]
    )
    _ambulance, van1, van2, bus = vehicles
    tasks: list[TransferTask] = []
    active = Measure.objects.filter(status=MeasureStatus.ACTIVE, place_path__startswith=district.path)
    related = ("person", "place", "site")
    # Finished runs carry persons already at a site (brought there) or, failing that, at home (taken home).
    done = list(active.filter(site__isnull=False).select_related(*related).order_by("site_id", "id")[:6]) or list(
        active.filter(at_home=True).select_related(*related).order_by("id")[:4]
    )
    if done:
        # Each run goes to one destination: the persons of the first site (or home) only.
        same = [m for m in done if m.site_id == done[0].site_id]
        half = max(1, len(same) // 2)
        yesterday = now - dt.timedelta(days=1, hours=rng.randint(0, 6))
        runs = [(bus, same[:half], yesterday, True), (van1, same[half:], now - dt.timedelta(hours=1), False)]
        for vehicle, measures, arrived_at, disinfected in runs:
            if measures:
                tasks.append(
                    _arrived_run(
                        vehicle=vehicle, measures=measures, arrived_at=arrived_at, disinfected=disinfected, rng=rng
                    )
                )
                if not disinfected:
                    vehicle.status = VehicleStatus.DISINFECTING
                    vehicle.save(update_fields=["status"])
    waiting = list(
        active.filter(site__isnull=True, at_home=False).select_related("person", "place").order_by("id")[: van2.seats]
    )
    # Persons controlled while a room was free asked for a transfer; the planned run below takes them instead.
    for passenger in TransferPassenger.objects.filter(
        is_active=True, person_id__in=[m.person_id for m in waiting]
    ).select_related("task"):
        if is_site_request(passenger.task):
            withdraw_from_site_request(actor=None, passenger=passenger, reason="集中隔离转运")
    busy = set(
        TransferPassenger.objects.filter(is_active=True, person_id__in=[m.person_id for m in waiting]).values_list(
            "person_id", flat=True
        )
    )
    waiting = [m for m in waiting if m.person_id not in busy]
    target = Site.objects.filter(place_path__startswith=district.path, status=SiteStatus.IN_USE).order_by("id").first()
    if waiting and target is not None:
        first = waiting[0]
        task = TransferTask.objects.create(
            kind=TransferKind.TO_SITE,
            place_id=first.place_id,
            place_path=first.place_path,
            from_address=(first.person.address or first.place.name)[:200],
            to_site=target,
            vehicle=van2,
            planned_at=now + dt.timedelta(hours=1),
            reason="集中隔离转运",
        )
        TransferPassenger.objects.bulk_create(
            [TransferPassenger(task=task, measure=m, person_id=m.person_id) for m in waiting]
        )
        CrewMember.objects.bulk_create(_crew(task, rng, security=True))
        tasks.append(task)
    return {"vehicles": len(vehicles), "tasks": len(tasks)}


def demo_step(**_: Any) -> None:
    """Demo step: vehicles and runs for the district's measures."""
    seed_transfers(Place.objects.get(depth=1), random.Random(11))  # noqa: S311 - deterministic demo data
