"""Crash safety of imports: an import worker killed with SIGKILL mid-job, then run again, leaves the
database exactly as one uninterrupted run does (no lost rows, no duplicates).

The worker is the real thing: `manage.py import_file pushlist FILE` in its own process, against the test
database (committed data, PostgreSQL only: SQLite's single writer is not what production runs).
Two push lists of CRASH_ROWS rows each, identical but for their ID numbers and phones, go into two
grids: one runs undisturbed, the other is killed after its first committed chunk and started again.
Their outcomes are compared row by row.

CRASH_ROWS defaults to 30,000 (6 chunks of 5,000; about a minute on 2 cores, so CI stays short); the
issue asks for 200,000, which `CRASH_ROWS=200000` runs (several minutes).
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection

from fangkong.accounts.models import Role
from fangkong.core.testing.idnumbers import make_resident_id

ROWS = int(os.environ.get("CRASH_ROWS", "30000"))
BASE = Path(settings.BASE_DIR)

pytestmark = [
    # Real commits; serialized_rollback puts back what migrations loaded (the protocol presets), which the
    # flush after a transactional test would otherwise leave empty for the tests that follow.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="kills a worker writing to PostgreSQL"),
]


def write_push_list(path: Path, region: str, rows: int) -> Path:
    """Valid rows, with a bad ID every 997th row and a repeat of the previous person every 1,499th."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["姓名", "证件号码", "联系电话", "途经地", "抵达日期"])
        previous: list[str] = []
        for i in range(rows):
            birth = dt.date(1950, 1, 1) + dt.timedelta(days=i // 450)
            number = make_resident_id(region, birth, (i % 450) * 2 + 1, male=True)
            row = [f"人员{i}", number, f"13{region[-1]}{i:08d}", "某市", "2026-11-01"]
            if i % 997 == 996:
                row[1] = "123"
            if i % 1499 == 1498 and previous:
                row = previous
            out.writerow(row)
            previous = row
    return path


def worker(tmp: Path, path: Path, username: str, place_id: int) -> subprocess.Popen[bytes]:
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "FANGKONG_VAR_DIR": str(tmp / "var"), "CELERY_TASK_ALWAYS_EAGER": "1"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    command = [sys.executable, str(BASE / "manage.py"), "import_file", "pushlist", str(path)]
    command += ["--user", username, "--place", str(place_id)]
    return subprocess.Popen(command, env=env, cwd=BASE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # noqa: S603


def finish(process: subprocess.Popen[bytes]) -> None:
    out, err = process.communicate(timeout=1800)
    assert process.returncode == 0, (out + err).decode()[-3000:]


def outcome(original_name: str) -> dict[str, Any]:
    job_model = apps.get_model("imports", "ImportJob")
    jobs = list(job_model.objects.filter(original_name=original_name))
    assert len(jobs) == 1, f"{len(jobs)} jobs for {original_name}"
    job = jobs[0]
    entries = apps.get_model("imports", "PushListEntry").objects.filter(push_list__job=job)
    rows = list(entries.order_by("row_number").values_list("row_number", flat=True))
    persons = set(entries.values_list("person_id", flat=True))
    issues = list(job.issues.order_by("row_number", "status").values_list("row_number", "status"))
    key_persons = apps.get_model("screening", "KeyPerson").objects.filter(person_id__in=persons).count()
    return {
        "status": job.status,
        "counts": (job.accepted, job.warnings, job.rejected, job.checkpoint, job.rows_total),
        "entry_rows": rows,
        "distinct_entry_rows": len(set(rows)),
        "persons": len(persons),
        "issues": issues,
        "key_persons": key_persons,
        "persons_at_place": apps.get_model("people", "Person")
        .objects.filter(place_path__startswith=job.scope_path)
        .count(),
    }


def test_import_killed_mid_job_and_run_again_ends_as_an_uninterrupted_run(world, tmp_path):
    job_model = apps.get_model("imports", "ImportJob")
    clean_file = write_push_list(tmp_path / "clean.csv", "410402", ROWS)
    crash_file = write_push_list(tmp_path / "crash.csv", "410403", ROWS)

    finish(worker(tmp_path, clean_file, world.user(Role.COMMUNITY_WORKER, "A").username, world.A.grid.pk))

    process = worker(tmp_path, crash_file, world.user(Role.COMMUNITY_WORKER, "B").username, world.B.grid.pk)
    deadline = time.monotonic() + 600
    killed_at = None
    while time.monotonic() < deadline and process.poll() is None:
        job = job_model.objects.filter(original_name="crash.csv").values("checkpoint", "status").first()
        if job and job["status"] == "running" and job["checkpoint"] > 0:
            os.kill(process.pid, signal.SIGKILL)  # our own worker, by its pid
            process.wait()
            killed_at = job["checkpoint"]
            break
        time.sleep(0.02)
    assert killed_at is not None, "the worker finished (or never started) before it could be killed; raise CRASH_ROWS"
    assert killed_at < ROWS
    interrupted = job_model.objects.get(original_name="crash.csv")
    assert interrupted.status == "running"
    assert interrupted.checkpoint < ROWS, "the kill came after the last chunk"

    finish(worker(tmp_path, crash_file, world.user(Role.COMMUNITY_WORKER, "B").username, world.B.grid.pk))

    clean, crashed = outcome("clean.csv"), outcome("crash.csv")
    assert crashed["status"] == clean["status"] == "done"
    assert crashed["distinct_entry_rows"] == len(crashed["entry_rows"]), "a row was imported twice"
    assert crashed == clean
    assert len(clean["entry_rows"]) > ROWS * 0.9
    assert clean["counts"][2] > 0, "the bad and repeated rows are rejected in both runs"
    assert clean["counts"][0] + clean["counts"][1] + clean["counts"][2] == ROWS
