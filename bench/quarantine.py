"""Quarantine benchmarks (issue 7), over 50 sites in use, 5,000 rooms and 20,000 persons under measure
(topped up once in the bench database with quarantine.demo and kept):

- quarantine_capacity_board: GET /quarantine/capacity/ as hq (the whole request) vs the bare SQL that
  returns the same numbers (rooms per site and status, departures per site and day).
  Targets: at most 300 ms; the ratio is reported.
- quarantine_daily_lists: GET /quarantine/daily/ as hq (counts per site and per community for today
  and tomorrow, and the first page of today's list) vs the bare SQL of the same counts.
  Targets: at most 300 ms; the ratio is reported.
- quarantine_parallel_placements: 100 placement requests racing for 10 free single rooms from 40
  connections through the real service (locks, checks, audit) → exactly 10 placements and 90
  refusals, reported as requests per second, vs the same 100 requests as one bare guarded UPDATE
  each. Undone afterwards, so the database stays as it was.
"""

from __future__ import annotations

import datetime as dt
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

import psycopg

PAGE_MAX_MS = 300.0
SITES, ROOMS, MEASURES = 50, 5_000, 20_000
RACERS, RACE_ROOMS, CONNECTIONS = 100, 10, 40

BARE_BOARD_SQL = """
SELECT r.site_id, r.status, COUNT(*), SUM(r.occupants), SUM(r.capacity)
FROM quarantine_room r JOIN quarantine_site s ON s.id = r.site_id
WHERE s.place_path LIKE %s AND s.status <> 'closed'
GROUP BY r.site_id, r.status
"""
BARE_DEPARTURES_SQL = """
SELECT p.site_id, p.expected_end, COUNT(*) FROM quarantine_placement p
WHERE p.ended_at IS NULL AND p.expected_end <= %s GROUP BY p.site_id, p.expected_end
"""
BARE_DAILY_SQL = """
SELECT m.site_id, m.place_id, COUNT(*) FROM quarantine_measure m WHERE m.started_on = %s GROUP BY 1, 2
UNION ALL
SELECT m.site_id, m.place_id, COUNT(*) FROM quarantine_measure m
 WHERE m.status = 'active'
   AND m.id IN (SELECT measure_id FROM quarantine_measurephase WHERE starts_on = %s AND "order" > 0)
 GROUP BY 1, 2
UNION ALL
SELECT m.site_id, m.place_id, COUNT(*) FROM quarantine_measure m WHERE m.status = 'active' AND m.ends_on = %s
 GROUP BY 1, 2
"""


def _median_ms(fn: Callable[[], Any], runs: int, warmup: int = 3) -> float:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def _prepare(url: str) -> None:
    """50 sites in use with 5,000 rooms and 20,000 active measures, made once and kept."""
    from django.db import transaction

    from fangkong.quarantine.demo import add_demo_measures, add_demo_sites
    from fangkong.quarantine.models import Measure, Room, Site
    from fangkong.screening.demo import add_demo_key_persons
    from fangkong.screening.models import KeyPerson

    in_use = Site.objects.filter(status="in_use").count()
    if in_use < SITES:
        have_rooms = Room.objects.filter(site__status="in_use").count()
        per_site = max(1, (ROOMS - have_rooms) // (SITES - in_use))
        print(f"Adding {SITES - in_use} sites with {per_site} rooms each (once)…", flush=True)
        add_demo_sites(in_use=SITES - in_use, reserve=0, rooms_per_site=per_site, first=100)
    active = Measure.objects.filter(status="active").count()
    if active < MEASURES:
        controlled = KeyPerson.objects.filter(clear_state="controlled").count()
        # The demo puts four key persons in ten under control.
        missing = max(0, MEASURES - controlled)
        if missing:
            print(f"Adding {missing * 10 // 4:,} key persons to reach {MEASURES:,} under control (once)…", flush=True)
            with transaction.atomic():
                add_demo_key_persons(count=missing * 10 // 4 + 100)
        print("Opening a measure for every controlled key person (once)…", flush=True)
        add_demo_measures()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ANALYZE quarantine_room")
        conn.execute("ANALYZE quarantine_measure")
        conn.execute("ANALYZE quarantine_measurephase")
        conn.execute("ANALYZE quarantine_placement")


def _race_placements(url: str) -> tuple[float, float, Counter[str]]:
    """The service racing for 10 rooms, then the bare UPDATEs racing for them; everything undone."""
    from django.db import connections, transaction

    from fangkong.accounts.models import User
    from fangkong.quarantine.models import Measure, MeasureEvent, Placement, Room, RoomStatus, RoomType
    from fangkong.quarantine.services import place_person

    hq = User.objects.get(username="hq")
    rooms = list(
        Room.objects.filter(
            site__status="in_use", status=RoomStatus.FREE, room_type=RoomType.SINGLE, occupants=0
        ).order_by("id")[:RACE_ROOMS]
    )
    # Any active measure without a room will do (placement does not look at the phase); restored afterwards.
    measures = list(Measure.objects.filter(status="active", site__isnull=True).order_by("id")[:RACERS])
    at_home = [m.pk for m in measures if m.at_home]
    if len(rooms) < RACE_ROOMS or len(measures) < RACERS:
        raise SystemExit(f"need {RACE_ROOMS} free rooms and {RACERS} measures without a room for the race")
    start = threading.Event()

    def run(action: Callable[[], Any]) -> Any:
        start.wait(timeout=30)
        try:
            return action()
        except Exception as exc:  # the refusals are the point
            return exc
        finally:
            connections.close_all()

    actions = [partial(place_person, actor=hq, measure=m, room=rooms[i % RACE_ROOMS]) for i, m in enumerate(measures)]
    with ThreadPoolExecutor(max_workers=CONNECTIONS) as pool:
        futures = [pool.submit(run, a) for a in actions]
        started = time.perf_counter()
        start.set()
        results = [f.result(timeout=300) for f in futures]
        service_s = time.perf_counter() - started
    outcomes = Counter(type(r).__name__ for r in results)
    placed = [r for r in results if isinstance(r, Placement)]
    # Undo: the benchmark leaves the database as it found it.
    with transaction.atomic():
        ids = [p.pk for p in placed]
        MeasureEvent.objects.filter(measure_id__in=[p.measure_id for p in placed], kind="placed").delete()
        Measure.objects.filter(pk__in=[p.measure_id for p in placed]).update(site=None)
        Measure.objects.filter(pk__in=at_home).update(at_home=True)
        Placement.objects.filter(pk__in=ids).delete()
        Room.objects.filter(pk__in=[r.pk for r in rooms]).update(occupants=0, status=RoomStatus.FREE)

    room_ids = [r.pk for r in rooms]
    bare_start = threading.Event()

    def bare(room_id: int) -> int:
        bare_start.wait(timeout=30)
        with psycopg.connect(url, autocommit=True) as conn:
            cur = conn.execute(
                "UPDATE quarantine_room SET occupants = occupants + 1, status = 'occupied'"
                " WHERE id = %s AND occupants < capacity AND status = 'free'",
                [room_id],
            )
            return cur.rowcount

    with ThreadPoolExecutor(max_workers=CONNECTIONS) as pool:
        futures = [pool.submit(bare, room_ids[i % RACE_ROOMS]) for i in range(RACERS)]
        started = time.perf_counter()
        bare_start.set()
        won = sum(f.result(timeout=300) for f in futures)
        bare_s = time.perf_counter() - started
    Room.objects.filter(pk__in=room_ids).update(occupants=0, status=RoomStatus.FREE)
    assert won == RACE_ROOMS, won
    return service_s, bare_s, outcomes


def run_quarantine_benchmarks(url: str, *, quick: bool, only: set[str] | None, result_cls: Any) -> Iterator[Any]:
    from django.test import Client
    from django.utils import timezone

    from fangkong.accounts.models import User
    from fangkong.places.models import Place, PlaceType
    from fangkong.quarantine.models import Measure, Room
    from fangkong.quarantine.selectors import BOARD_DAYS, capacity_board

    def wanted(benchmark: str) -> bool:
        return only is None or any(benchmark.startswith(p) or p.startswith(benchmark) for p in only)

    if not any(wanted(b) for b in ("quarantine_capacity_board", "quarantine_daily_lists", "quarantine_parallel")):
        return
    _prepare(url)
    runs = 10 if quick else 15
    hq = User.objects.get(username="hq")
    district = Place.objects.get(depth=1, type=PlaceType.DISTRICT)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(hq)
    rooms = Room.objects.filter(site__status="in_use").count()
    measures = Measure.objects.filter(status="active").count()
    scale = f"{rooms:,} rooms in use, {measures:,} persons under measure"

    def page(path: str) -> Callable[[], None]:
        def get() -> None:
            response = client.get(path)
            if response.status_code != 200:
                raise SystemExit(f"{path} answered {response.status_code}")

        return get

    today = timezone.localdate()
    with psycopg.connect(url, autocommit=True) as conn:
        if wanted("quarantine_capacity_board"):
            last = today + dt.timedelta(days=BOARD_DAYS - 1)

            def bare_board() -> None:
                conn.execute(BARE_BOARD_SQL, [district.path + "%"]).fetchall()
                conn.execute(BARE_DEPARTURES_SQL, [last]).fetchall()

            # The bare SQL must count what the board shows.
            board = capacity_board(hq)
            occupied = sum(
                r[2] for r in conn.execute(BARE_BOARD_SQL, [district.path + "%"]).fetchall() if r[1] == "occupied"
            )
            assert occupied == board.totals.occupied + sum(c.occupied for c in board.reserve), occupied
            page_ms = _median_ms(page("/quarantine/capacity/"), runs)
            bare_ms = _median_ms(bare_board, runs)
            yield result_cls(
                name="quarantine_capacity_board",
                value=round(page_ms, 1),
                baseline=round(bare_ms, 1),
                ratio=round(page_ms / bare_ms, 2),
                target=f"<= {PAGE_MAX_MS:g} ms",
                passed=page_ms <= PAGE_MAX_MS,
                max_ratio=0,
                max_ms=PAGE_MAX_MS,
                unit="ms",
                runs=runs,
                detail=f"/quarantine/capacity/ as hq over {scale} vs the two bare GROUP BYs",
            )
        if wanted("quarantine_daily_lists"):

            def bare_daily() -> None:
                for day in (today, today + dt.timedelta(days=1)):
                    conn.execute(BARE_DAILY_SQL, [day, day, day]).fetchall()

            page_ms = _median_ms(page("/quarantine/daily/"), runs)
            bare_ms = _median_ms(bare_daily, runs)
            yield result_cls(
                name="quarantine_daily_lists",
                value=round(page_ms, 1),
                baseline=round(bare_ms, 1),
                ratio=round(page_ms / bare_ms, 2),
                target=f"<= {PAGE_MAX_MS:g} ms",
                passed=page_ms <= PAGE_MAX_MS,
                max_ratio=0,
                max_ms=PAGE_MAX_MS,
                unit="ms",
                runs=runs,
                detail=f"/quarantine/daily/ as hq over {scale} vs the bare counts for today and tomorrow",
            )
    if wanted("quarantine_parallel_placements"):
        service_s, bare_s, outcomes = _race_placements(url)
        correct = outcomes == {"Placement": RACE_ROOMS, "RoomUnavailable": RACERS - RACE_ROOMS}
        per_s = RACERS / service_s
        yield result_cls(
            name="quarantine_parallel_placements",
            value=round(per_s, 1),
            baseline=round(RACERS / bare_s, 1),
            ratio=round(service_s / bare_s, 2),
            target=f"exactly {RACE_ROOMS} placed, {RACERS - RACE_ROOMS} refused",
            passed=correct,
            max_ratio=0,
            max_ms=0,
            unit="req/s",
            runs=1,
            detail=(
                f"{RACERS} requests for {RACE_ROOMS} free single rooms from {CONNECTIONS} connections: "
                f"{dict(outcomes)}; baseline: the same race as bare guarded UPDATEs"
            ),
        )
