"""Checkpoint benchmarks (issue 6) over 10,000,000 registrations at 1,000 checkpoints in 30 days
(bench-quick: 300,000 at 100). The registrations are generated once with COPY into the bench
database and kept: residents pass the gate of their own neighbourhood about twice a day (out in the
morning, in in the evening), one passage in ten is an outsider known only by a phone number.

- checkpoint_ingest_batch: POST /api/v1/registrations/batch with 1,000 new passages per request,
  sustained from a load generator (CONNECTIONS threads in this process) against gunicorn
  (WORKERS processes, the production server), as rows per second; vs a bare COPY of the same rows
  into checkpoints_registration (same table, same indexes, rolled back) in the same run.
  Target: at least 25 % of COPY's rows per second. Afterwards a replay of one batch must answer
  "duplicate" for every item, and the rows are deleted again.
- checkpoint_register_single: one passage per request (what the gate page's queue sends), one after
  another, through the same server. Target: p95 at most 50 ms.
- checkpoint_status_lookup: GET /checkpoints/<id>/gate/lookup/?lookup=<ID number> as the gate types it
  (the whole request, with its audit row), over 1,000,000 persons. Target: p95 at most 20 ms.
- checkpoint_colocated_checkpoint / checkpoint_colocated_person: GET /api/v1/registrations/colocated
  for one checkpoint and a two-hour peak window, and for one resident over 7 days (± 30 minutes);
  the whole request vs the bare SQL returning the same rows on the same indexes.
  Targets: p95 at most 100 ms and at most 1.5x the bare SQL's p95.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parent.parent
BATCH = 1000
CONNECTIONS, WORKERS = 4, 2
INGEST_MIN_SHARE = 0.25
SINGLE_P95_MS, LOOKUP_P95_MS, COLOCATED_P95_MS, COLOCATED_MAX_RATIO = 50.0, 20.0, 100.0, 1.5
MARGIN = dt.timedelta(minutes=30)


@dataclass(frozen=True)
class Scale:
    registrations: int
    checkpoints: int
    days: int
    ingest_requests: int
    samples: int


LARGE = Scale(registrations=10_000_000, checkpoints=1_000, days=30, ingest_requests=40, samples=200)
QUICK = Scale(registrations=300_000, checkpoints=100, days=30, ingest_requests=8, samples=60)

COLUMNS = (
    "client_id", "checkpoint_id", "place_path", "person_id", "name", "document_type", "document_number", "phone",
    "direction", "temperature", "health_code", "itinerary_code", "vaccination", "latest_test_on", "vehicle_plate",
    "passengers", "came_from", "reason", "destination", "occurred_at", "received_at", "source", "created_by_id",
    "is_abnormal", "next_step", "batch_id", "flags",
)  # fmt: skip


@dataclass(frozen=True)
class Resident:
    person_id: int
    name: str
    document_type: str
    document_number: str
    checkpoint_id: int
    place_path: str


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20, method="inclusive")[18]


# --- the data ------------------------------------------------------------------------------------


def _top_up_checkpoints(scale: Scale) -> None:
    """As many open checkpoints as the scale wants: gates of the communities, numbered."""
    from fangkong.checkpoints.models import Checkpoint, CheckpointStatus, CheckpointType
    from fangkong.places.models import Place, PlaceType

    missing = scale.checkpoints - Checkpoint.objects.count()
    if missing <= 0:
        return
    communities = list(Place.objects.filter(type=PlaceType.COMMUNITY).order_by("path"))
    Checkpoint.objects.bulk_create(
        [
            Checkpoint(
                name=f"{communities[i % len(communities)].name}{i // len(communities) + 2}号门",
                type=CheckpointType.COMMUNITY_GATE if i % 20 else CheckpointType.TRAFFIC,
                place=communities[i % len(communities)],
                place_path=communities[i % len(communities)].path,
                location="出入口",
                opening_hours="24小时",
                status=CheckpointStatus.OPEN,
            )
            for i in range(missing)
        ],
        batch_size=1000,
    )


def _residents(url: str, scale: Scale) -> list[Resident]:
    """Residents who pass a gate about twice a day, each assigned to a gate near home.

    Chosen once, when the registrations are generated, and kept in bench_checkpoint_resident so later runs
    ask about the same people. Key persons are left out: a person under a measure does not go out twice a
    day, and the one who tries is escalated one by one (an alert and a key-person source), which is not the
    plain traffic measured here.
    """
    with psycopg.connect(url) as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS bench_checkpoint_resident (person_id bigint PRIMARY KEY, checkpoint_id bigint)"
        )
        if not conn.execute("SELECT 1 FROM bench_checkpoint_resident LIMIT 1").fetchone():
            _choose_residents(conn, scale)
        rows = conn.execute(
            "SELECT p.id, p.name, p.document_type, p.document_number, c.id, c.place_path"
            " FROM bench_checkpoint_resident r JOIN people_person p ON p.id = r.person_id"
            " JOIN checkpoints_checkpoint c ON c.id = r.checkpoint_id ORDER BY c.place_path, p.id"
        ).fetchall()
    return [Resident(*row) for row in rows]


def _choose_residents(conn: psycopg.Connection[Any], scale: Scale) -> None:
    pool = int(scale.registrations / (scale.days * 2 * 0.9) / 1.1)
    checkpoints = conn.execute(
        "SELECT id FROM checkpoints_checkpoint WHERE status = 'open' ORDER BY place_path, id"
    ).fetchall()
    total = conn.execute("SELECT COUNT(*) FROM people_person").fetchone()
    assert total is not None
    step = max(1, total[0] // pool)
    persons = conn.execute(
        "SELECT id FROM people_person p WHERE merged_into_id IS NULL AND id %% %s = 0 AND NOT EXISTS ("
        "  SELECT 1 FROM screening_keyperson k WHERE k.person_id = p.id AND k.clear_state <> 'released')"
        " ORDER BY place_path, id LIMIT %s",
        [step, pool],
    ).fetchall()
    per_gate = max(1, len(persons) // len(checkpoints))
    with conn.cursor().copy("COPY bench_checkpoint_resident (person_id, checkpoint_id) FROM STDIN") as copy:
        for i, (pid,) in enumerate(persons):
            copy.write_row((pid, checkpoints[min(i // per_gate, len(checkpoints) - 1)][0]))


def _passage_times(rng: random.Random, day: dt.datetime) -> list[tuple[str, dt.datetime]]:
    """Out in the morning, back in the evening; a few stay home."""
    out = []
    if rng.random() < 0.9:
        out.append(("out", day + dt.timedelta(minutes=min(1439, max(0, rng.gauss(8 * 60, 90))))))
    if rng.random() < 0.9:
        out.append(("in", day + dt.timedelta(minutes=min(1439, max(0, rng.gauss(18.5 * 60, 120))))))
    return out


def _copy_line(values: tuple[Any, ...]) -> str:
    return "\t".join("\\N" if v is None else str(v) for v in values) + "\n"


def _row(
    rng: random.Random, resident: Resident | None, checkpoint: tuple[int, str], direction: str, at: dt.datetime
) -> tuple[Any, ...]:
    """One stored registration, as the batch API would store a plain passage."""
    temperature = f"36.{rng.randrange(0, 10)}"
    test_on = (at - dt.timedelta(days=rng.randrange(0, 3))).date().isoformat()
    if resident is not None:
        person, name, doc_type, doc_number, phone = (
            resident.person_id, resident.name, resident.document_type, resident.document_number, "",
        )  # fmt: skip
    else:
        person, name, doc_type, doc_number, phone = None, "访客", "", "", f"13{rng.randrange(10**9):09d}"
    return (
        uuid.UUID(int=rng.getrandbits(128), version=4), checkpoint[0], checkpoint[1], person, name, doc_type,
        doc_number, phone, direction, temperature, "green", "normal", "full", test_on, "", None, "", "", "",
        at.isoformat(), at.isoformat(), "gate", None, False, "pass", None, "[]",
    )  # fmt: skip


def _generate(rng: random.Random, residents: list[Resident], scale: Scale, end: dt.datetime) -> Iterator[str]:
    first = (end - dt.timedelta(days=scale.days)).replace(hour=0, minute=0, second=0, microsecond=0)
    for day_index in range(scale.days + 1):
        day = first + dt.timedelta(days=day_index)
        for resident in residents:
            checkpoint = (resident.checkpoint_id, resident.place_path)
            for direction, at in _passage_times(rng, day):
                if at >= end:
                    continue
                yield _copy_line(_row(rng, resident, checkpoint, direction, at))
                if rng.random() < 0.1:
                    yield _copy_line(_row(rng, None, checkpoint, direction, at + dt.timedelta(minutes=1)))


def _seed_registrations(url: str, scale: Scale, residents: list[Resident]) -> int:
    """COPY the month of passages in one transaction, with the secondary indexes rebuilt afterwards.

    One transaction: a run killed half-way leaves the table as it was (PostgreSQL's DDL is transactional).
    """
    with psycopg.connect(url) as conn:
        count = conn.execute("SELECT COUNT(*) FROM checkpoints_registration").fetchone()
        assert count is not None
        # Seeded once: marked in the seeding's own transaction, since a small district gives fewer
        # passages than the scale asks for (seeding again would repeat the same client ids).
        # Databases seeded before the mark existed are recognised by their size.
        marked = conn.execute("SELECT to_regclass('bench_checkpoint_seeded') IS NOT NULL").fetchone()
        if (marked and marked[0]) or count[0] >= 0.9 * scale.registrations:
            return int(count[0])
        print(f"Generating {scale.registrations:,} registrations with COPY (once)…", flush=True)
        started = time.monotonic()
        indexes = conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'checkpoints_registration'"
            " AND indexname NOT IN ('checkpoints_registration_pkey', 'checkpoints_registration_client_id_key')"
        ).fetchall()
        conn.execute("SET LOCAL maintenance_work_mem = '1GB'")
        # The rows reference persons and checkpoints read a moment ago; skip the per-row FK triggers.
        conn.execute("SET LOCAL session_replication_role = replica")
        conn.execute("ALTER TABLE checkpoints_registration DROP CONSTRAINT checkpoints_registration_client_id_key")
        for name, _definition in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        rng = random.Random(1124)
        end = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)
        written = 0
        with conn.cursor().copy(f"COPY checkpoints_registration ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            chunk: list[str] = []
            for line in _generate(rng, residents, scale, end):
                chunk.append(line)
                if len(chunk) == 20_000:
                    copy.write("".join(chunk))
                    written += len(chunk)
                    chunk = []
                    if written % 1_000_000 == 0:
                        print(f"  {written:,} rows, {time.monotonic() - started:.0f} s", flush=True)
            copy.write("".join(chunk))
            written += len(chunk)
        conn.execute(
            "ALTER TABLE checkpoints_registration ADD CONSTRAINT checkpoints_registration_client_id_key"
            " UNIQUE (client_id)"
        )
        for _name, definition in indexes:
            conn.execute(definition)
        conn.execute("CREATE TABLE bench_checkpoint_seeded (written bigint NOT NULL)")
        conn.execute("INSERT INTO bench_checkpoint_seeded VALUES (%s)", [written])
        conn.commit()
        print(f"  {written:,} rows in {time.monotonic() - started:.0f} s", flush=True)
        stored = int(count[0]) + written
    _vacuum(url)
    return stored


# --- ingest through the batch API against COPY ---------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """gunicorn serving Fangkong on the bench database, as production would."""

    def __init__(self, url: str) -> None:
        self.port = _free_port()
        env = {**os.environ, "DATABASE_URL": url, "DEBUG": "0", "LOG_LEVEL": "WARNING", "DB_CONN_MAX_AGE": "600"}
        self.process = subprocess.Popen(  # noqa: S603 - fixed argument list
            [sys.executable, "-m", "gunicorn", "fangkong.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
             "--workers", str(WORKERS), "--log-level", "warning", "--timeout", "120"],
            cwd=ROOT, env=env,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                status, _body = self.request("GET", "/accounts/login/", None, {})
                if status < 500:
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise SystemExit("gunicorn did not start")

    def request(self, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def _items(rng: random.Random, residents: list[Resident], n: int, now: dt.datetime) -> list[dict[str, Any]]:
    """n passages as gate devices send them: mostly residents by ID number, some outsiders by phone."""
    items = []
    for _ in range(n):
        resident = rng.choice(residents)
        at = now - dt.timedelta(seconds=rng.randrange(60, 6 * 3600))
        item: dict[str, Any] = {
            "client_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "checkpoint_id": resident.checkpoint_id,
            "direction": rng.choice(("in", "out")),
            "temperature": f"36.{rng.randrange(0, 10)}",
            "health_code": "green",
            "itinerary_code": "normal",
            "vaccination": "full",
            "latest_test_on": (at - dt.timedelta(days=1)).date().isoformat(),
            "occurred_at": at.isoformat(),
        }
        if rng.random() < 0.1:
            item.update(name="访客", phone=f"13{rng.randrange(10**9):09d}")
        else:
            item.update(
                name=resident.name, document_type=resident.document_type, document_number=resident.document_number
            )
        items.append(item)
    return items


def _stored_row(item: dict[str, Any], person: dict[str, int], path: dict[int, str]) -> tuple[Any, ...]:
    """The row the API stores for an item: the baseline COPYs exactly these."""
    return (
        item["client_id"], item["checkpoint_id"], path[item["checkpoint_id"]],
        person.get(item.get("document_number", "")), item["name"], item.get("document_type", ""),
        item.get("document_number", ""), item.get("phone", ""), item["direction"], item["temperature"],
        item["health_code"], item["itinerary_code"], item["vaccination"], item["latest_test_on"], "", None, "", "", "",
        item["occurred_at"], item["occurred_at"], "api", None, False, "pass", None, "[]",
    )  # fmt: skip


def _bare_copy_rows_per_s(url: str, rows: list[tuple[Any, ...]]) -> float:
    with psycopg.connect(url) as conn:
        started = time.perf_counter()
        with conn.cursor().copy(f"COPY checkpoints_registration ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for start in range(0, len(rows), BATCH):
                copy.write("".join(_copy_line(r) for r in rows[start : start + BATCH]))
        conn.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the deferred FK checks belong to the COPY's cost
        elapsed = time.perf_counter() - started
        conn.rollback()
    return len(rows) / elapsed


def _post_batches(server: Server, token: str, bodies: list[bytes]) -> tuple[float, list[dict[str, Any]]]:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    results: list[dict[str, Any]] = []
    failures: list[str] = []
    lock = threading.Lock()
    queue = list(reversed(bodies))

    def worker() -> None:
        while True:
            with lock:
                if not queue:
                    return
                body = queue.pop()
            status, answer = server.request("POST", "/api/v1/registrations/batch", body, headers)
            with lock:
                if status != 200:
                    failures.append(f"{status}: {answer[:300]!r}")
                else:
                    results.extend(json.loads(answer)["results"])

    threads = [threading.Thread(target=worker) for _ in range(CONNECTIONS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise SystemExit(f"the batch API failed: {failures[0]}")
    return elapsed, results


def _delete_bench_rows(url: str, client_ids: list[str]) -> None:
    with psycopg.connect(url) as conn:
        conn.execute("DELETE FROM checkpoints_registration WHERE client_id = ANY(%s::uuid[])", [client_ids])
    _vacuum(url)


def _vacuum(url: str) -> None:
    """Untimed: the bench server may run without autovacuum, and deleted bench rows would slow every later run."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE) checkpoints_registration")


# --- reads: the gate's lookup and co-location ----------------------------------------------------

BARE_AT_CHECKPOINT = """
SELECT r.id, r.checkpoint_id, r.person_id, r.name, r.document_number, r.phone, r.direction, r.occurred_at
FROM checkpoints_registration r
WHERE r.checkpoint_id = %s AND r.occurred_at >= %s AND r.occurred_at < %s AND r.place_path LIKE %s
ORDER BY r.occurred_at, r.id LIMIT 5000
"""
BARE_OWN = """
SELECT r.id, r.checkpoint_id, r.occurred_at FROM checkpoints_registration r
WHERE r.person_id = %s AND r.occurred_at >= %s AND r.occurred_at < %s AND r.place_path LIKE %s LIMIT 5000
"""
BARE_WITH_PERSON = """
SELECT r.id, r.checkpoint_id, r.person_id, r.name, r.document_number, r.phone, r.direction, r.occurred_at,
       (array_agg(own.id ORDER BY own.at, own.id))[1]
FROM unnest(%s::bigint[], %s::bigint[], %s::timestamptz[]) AS own(id, checkpoint_id, at)
CROSS JOIN LATERAL (
  SELECT * FROM checkpoints_registration near
  WHERE near.checkpoint_id = own.checkpoint_id AND near.occurred_at BETWEEN own.at - %s AND own.at + %s
  LIMIT 5000
) r
WHERE r.place_path LIKE %s AND r.person_id IS DISTINCT FROM %s
GROUP BY r.id, r.checkpoint_id, r.person_id, r.name, r.document_number, r.phone, r.direction, r.occurred_at
ORDER BY r.occurred_at, r.id LIMIT 5000
"""


def run_checkpoint_benchmarks(url: str, *, quick: bool, only: set[str] | None, result_cls: Any) -> Iterator[Any]:
    from django.test import Client

    from fangkong.accounts.models import User
    from fangkong.accounts.services import issue_token
    from fangkong.checkpoints.selectors import (
        colocated_at_checkpoint,
        colocated_with_person,
        get_checkpoint_for_user,
    )
    from fangkong.people.selectors import get_person_for_user
    from fangkong.places.models import Place, PlaceType

    names = (
        "checkpoint_ingest_batch",
        "checkpoint_register_single",
        "checkpoint_status_lookup",
        "checkpoint_colocated_checkpoint",
        "checkpoint_colocated_person",
    )

    def wanted(benchmark: str) -> bool:
        return only is None or any(benchmark.startswith(p) or p.startswith(benchmark) for p in only)

    if not any(wanted(n) for n in names):
        return
    scale = QUICK if quick else LARGE
    _top_up_checkpoints(scale)
    residents = _residents(url, scale)
    stored = _seed_registrations(url, scale, residents)
    with psycopg.connect(url) as conn:
        persons = conn.execute("SELECT COUNT(*) FROM people_person").fetchone()
        checkpoints = conn.execute("SELECT COUNT(*) FROM checkpoints_checkpoint").fetchone()
    assert persons is not None
    assert checkpoints is not None
    data = f"{stored:,} registrations at {checkpoints[0]:,} checkpoints, {persons[0]:,} persons"
    hq = User.objects.get(username="hq")
    district = Place.objects.get(depth=1, type=PlaceType.DISTRICT)
    rng = random.Random(2611)
    now = dt.datetime.now(dt.UTC)

    if wanted("checkpoint_ingest_batch") or wanted("checkpoint_register_single"):
        # Plain traffic only: a resident put under screening since the seeding (another benchmark may have
        # committed key persons) would be escalated one by one when leaving.
        with psycopg.connect(url) as conn:
            screened = {
                pid
                for (pid,) in conn.execute(
                    "SELECT person_id FROM screening_keyperson WHERE clear_state <> 'released'"
                ).fetchall()
            }
        passers = [r for r in residents if r.person_id not in screened]
        _token, raw_token = issue_token(user=hq, name="bench")
        headers = {"Authorization": f"Bearer {raw_token}", "Content-Type": "application/json"}
        server = Server(url)
        try:
            if wanted("checkpoint_ingest_batch"):
                yield _ingest(url, server, raw_token, passers, scale, rng, now, data, result_cls)
            if wanted("checkpoint_register_single"):
                items = _items(rng, passers, scale.samples + 10, now)
                samples = []
                for i, item in enumerate(items):
                    body = json.dumps({"items": [item]}).encode()
                    started = time.perf_counter()
                    status, answer = server.request("POST", "/api/v1/registrations/batch", body, headers)
                    if i >= 10:  # the first requests warm the workers up
                        samples.append((time.perf_counter() - started) * 1000)
                    if status != 200 or json.loads(answer)["results"][0]["status"] != "created":
                        raise SystemExit(f"single registration failed: {status} {answer[:300]!r}")
                _delete_bench_rows(url, [item["client_id"] for item in items])
                yield _p95_result(
                    "checkpoint_register_single", samples, SINGLE_P95_MS, result_cls,
                    f"one-passage POSTs to /api/v1/registrations/batch through gunicorn, one after another; {data}",
                )  # fmt: skip
        finally:
            server.stop()

    if wanted("checkpoint_status_lookup"):
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(hq)
        sample = rng.sample(residents, scale.samples + 10)
        samples = []
        for i, resident in enumerate(sample):
            path = f"/checkpoints/{resident.checkpoint_id}/gate/lookup/?lookup={resident.document_number}"
            started = time.perf_counter()
            response = client.get(path)
            if i >= 10:
                samples.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200 or "fk-masked" not in response.content.decode():
                raise SystemExit(f"lookup answered {response.status_code} or found nobody")
        yield _p95_result(
            "checkpoint_status_lookup", samples, LOOKUP_P95_MS, result_cls,
            f"gate lookups by ID number (the whole request with its audit row); {data}",
        )  # fmt: skip

    if wanted("checkpoint_colocated"):
        _token, raw = issue_token(user=hq, name="bench")
        api = Client(HTTP_HOST="127.0.0.1", headers={"Authorization": f"Bearer {raw}"})
        searcher = User.objects.get(username="hq")
        prefix = district.path + "%"
        with psycopg.connect(url, autocommit=True) as conn:
            if wanted("checkpoint_colocated_checkpoint"):
                # The evening peak of one day in the month, at a gate in use.
                probes = []
                for resident in rng.sample(residents, scale.samples + 10):
                    day = now - dt.timedelta(days=rng.randrange(1, scale.days))
                    since = day.replace(hour=17, minute=30, second=0, microsecond=0)
                    probes.append((resident.checkpoint_id, since, since + dt.timedelta(hours=2)))

                def api_at_checkpoint(probe: tuple[int, dt.datetime, dt.datetime]) -> int:
                    cp, since, until = probe
                    response = api.get(
                        "/api/v1/registrations/colocated",
                        {"checkpoint_id": str(cp), "from": since.isoformat(), "to": until.isoformat()},
                    )
                    assert response.status_code == 200, response.content[:300]
                    return int(response.json()["count"])

                def bare_at_checkpoint(probe: tuple[int, dt.datetime, dt.datetime]) -> int:
                    cp, since, until = probe
                    return len(conn.execute(BARE_AT_CHECKPOINT, [cp, since, until, prefix]).fetchall())

                # The search gets the checkpoint the request already looked up.
                gates = {cp: get_checkpoint_for_user(searcher, cp) for cp, _since, _until in probes}

                def search_at_checkpoint(probe: tuple[int, dt.datetime, dt.datetime]) -> int:
                    cp, since, until = probe
                    return len(colocated_at_checkpoint(searcher, checkpoint=gates[cp], since=since, until=until))

                yield _colocated_result(
                    "checkpoint_colocated_checkpoint", probes,
                    (api_at_checkpoint, search_at_checkpoint, bare_at_checkpoint), result_cls,
                    f"one checkpoint, 17:30-19:30 of a day in the month; {data}",
                )  # fmt: skip
            if wanted("checkpoint_colocated_person"):
                week = [
                    (r.person_id, now - dt.timedelta(days=rng.randrange(7, scale.days)))
                    for r in rng.sample(residents, scale.samples + 10)
                ]
                person_probes = [(pid, start, start + dt.timedelta(days=7)) for pid, start in week]

                def api_with_person(probe: tuple[int, dt.datetime, dt.datetime]) -> int:
                    pid, since, until = probe
                    response = api.get(
                        "/api/v1/registrations/colocated",
                        {
                            "person_id": str(pid),
                            "from": since.isoformat(),
                            "to": until.isoformat(),
                            "margin_minutes": str(int(MARGIN.total_seconds() // 60)),
                        },
                    )
                    assert response.status_code == 200, response.content[:300]
                    return int(response.json()["count"])

                def bare_with_person(probe: tuple[int, dt.datetime, dt.datetime]) -> int:
                    pid, since, until = probe
                    own = conn.execute(BARE_OWN, [pid, since, until, prefix]).fetchall()
                    if not own:
                        return 0
                    rows = conn.execute(
                        BARE_WITH_PERSON,
                        [[o[0] for o in own], [o[1] for o in own], [o[2] for o in own], MARGIN, MARGIN, prefix, pid],
                    ).fetchall()
                    return len(rows)

                people = {pid: get_person_for_user(searcher, pid) for pid, _since, _until in person_probes}

                def search_with_person(probe: tuple[int, dt.datetime, dt.datetime]) -> int:
                    pid, since, until = probe
                    found = colocated_with_person(searcher, person=people[pid], since=since, until=until, margin=MARGIN)
                    return len(found)

                yield _colocated_result(
                    "checkpoint_colocated_person", person_probes,
                    (api_with_person, search_with_person, bare_with_person), result_cls,
                    f"one resident over 7 days, ± {MARGIN.total_seconds() / 60:.0f} min; {data}",
                )  # fmt: skip


def _p95_result(name: str, samples: list[float], limit_ms: float, result_cls: Any, what: str) -> Any:
    value = p95(samples)
    return result_cls(
        name=name,
        value=round(value, 1),
        baseline=0,
        ratio=0,
        target=f"p95 <= {limit_ms:g} ms",
        passed=value <= limit_ms,
        max_ratio=0,
        max_ms=limit_ms,
        unit="ms",
        runs=len(samples),
        detail=f"p95 of {len(samples)} {what} (median {statistics.median(samples):.1f} ms)",
    )


def _colocated_result(
    name: str,
    probes: list[Any],
    calls: tuple[Callable[[Any], int], Callable[[Any], int], Callable[[Any], int]],
    result_cls: Any,
    detail: str,
) -> Any:
    """The request's p95 against 100 ms; the search itself (the selector the API calls) against the bare SQL."""
    api_call, selector_call, bare_call = calls
    for probe in probes[:10]:  # warm-up, and all three must agree on the rows
        found = (api_call(probe), selector_call(probe), bare_call(probe))
        if len(set(found)) != 1:
            raise SystemExit(f"{name}: the API, the selector and the bare SQL found {found} rows for {probe}")
    samples: dict[str, list[float]] = {"api": [], "selector": [], "bare": []}
    counts = []
    for probe in probes[10:]:
        counts.append(bare_call(probe))
        for key, call in zip(samples, calls, strict=True):
            started = time.perf_counter()
            call(probe)
            samples[key].append((time.perf_counter() - started) * 1000)
    api_p95, selector_p95, bare_p95 = (p95(samples[key]) for key in ("api", "selector", "bare"))
    ratio = selector_p95 / bare_p95
    return result_cls(
        name=name,
        value=round(api_p95, 1),
        baseline=round(bare_p95, 2),
        ratio=round(ratio, 2),
        target=f"p95 <= {COLOCATED_P95_MS:g} ms, search <= {COLOCATED_MAX_RATIO:g}x",
        passed=api_p95 <= COLOCATED_P95_MS and ratio <= COLOCATED_MAX_RATIO,
        max_ratio=COLOCATED_MAX_RATIO,
        max_ms=COLOCATED_P95_MS,
        unit="ms",
        runs=len(samples["api"]),
        detail=(
            f"p95 of {len(samples['api'])} GET /api/v1/registrations/colocated (the whole request: token, audit row, "
            f"JSON) {api_p95:.1f} ms; the search (selector with scoping, rows as the API reads them) p95 "
            f"{selector_p95:.2f} ms vs the bare SQL's p95 {bare_p95:.2f} ms = {ratio:.2f}x (request vs bare SQL: "
            f"{api_p95 / bare_p95:.1f}x); median {statistics.median(counts):.0f} rows found; {detail}"
        ),
    )


def _ingest(
    url: str,
    server: Server,
    token: str,
    residents: list[Resident],
    scale: Scale,
    rng: random.Random,
    now: dt.datetime,
    data: str,
    result_cls: Any,
) -> Any:
    items = _items(rng, residents, scale.ingest_requests * BATCH, now)
    person = {r.document_number: r.person_id for r in residents}
    path = {r.checkpoint_id: r.place_path for r in residents}
    bare_rows_per_s = _bare_copy_rows_per_s(url, [_stored_row(item, person, path) for item in items])
    bodies = [json.dumps({"items": items[start : start + BATCH]}).encode() for start in range(0, len(items), BATCH)]
    # Warm the workers (imports, connections) on a batch that is then replayed as the duplicate check.
    _post_batches(server, token, bodies[:WORKERS])
    elapsed, results = _post_batches(server, token, bodies[WORKERS:])
    created = sum(1 for r in results if r["status"] == "created")
    _replay_elapsed, replay = _post_batches(server, token, bodies[:1])
    replay_duplicates = sum(1 for r in replay if r["status"] == "duplicate")
    _delete_bench_rows(url, [item["client_id"] for item in items])
    rows = len(items) - WORKERS * BATCH
    rows_per_s = created / elapsed
    share = rows_per_s / bare_rows_per_s
    correct = created == rows and replay_duplicates == BATCH
    return result_cls(
        name="checkpoint_ingest_batch",
        value=round(rows_per_s),
        baseline=round(bare_rows_per_s),
        ratio=round(share, 2),
        target=f">= {INGEST_MIN_SHARE:.0%} of COPY's rows/s",
        passed=correct and share >= INGEST_MIN_SHARE,
        max_ratio=0,
        max_ms=0,
        unit="rows/s",
        runs=len(bodies) - WORKERS,
        detail=(
            f"{rows:,} passages in {len(bodies) - WORKERS} requests of {BATCH:,} from {CONNECTIONS} connections to "
            f"gunicorn with {WORKERS} workers: {created:,} created, replay of a batch: {replay_duplicates:,} "
            f"duplicates; baseline: COPY of the same rows into checkpoints_registration (rolled back); {data}"
        ),
    )
