"""Demo quarantine: sites in use and in reserve (Weidong had 3 and 12, 636 rooms), and a measure for
every controlled key person, placed in rooms while their central phase lasts.

Written in bulk, so the benchmark's 20,000 measures over 5,000 rooms cost seconds. Start dates
are spread over the last two weeks so that the daily lists and the board have something on every day.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterator
from typing import Any

from django.db import transaction
from django.utils import timezone

from fangkong.places.models import Place, PlaceType
from fangkong.protocols.models import MeasureKind
from fangkong.quarantine.models import (
    Measure,
    MeasureEvent,
    MeasurePhase,
    MeasureTest,
    Placement,
    Room,
    RoomStatus,
    RoomType,
    Site,
    SiteKind,
    SiteStaff,
    SiteStatus,
    StaffRole,
    TestOutcome,
)
from fangkong.screening.models import ClearState, KeyPerson

SITE_NAMES = (
    "锦江之星", "如家快捷", "汉庭酒店", "格林豪泰", "维也纳酒店", "七天连锁", "城市便捷", "尚客优",
    "莫泰酒店", "速8酒店", "布丁酒店", "全季酒店", "宜必思", "丽枫酒店", "亚朵酒店",
)  # fmt: skip
STAFF = (
    (StaffRole.MANAGER, "点长", "08:00", "20:00"),
    (StaffRole.MEDICAL, "医护", "08:00", "20:00"),
    (StaffRole.MEDICAL, "医护", "20:00", "08:00"),
    (StaffRole.SECURITY, "安保", "08:00", "20:00"),
    (StaffRole.SECURITY, "安保", "20:00", "08:00"),
    (StaffRole.PSYCHOLOGICAL, "心理疏导", "09:00", "17:00"),
    (StaffRole.CLEANING, "保洁消杀", "07:00", "19:00"),
)
BATCH = 2000


def add_demo_sites(*, in_use: int, reserve: int, rooms_per_site: int, first: int = 0) -> list[Site]:
    """Sites spread over the district's streets, each with rooms on floors of 20 and a staff roster."""
    streets = list(Place.objects.filter(type=PlaceType.STREET).order_by("path"))
    if not streets:
        return []
    sites = []
    for n in range(in_use + reserve):
        street = streets[n % len(streets)]
        number = first + n
        name = f"{SITE_NAMES[number % len(SITE_NAMES)]}（{street.name}{'店' if number < len(SITE_NAMES) else number}）"
        sites.append(
            Site(
                name=name,
                kind=SiteKind.HOTEL if number % 4 else SiteKind.FACILITY,
                place=street,
                place_path=street.path,
                address=f"{street.name}建设路{number + 1}号",
                status=SiteStatus.IN_USE if n < in_use else SiteStatus.RESERVE,
                contact_name=f"王{'一二三四五六七八九十'[number % 10]}",
                contact_phone=f"1390391{number:04d}",
                free_rooms_warning=max(2, rooms_per_site // 10),
            )
        )
    sites = Site.objects.bulk_create(sites)
    rooms = []
    for site in sites:
        for r in range(rooms_per_site):
            floor, index = divmod(r, 20)
            family = index >= 18  # the last two rooms of a floor take a family
            rooms.append(
                Room(
                    site=site,
                    number=f"{floor + 2}{index + 1:02d}",
                    floor=floor + 2,
                    room_type=RoomType.FAMILY if family else RoomType.SINGLE,
                    capacity=3 if family else 1,
                )
            )
    Room.objects.bulk_create(rooms, batch_size=BATCH)
    SiteStaff.objects.bulk_create(
        [
            SiteStaff(
                site=site,
                name=f"{label}{site.pk % 100:02d}{i}",
                role=role,
                phone=f"1377391{(site.pk * 10 + i) % 10000:04d}",
                shift_starts=dt.time.fromisoformat(starts),
                shift_ends=dt.time.fromisoformat(ends),
            )
            for site in sites
            for i, (role, label, starts, ends) in enumerate(STAFF)
        ]
    )
    return sites


def _chunks(ids: list[int], n: int) -> Iterator[list[int]]:
    for i in range(0, len(ids), n):
        yield ids[i : i + n]


def _shifted(schedule: list[dict[str, Any]], days: int) -> list[dict[str, Any]]:
    delta = dt.timedelta(days=days)

    def move(iso: str) -> str:
        return (dt.date.fromisoformat(iso) - delta).isoformat()

    return [
        {
            **p,
            "starts_on": move(p["starts_on"]),
            "ends_on": move(p["ends_on"]),
            "test_dates": [move(d) for d in p.get("test_dates", [])],
        }
        for p in schedule
    ]


def add_demo_measures(*, today: dt.date | None = None) -> int:
    """A measure for every controlled key person that has none; the central phase in a free room."""
    today = today or timezone.localdate()
    taken = Measure.objects.filter(status="active").values("key_person_id")
    ids = list(
        KeyPerson.objects.filter(clear_state=ClearState.CONTROLLED)
        .exclude(schedule=[])
        .exclude(pk__in=taken)
        .order_by("id")
        .values_list("id", flat=True)
    )
    free = list(
        Room.objects.filter(site__status=SiteStatus.IN_USE, status=RoomStatus.FREE, room_type=RoomType.SINGLE)
        .order_by("site_id", "floor", "number")
        .values_list("id", "site_id")
    )
    placed_by = None
    from django.contrib.auth import get_user_model

    placed_by = get_user_model().objects.filter(username="site1").first() or get_user_model().objects.first()
    created = 0
    for chunk in _chunks(ids, BATCH):
        with transaction.atomic():
            created += _measure_chunk(chunk, today, free, placed_by)
    return created


def _measure_chunk(ids: list[int], today: dt.date, free: list[tuple[int, int]], placed_by: Any) -> int:
    kps = list(KeyPerson.objects.filter(pk__in=ids).order_by("id"))
    measures, schedules = [], []
    for kp in kps:
        phases = [p for p in kp.schedule if p.get("kind") != MeasureKind.NONE]
        if not phases:
            continue
        # Started between 0 and 13 days ago, by id, so every day of the lists has someone.
        phases = _shifted(phases, (kp.pk * 7) % 14)
        kp.schedule = phases
        kp.measure_started_on = dt.date.fromisoformat(phases[0]["starts_on"])
        current = next((p for p in phases if p["starts_on"] <= today.isoformat() <= p["ends_on"]), phases[-1])
        measures.append(
            Measure(
                key_person_id=kp.pk,
                person_id=kp.person_id,
                place_id=kp.place_id,
                place_path=kp.place_path,
                protocol_id=kp.protocol_id,
                category=kp.category,
                started_on=kp.measure_started_on,
                ends_on=max(dt.date.fromisoformat(phases[-1]["ends_on"]), today),
                at_home=current["kind"] in (MeasureKind.HOME_QUARANTINE, MeasureKind.HOME_MONITORING),
                report_key=secrets.token_hex(8),
            )
        )
        schedules.append(phases)
    KeyPerson.objects.bulk_update(kps, ["schedule", "measure_started_on"], batch_size=BATCH)
    measures = Measure.objects.bulk_create(measures, batch_size=BATCH)
    phase_rows, tests, placements, events = [], [], [], []
    occupied: list[int] = []
    for measure, phases in zip(measures, schedules, strict=True):
        events.append(MeasureEvent(measure=measure, kind="started"))
        for order, p in enumerate(phases):
            phase_rows.append(
                MeasurePhase(
                    measure=measure,
                    order=order,
                    kind=p["kind"],
                    starts_on=dt.date.fromisoformat(p["starts_on"]),
                    ends_on=dt.date.fromisoformat(p["ends_on"]),
                )
            )
        for due in sorted({d for p in phases for d in p.get("test_dates", [])}):
            due_on = dt.date.fromisoformat(due)
            done = due_on < today or (due_on == today and measure.pk % 3)
            tests.append(
                MeasureTest(
                    measure=measure,
                    due_on=due_on,
                    sampled_on=due_on if done else None,
                    outcome=TestOutcome.NEGATIVE if done else "",
                    recorded_at=timezone.now() if done else None,
                )
            )
        central = next(
            (
                p
                for p in phases
                if p["kind"] == MeasureKind.CENTRAL_QUARANTINE and p["starts_on"] <= today.isoformat() <= p["ends_on"]
            ),
            None,
        )
        # One in twenty waits for a room, so the "not yet placed" queue has work in it.
        if central is not None and free and measure.pk % 20:
            room_id, site_id = free.pop(0)
            placements.append(
                Placement(
                    measure=measure,
                    person_id=measure.person_id,
                    room_id=room_id,
                    site_id=site_id,
                    place_path=measure.place_path,
                    placed_by=placed_by,
                    expected_end=dt.date.fromisoformat(central["ends_on"]),
                )
            )
            measure.site_id = site_id
            occupied.append(room_id)
    MeasurePhase.objects.bulk_create(phase_rows, batch_size=BATCH)
    MeasureTest.objects.bulk_create(tests, batch_size=BATCH)
    MeasureEvent.objects.bulk_create(events, batch_size=BATCH)
    Placement.objects.bulk_create(placements, batch_size=BATCH)
    Measure.objects.bulk_update([m for m in measures if m.site_id], ["site"], batch_size=BATCH)
    Room.objects.filter(pk__in=occupied).update(occupants=1, status=RoomStatus.OCCUPIED)
    return len(measures)


def _roster_demo_account(sites: list[Site]) -> None:
    """The demo site account is the first site's manager, so it lands on that site."""
    from django.contrib.auth import get_user_model

    account = get_user_model().objects.filter(username="site1").first()
    first_in_use = next((s for s in sites if s.status == SiteStatus.IN_USE), None)
    if account is not None and first_in_use is not None:
        SiteStaff.objects.filter(site=first_in_use, role=StaffRole.MANAGER).update(user=account)


def load_demo_quarantine(*, in_use: int = 3, reserve: int = 12, rooms_per_site: int = 42) -> dict[str, int]:
    """The demo district's sites and measures, then transfers and monitoring built on them."""
    sites = add_demo_sites(in_use=in_use, reserve=reserve, rooms_per_site=rooms_per_site)
    _roster_demo_account(sites)
    # Every fifth room of a site in use is being cleaned: guests left this morning.
    cleaning = list(
        Room.objects.filter(site__status=SiteStatus.IN_USE, room_type=RoomType.SINGLE)
        .order_by("id")
        .values_list("id", flat=True)[::5]
    )
    Room.objects.filter(pk__in=cleaning).update(status=RoomStatus.CLEANING)
    measures = add_demo_measures()
    return {"sites": in_use + reserve, "measures": measures}


def demo_step(**_: Any) -> None:
    """Demo step: sites, rooms and a measure for every controlled key person."""
    load_demo_quarantine()
