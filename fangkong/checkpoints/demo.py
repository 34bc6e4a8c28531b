"""Demo checkpoints: a gate per community, a traffic checkpoint, a venue, a day of registrations.

Plain rows go in with bulk_create (the demo must stay fast); the few abnormal passages go through
`register`, so their alerts and key persons are made exactly as at a real gate.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from typing import Any

from django.utils import timezone

from fangkong.checkpoints.models import (
    Checkpoint,
    CheckpointType,
    KitCheck,
    KitItem,
    Registration,
    Shift,
)
from fangkong.checkpoints.services import RegistrationInput, register
from fangkong.people.models import Person
from fangkong.places.models import Place, PlaceType

PASSAGES_PER_GATE = 40
STAFF = ("张建国", "李秀英", "王志强", "刘红梅", "陈立新", "杨静")


def _kit(checkpoint: Checkpoint, rng: random.Random) -> list[KitCheck]:
    return [KitCheck(checkpoint=checkpoint, item=item, present=rng.random() < 0.85) for item in KitItem.values]


def _shifts(checkpoint: Checkpoint, day: dt.date, rng: random.Random) -> list[Shift]:
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(8)))
    spans = [(0, 8), (8, 16)] if rng.random() < 0.3 else [(0, 8), (8, 16), (16, 24)]  # some gates lack a night shift
    shifts = [
        Shift(
            checkpoint=checkpoint,
            staff_name=rng.choice(STAFF),
            post="测温登记岗",
            starts_at=start + dt.timedelta(hours=a),
            ends_at=start + dt.timedelta(hours=b),
        )
        for a, b in spans
    ]
    shifts.append(
        Shift(
            checkpoint=checkpoint,
            staff_name=rng.choice(STAFF),
            post="巡查岗",
            starts_at=start,
            ends_at=start + dt.timedelta(hours=12),
            is_backup=True,
        )
    )
    return shifts


def load_demo_checkpoints(*, seed: int = 6) -> int:
    """Write the demo checkpoints and their registrations; returns how many registrations."""
    rng = random.Random(seed)  # noqa: S311 - deterministic demo data, not secrets
    district = Place.objects.filter(depth=1, type=PlaceType.DISTRICT).order_by("path").first()
    if district is None:
        return 0
    now = timezone.now()
    communities = list(Place.objects.filter(type=PlaceType.COMMUNITY).order_by("path"))
    checkpoints = [
        Checkpoint(
            name=f"{c.name}东门",
            type=CheckpointType.COMMUNITY_GATE,
            place=c,
            place_path=c.path,
            location=f"{c.name}东侧出入口",
            opening_hours="24小时",
        )
        for c in communities
    ]
    checkpoints.append(
        Checkpoint(
            name=f"{district.name}高速出口卡口",
            type=CheckpointType.TRAFFIC,
            place=district,
            place_path=district.path,
            location="高速公路收费站出口",
            opening_hours="24小时",
        )
    )
    if communities:
        first = communities[0]
        checkpoints.append(
            Checkpoint(
                name=f"{first.name}惠民超市",
                type=CheckpointType.VENUE,
                place=first,
                place_path=first.path,
                location="超市入口",
                opening_hours="07:00-22:00",
            )
        )
    # bulk_create sets the new ids (PostgreSQL and SQLite both return them), so only these gates get rows.
    checkpoints = Checkpoint.objects.bulk_create(checkpoints)
    kit: list[KitCheck] = []
    shifts: list[Shift] = []
    for cp in checkpoints:
        kit += _kit(cp, rng)
        shifts += _shifts(cp, timezone.localdate(now), rng)
    KitCheck.objects.bulk_create(kit, ignore_conflicts=True)
    Shift.objects.bulk_create(shifts)

    rows: list[Registration] = []
    for cp in checkpoints:
        residents = list(
            Person.objects.filter(place_path__startswith=cp.place_path, merged_into__isnull=True)
            .order_by("id")
            .values("id", "name", "document_type", "document_number", "phone")[: PASSAGES_PER_GATE * 3]
        )
        for _n in range(min(PASSAGES_PER_GATE, len(residents))):
            p = rng.choice(residents)
            rows.append(
                Registration(
                    client_id=uuid.UUID(int=rng.getrandbits(128), version=4),
                    checkpoint=cp,
                    place_path=cp.place_path,
                    person_id=p["id"],
                    name=p["name"],
                    document_type=p["document_type"],
                    document_number=p["document_number"],
                    phone=p["phone"],
                    direction=rng.choice(("in", "out")),
                    temperature=rng.choice(("36.2", "36.4", "36.5", "36.6", "36.8")),
                    health_code="green",
                    occurred_at=now - dt.timedelta(minutes=rng.randint(5, 36 * 60)),
                    source="gate",
                )
            )
    Registration.objects.bulk_create(rows, batch_size=2000)

    # A few abnormal passages at the demo checkpoint account's gate, through the real service.
    gate = checkpoints[0] if checkpoints else None
    created = 0
    if gate is not None:
        persons = list(Person.objects.filter(place_path__startswith=gate.place_path).order_by("-id")[:3])
        abnormal = [{"temperature": "38.1"}, {"health_code": "yellow"}, {"health_code": "red"}]
        for person, values in zip(persons, abnormal, strict=False):
            result = register(
                actor=None,
                data=RegistrationInput(
                    client_id=uuid.UUID(int=rng.getrandbits(128), version=4),
                    checkpoint_id=gate.pk,
                    direction="in",
                    document_type=person.document_type,
                    document_number=person.document_number,
                    occurred_at=now - dt.timedelta(minutes=30),
                    **values,
                ),
                checkpoint=gate,
            )
            created += result.status == "created"
    return len(rows) + created


def demo_step(**_: Any) -> None:
    """Demo step: gates, a traffic checkpoint, a venue and a day and a half of registrations."""
    load_demo_checkpoints()
