"""Demo monitoring: a home record for every measure at home (care team, door seal, deliveries), the
last two days of health reports with a few missed, a few fevers (urgent alerts and hospital transfers)
and the missed-report alerts a sweep raises.

Written in bulk (the benchmark has 20,000 measures); only the handful of fevers go through the
services, so their alerts and transfer tasks are made exactly as for a real report.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.db import transaction

from fangkong.monitoring import slots
from fangkong.monitoring.models import (
    CareTeamMember,
    Delivery,
    DeliveryStatus,
    HealthReport,
    HomeCare,
    ReportSource,
    TeamRole,
)
from fangkong.monitoring.services import _store, raise_missed_report_alerts
from fangkong.places.models import Place
from fangkong.quarantine.models import Measure, MeasureStatus

BATCH = 2000
DAYS = 2
FEVERS = 3
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ("建国", "秀英", "志强", "红梅", "立新", "静", "海燕", "卫东", "丽娟", "国庆", "晓峰", "桂兰")
DUTIES = {
    TeamRole.CADRE: "街道干部",
    TeamRole.GRID_WORKER: "网格员",
    TeamRole.COMMUNITY_WORKER: "社区工作人员",
    TeamRole.MEDIC: "社区医生",
    TeamRole.OTHER: "民警",
}
ITEMS = ("大米5公斤、食用油", "蔬菜一份、鸡蛋", "降压药、体温计", "牛奶、面包", "纸巾、消毒液", "婴儿奶粉")


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _phone(rng: random.Random) -> str:
    return f"13{rng.randint(5, 9)}{rng.randint(0, 99_999_999):08d}"


def seed_monitoring(district: Place, rng: random.Random) -> dict[str, int]:
    """Monitoring for the demo measures of `district`; deterministic for a given `rng`."""
    now = slots.current_time()
    measures = Measure.objects.filter(place_path__startswith=district.path, status=MeasureStatus.ACTIVE)
    cares = _home_cares(measures, rng, now)
    fevers = _fevers(measures, rng, now)
    reports = _reports(measures, rng, now)
    missed = raise_missed_report_alerts(now=now)
    return {"home_cares": cares, "reports": reports, "fevers": fevers, "missed_alerts": missed}


def _home_cares(measures: Any, rng: random.Random, now: dt.datetime) -> int:
    rows = list(
        measures.filter(at_home=True, home_care__isnull=True)
        .order_by("id")
        .values_list("id", "place_path", "person__place_id", "person__place__path")
    )
    created = 0
    for start in range(0, len(rows), BATCH):
        chunk = rows[start : start + BATCH]
        with transaction.atomic():
            cares = []
            for measure_id, path, household_id, household_path in chunk:
                # Laocheng-style six-to-one in one street out of three; otherwise four-to-one.
                street = household_path[Place.steplen : 2 * Place.steplen]
                size = 6 if int(street or "0", 36) % 3 == 0 else 4
                sealed = rng.random() < 0.7
                cares.append(
                    HomeCare(
                        measure_id=measure_id,
                        household_id=household_id,
                        place_path=path,
                        team_size=size,
                        seal_applied_at=now - dt.timedelta(hours=rng.randint(2, 200)) if sealed else None,
                        sensor_id=f"MC-{measure_id:05d}" if sealed and rng.random() < 0.4 else "",
                    )
                )
            cares = HomeCare.objects.bulk_create(cares, batch_size=BATCH)
            members, deliveries = [], []
            for care in cares:
                roles = [TeamRole.CADRE, TeamRole.GRID_WORKER, TeamRole.COMMUNITY_WORKER, TeamRole.MEDIC]
                roles += [TeamRole.OTHER] * (care.team_size - 4)
                # One team in six still lacks a member: the list's "team incomplete" filter finds it.
                if rng.random() < 1 / 6:
                    roles.pop(rng.randrange(len(roles)))
                phones: set[str] = set()
                for role in roles:
                    phone = _phone(rng)
                    while phone in phones:
                        phone = _phone(rng)
                    phones.add(phone)
                    members.append(
                        CareTeamMember(home_care=care, role=role, name=_name(rng), phone=phone, duty=DUTIES[role])
                    )
                for _n in range(rng.choice((0, 0, 1, 2))):
                    asked = now - dt.timedelta(hours=rng.randint(1, 72))
                    done = rng.random() < 0.7
                    deliveries.append(
                        Delivery(
                            home_care=care,
                            items=rng.choice(ITEMS),
                            requested_at=asked,
                            status=DeliveryStatus.DELIVERED if done else DeliveryStatus.REQUESTED,
                            delivered_at=asked + dt.timedelta(hours=rng.randint(1, 6)) if done else None,
                        )
                    )
            CareTeamMember.objects.bulk_create(members, batch_size=BATCH)
            Delivery.objects.bulk_create(deliveries, batch_size=BATCH)
        created += len(cares)
    return created


def _reports(measures: Any, rng: random.Random, now: dt.datetime) -> int:
    """Normal readings for the windows of the last two days that have opened; one in twelve missed."""
    windows = [
        (day, w)
        for back in range(DAYS - 1, -1, -1)
        for day in [slots.local(now).date() - dt.timedelta(days=back)]
        for w in slots.windows()
        if w.opens_at(day) <= now
    ]
    rows = list(measures.order_by("id").values_list("id", "place_path", "started_on", "at_home", "site_id"))
    done = set(
        HealthReport.objects.filter(
            measure__in=measures, date__gte=windows[0][0] if windows else now.date()
        ).values_list("measure_id", "date", "slot")
    )
    out: list[HealthReport] = []
    total = 0
    for measure_id, path, started_on, at_home, site_id in rows:
        for day, window in windows:
            if day < started_on or (measure_id, day, window.slot) in done or rng.random() < 1 / 12:
                continue
            source = ReportSource.SELF if at_home and rng.random() < 0.8 else ReportSource.SITE_MEDIC
            if source == ReportSource.SITE_MEDIC and not site_id:
                source = ReportSource.CARE_TEAM
            out.append(
                HealthReport(
                    measure_id=measure_id,
                    place_path=path,
                    date=day,
                    slot=window.slot,
                    temperature=Decimal(rng.randint(361, 370)) / 10,
                    source=source,
                )
            )
        if len(out) >= BATCH:
            HealthReport.objects.bulk_create(out, batch_size=BATCH, ignore_conflicts=True)
            total += len(out)
            out = []
    HealthReport.objects.bulk_create(out, batch_size=BATCH, ignore_conflicts=True)
    return total + len(out)


def _fevers(measures: Any, rng: random.Random, now: dt.datetime) -> int:
    """A few persons at home report a fever in the open (or last) window: urgent alerts, hospital transfers."""
    day, slot = slots.current_slot(now)
    if not slots.has_opened(day, slot, now):
        return 0
    reported = HealthReport.objects.filter(measure__in=measures, date=day, slot=slot).values("measure_id")
    if reported.exists():
        return 0  # seeded before
    candidates = list(
        measures.filter(at_home=True, started_on__lte=day).order_by("id").values_list("id", flat=True)[:200]
    )
    chosen = rng.sample(candidates, min(FEVERS, len(candidates)))
    for measure in Measure.objects.filter(pk__in=chosen).order_by("id"):
        with transaction.atomic():
            _store(
                measure=measure,
                day=day,
                slot=slot,
                temperature=Decimal(rng.randint(375, 391)) / 10,
                symptoms=["cough"] if rng.random() < 0.5 else [],
                other="",
                source=ReportSource.SELF,
                actor=None,
                duplicate_message="",
            )
    return len(chosen)


def demo_step(**_: Any) -> None:
    """Demo step: health monitoring of the district's measures."""
    seed_monitoring(Place.objects.get(depth=1), random.Random(12))  # noqa: S311 - deterministic demo data
