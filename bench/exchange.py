"""Data-exchange benchmarks: person export and push-list import against bare baselines, import worker RSS.

- export_persons_*: `/people/export/` for the hq user through the test client (the
  whole request: selector, columns, masking, audit) vs bare xlsxwriter writing the
  same cells from a psycopg server-side cursor (masking done with the same
  fangkong.core.masking functions, which are part of the content, not overhead).
- import_pushlist_*: a generated push list (cached in var/bench/), (a) read with
  python-calamine and COPYed into a plain text table with psycopg, vs (b)
  Fangkong's import (create_job → confirm_job → import_rows, to "done") in a separate
  worker process (bench.import_worker) inside one transaction that is rolled back, so
  the reused bench database never accumulates imported rows. The job's follow-up step
  (screening's key persons from the stored push list, its own benchmark
  screening_match_pushlist) runs after "done" in its own transaction and is shown as
  the "followups" phase, outside the measured time.
- import_rss_*: peak RSS (VmHWM) of that worker process importing a larger file.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import xlsxwriter

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "var" / "bench"
EXPORT_MAX_RATIO = 2.0
IMPORT_MAX_RATIO = 2.5
RSS_MAX_MB = 400.0
PUSHLIST_HEADERS = ["序号", "姓名", "身份证号", "手机号", "现住址", "来源地", "返回日期", "社区", "网格", "备注"]
EXISTING_SHARE = 0.6
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉兰晨曦子涵浩然雨欣梓轩"
ORIGINS = ["湖北省武汉市", "广东省深圳市", "上海市浦东新区", "北京市朝阳区", "浙江省杭州市", "吉林省长春市", "境外"]
NOTES = ["", "", "", "核酸阴性", "已落实居家健康监测", "途经中风险地区", "电话未接通"]


# --- the push-list file ---------------------------------------------------------


def pushlist_file(url: str, n: int) -> Path:
    """The n-row push list for the demo in `url`: generated once, then reused from var/bench/."""
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT COUNT(*), COALESCE(MAX(id), 0) FROM people_person").fetchone()
    assert row is not None
    persons, max_id = row
    path = CACHE / f"pushlist-{n}-p{persons}-m{max_id}.xlsx"
    if path.exists():
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    print(f"Generating a {n:,}-row push list (once; cached as {path.relative_to(ROOT)})…", flush=True)
    started = time.monotonic()
    tmp = path.with_suffix(".tmp.xlsx")
    _write_pushlist(url, tmp, n, persons)
    tmp.rename(path)
    print(f"  {path.stat().st_size / 1e6:.1f} MB in {time.monotonic() - started:.0f} s", flush=True)
    return path


def _write_pushlist(url: str, path: Path, n: int, persons: int) -> None:
    rng = random.Random(2020 + n)
    n_existing = int(n * EXISTING_SHARE)
    with psycopg.connect(url) as conn:
        grids = conn.execute(
            "SELECT c.name, g.name FROM places_place g JOIN places_place c"
            " ON c.path = substr(g.path, 1, length(g.path) - 4) WHERE g.type = 'grid' ORDER BY g.path"
        ).fetchall()
        stride = max(persons // max(n_existing, 1), 1)
        existing = conn.execute(
            "SELECT name, document_number, phone, address FROM people_person"
            " WHERE document_type = 'resident_id' AND merged_into_id IS NULL AND id %% %s = 0 ORDER BY id LIMIT %s",
            [stride, n_existing],
        ).fetchall()
    from fangkong.core.testing.idnumbers import make_resident_id

    # Existing and new persons interleaved, as a real push list mixes them.
    slots = [True] * len(existing) + [False] * (n - len(existing))
    rng.shuffle(slots)
    people = iter(existing)
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False})
    sheet = workbook.add_worksheet("推送名单")
    date_fmt = workbook.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, PUSHLIST_HEADERS)
    base_day = dt.date(2022, 3, 1)
    for i, is_existing in enumerate(slots):
        r = i + 1
        community, grid = grids[rng.randrange(len(grids))]
        if is_existing:
            name, document, phone, address = next(people)
            if rng.random() < 0.1:
                phone = f"13{rng.randrange(10**9):09d}"
            address = address or f"{community}{rng.randrange(1, 40)}栋{rng.randrange(1, 30)}号"
        else:
            name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
            birth = dt.date(1940, 1, 1) + dt.timedelta(days=i // 400)
            document = make_resident_id("469027", birth, (i % 400) * 2, male=bool(i % 2))
            phone = f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"
            address = f"{community}{rng.randrange(1, 40)}栋{rng.randrange(1, 30)}号"
        # Upper levels send dates both as dates and as text.
        arrived = base_day + dt.timedelta(days=rng.randrange(30))
        sheet.write_number(r, 0, r)
        sheet.write_string(r, 1, name)
        sheet.write_string(r, 2, document)
        sheet.write_string(r, 3, phone or "")
        sheet.write_string(r, 4, address)
        sheet.write_string(r, 5, rng.choice(ORIGINS))
        if i % 3:
            sheet.write_datetime(r, 6, arrived, date_fmt)
        else:
            sheet.write_string(r, 6, f"{arrived.year}/{arrived.month}/{arrived.day}")
        sheet.write_string(r, 7, community)
        sheet.write_string(r, 8, grid)
        note = rng.choice(NOTES)
        if note:
            sheet.write_string(r, 9, note)
    workbook.close()


# --- (a) bare: calamine + COPY ------------------------------------------------------


RAW_COLUMNS = (
    "seq text, name text, document text, phone text, address text, came_from text, arrived text, community text,"
    " grid text, note text"
)


def _copy_sheet(conn: psycopg.Connection[Any], path: Path, table: str, *, numbered: bool = False) -> int:
    """The sheet's rows (header skipped) COPYed as ten text columns, after the Excel row number if `numbered`."""
    from python_calamine import CalamineWorkbook

    rows = 0
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    with conn.cursor() as cur, cur.copy(f"COPY {table} FROM STDIN") as copy:
        iterator = iter(sheet.iter_rows())
        next(iterator)  # header
        for number, values in enumerate(iterator, start=2):
            cells = [*values, *([""] * (10 - len(values)))][:10]
            copy.write_row([number, *cells] if numbered else cells)
            rows += 1
    return rows


def bare_import(url: str, path: Path) -> int:
    with psycopg.connect(url) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_pushlist_raw")
        conn.execute(f"CREATE TABLE bench_pushlist_raw ({RAW_COLUMNS})")
        rows = _copy_sheet(conn, path, "bench_pushlist_raw")
        conn.commit()
        conn.execute("DROP TABLE bench_pushlist_raw")
        conn.commit()
    return rows


# Tables a rolled-back import leaves dead rows in (the follow-up step's key persons included).
IMPORT_TABLES = (
    "people_person", "imports_pushlistentry", "imports_importrowissue", "places_placecount",
    "screening_keyperson", "screening_keypersonsource",
)  # fmt: skip


def tidy_after_rollback(url: str, *, reindex: bool = False) -> None:
    """Untimed: clear what rolled-back imports left, so every run starts from the same tables.

    Their rows are dead at once, in the tables and in every index, and the bench server may run
    without autovacuum. A million-row run also leaves the indexes of the persons and entries
    twice their size (VACUUM frees the entries but keeps the pages): those are rebuilt.
    """
    with psycopg.connect(url, autocommit=True) as conn:
        if reindex:
            for table in ("people_person", "imports_pushlistentry"):
                conn.execute(f"REINDEX TABLE {table}")
        conn.execute(f"VACUUM (ANALYZE) {', '.join(IMPORT_TABLES)}")


# --- the floor: only the writes no import can skip, in bare SQL ---------------------------


def floor_import(url: str, path: Path) -> float:
    """Seconds for the least any import of this file must do, with no Fangkong code and no checks.

    The baseline's read and COPY into a staging table, then two statements: the persons the
    list does not match, inserted into people_person (with its indexes), and one
    push-list entry per row linked to its person. No validation, routing, counts, warnings or
    problem rows. Rolled back; the entries name no real push list (the foreign key is deferred
    and never checked), which flatters this figure further.
    """
    started = time.perf_counter()
    with psycopg.connect(url) as conn:
        root = conn.execute("SELECT id, path FROM places_place WHERE depth = 1 ORDER BY path LIMIT 1").fetchone()
        assert root is not None
        conn.execute(f"CREATE TEMP TABLE bench_floor (row_number int, {RAW_COLUMNS}) ON COMMIT DROP")
        _copy_sheet(conn, path, "bench_floor", numbered=True)
        conn.execute(
            "INSERT INTO people_person (name, document_type, document_number, sex, phone, place_id, place_path,"
            " address, registered_residence, resident_type, extra, version, created_at, updated_at)"
            " SELECT s.name, 'resident_id', s.document, '', s.phone, %s, %s, s.address, '', 'floating', '{}', 1,"
            " now(), now() FROM bench_floor s WHERE NOT EXISTS (SELECT 1 FROM people_person p"
            " WHERE p.document_type = 'resident_id' AND p.document_number = s.document)",
            root,
        )
        conn.execute(
            "INSERT INTO imports_pushlistentry (push_list_id, row_number, person_id, place_path, came_from, extra,"
            " outside_district, category) SELECT -1, s.row_number, p.id, p.place_path, s.came_from, '{}', false, ''"
            " FROM bench_floor s JOIN people_person p ON p.document_type = 'resident_id'"
            " AND p.document_number = s.document"
        )
        seconds = time.perf_counter() - started
        conn.rollback()
    return seconds


# --- (b) Fangkong: a separate worker process ---------------------------------------


def fangkong_import(url: str, path: Path, *, max_bytes: int | None = None) -> dict[str, Any]:
    env = {**os.environ, "DATABASE_URL": url, "LOG_LEVEL": "WARNING", "DEBUG": "0"}
    if max_bytes is not None:
        env["IMPORT_MAX_BYTES"] = str(max_bytes)
    done = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "bench.import_worker", "pushlist", str(path), "--user", "hq"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"import worker failed ({done.returncode}):\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# --- export -----------------------------------------------------------------------

BARE_EXPORT_SQL = """
SELECT p.name, p.document_type, p.document_number, p.sex, p.birth_date, p.phone, pl.name,
       p.address, p.registered_residence, p.resident_type,
       (SELECT string_agg(t.name, ', ' ORDER BY t.name) FROM people_person_tags pt
        JOIN people_tag t ON t.id = pt.tag_id WHERE pt.person_id = p.id)
FROM people_person p JOIN places_place pl ON pl.id = p.place_id
WHERE p.place_path LIKE %s AND p.merged_into_id IS NULL
ORDER BY p.id
"""


def bare_export(url: str, prefix: str, path: str) -> int:
    """The person export's cells, written with nothing but psycopg, xlsxwriter and the masking functions."""
    from django.utils.translation import gettext

    from fangkong.core.masking import mask_address, mask_document, mask_phone
    from fangkong.people.models import DocumentType, ResidentType, Sex
    from fangkong.people.views import _export_columns

    headers = [str(c.header) for c in _export_columns(unmasked=False)]
    doc_types = {k: gettext(str(v)) for k, v in DocumentType.choices}
    sexes = {k: gettext(str(v)) for k, v in Sex.choices}
    resident_types = {k: gettext(str(v)) for k, v in ResidentType.choices}
    workbook = xlsxwriter.Workbook(path, {"constant_memory": True, "strings_to_formulas": False})
    sheet = workbook.add_worksheet("Sheet1")
    date_fmt = workbook.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, headers)
    r = 0
    with psycopg.connect(url) as conn, conn.cursor(name="bench_export") as cur:
        cur.itersize = 2000
        cur.execute(BARE_EXPORT_SQL, [prefix + "%"])
        for name, dtype, doc, sex, birth, phone, place, address, residence, rtype, tags in cur:
            r += 1
            sheet.write_string(r, 0, name)
            sheet.write_string(r, 1, doc_types[dtype])
            sheet.write_string(r, 2, mask_document(doc))
            if sex:
                sheet.write_string(r, 3, sexes[sex])
            if birth:
                sheet.write_datetime(r, 4, birth, date_fmt)
            if phone:
                sheet.write_string(r, 5, mask_phone(phone))
            sheet.write_string(r, 6, place)
            if address:
                sheet.write_string(r, 7, mask_address(address))
            if residence:
                sheet.write_string(r, 8, mask_address(residence))
            sheet.write_string(r, 9, resident_types[rtype])
            if tags:
                sheet.write_string(r, 10, tags)
    workbook.close()
    return r


def _timed(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    samples = []
    out = None
    for _ in range(runs):
        started = time.perf_counter()
        out = fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples), out


def _label(n: int) -> str:
    """998,954 → 1m, 20,013 → 20k: the demo's nominal size."""
    return f"{round(n / 1_000_000)}m" if n >= 500_000 else f"{round(n / 1000)}k"


def run_exchange_benchmarks(url: str, *, quick: bool, only: set[str] | None, result_cls: Any) -> Iterator[Any]:
    """Yield Result rows (bench.run.Result) as each benchmark finishes."""
    import tempfile

    from django.test import Client

    from fangkong.accounts.models import User
    from fangkong.audit.models import AuditEvent
    from fangkong.people.selectors import persons_for
    from fangkong.places.models import Place, PlaceType

    def wanted(prefix: str) -> bool:
        return only is None or any(name.startswith(prefix) for name in only)

    runs = 3 if quick else 1
    hq = User.objects.get(username="hq")
    district = Place.objects.get(depth=1, type=PlaceType.DISTRICT)

    if wanted("export_persons"):
        n_export = persons_for(hq).count()
        name = f"export_persons_{_label(n_export)}"
        client = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_LANGUAGE="zh-hans")
        client.force_login(hq)

        def fangkong_export() -> int:
            response = client.get("/people/export/")
            if response.status_code != 200:
                raise SystemExit(f"/people/export/ answered {response.status_code}")
            for _chunk in response.streaming_content:  # type: ignore[attr-defined]
                pass
            response.close()
            event = AuditEvent.objects.filter(action="export", actor=hq).order_by("-pk").first()
            assert event is not None
            return int(event.changes["rows"])

        with tempfile.TemporaryDirectory() as tmp:
            fk_s, fk_rows = _timed(fangkong_export, runs)
            bare_s, bare_rows = _timed(lambda: bare_export(url, district.path, f"{tmp}/bare.xlsx"), runs)
        assert fk_rows == bare_rows == n_export, f"export rows differ: {fk_rows} vs bare {bare_rows}"
        ratio = fk_s / bare_s
        yield result_cls(
            name=name,
            value=round(fk_s, 2),
            baseline=round(bare_s, 2),
            ratio=round(ratio, 2),
            target=f"<= {EXPORT_MAX_RATIO:g}x bare xlsxwriter",
            passed=ratio <= EXPORT_MAX_RATIO,
            max_ratio=EXPORT_MAX_RATIO,
            max_ms=0,
            unit="s",
            runs=runs,
            detail=(
                f"GET /people/export/ as hq (masked, {fk_rows:,} rows) vs psycopg server-side cursor"
                " + bare xlsxwriter writing the same cells"
            ),
        )

    n_import = 5_000 if quick else 100_000
    measured: dict[Path, dict[str, Any]] = {}
    if wanted("import_pushlist"):
        path = pushlist_file(url, n_import)
        bare_s, bare_rows = _timed(lambda: bare_import(url, path), runs)
        floors, samples = [], []
        for _ in range(runs):
            tidy_after_rollback(url)
            floors.append(floor_import(url, path))
            tidy_after_rollback(url)
            samples.append(fangkong_import(url, path))
        tidy_after_rollback(url)
        floor_s = statistics.median(floors)
        measured[path] = max(samples, key=lambda s: s["vmhwm_kb"])
        fk_s = statistics.median(s["seconds"] for s in samples)
        last = samples[-1]
        assert last["accepted"] + last["warnings"] + last["rejected"] == bare_rows, (last, bare_rows)
        ratio = fk_s / bare_s
        yield result_cls(
            name=f"import_pushlist_{_label(n_import)}",
            value=round(fk_s, 2),
            baseline=round(bare_s, 2),
            ratio=round(ratio, 2),
            target=f"<= {IMPORT_MAX_RATIO:g}x calamine + COPY",
            passed=ratio <= IMPORT_MAX_RATIO,
            max_ratio=IMPORT_MAX_RATIO,
            max_ms=0,
            unit="s",
            runs=runs,
            detail=(
                f"{bare_rows:,}-row push list ({EXISTING_SHARE:.0%} known persons): create_job → confirm_job → "
                f"import_rows (to done; the follow-up step to key persons is the followups phase, not counted) "
                f"in a worker process, in one transaction rolled back afterwards "
                f"({last['accepted']:,} accepted, {last['warnings']:,} with warnings, {last['rejected']:,} rejected; "
                f"phases {last['phases']}) vs python-calamine + psycopg COPY into a plain table; "
                f"floor (the same read and COPY, then only the person and entry INSERTs in bare SQL, "
                f"no checks): {floor_s:.2f} s = {floor_s / bare_s:.2f}x the baseline"
            ),
        )

    # The quick run reads the peak from the import benchmark's workers instead of importing again.
    n_rss = n_import if quick else 1_000_000
    if wanted("import_rss"):
        path = pushlist_file(url, n_rss)
        size = path.stat().st_size
        # A million rows of this shape is ~72 MB, under the default 100 MB upload limit; should a
        # wider file exceed it, the worker is given room (IMPORT_MAX_BYTES) so memory is what gets measured.
        limit = None if size <= 100 * 1024 * 1024 else size + 1024 * 1024
        out = measured.get(path)
        if out is None:
            out = fangkong_import(url, path, max_bytes=limit)
            tidy_after_rollback(url, reindex=True)
        mb = out["vmhwm_kb"] / 1024
        yield result_cls(
            name=f"import_rss_{_label(n_rss)}",
            value=round(mb, 1),
            baseline=0.0,
            ratio=0.0,
            target=f"<= {RSS_MAX_MB:g} MB peak RSS",
            passed=mb <= RSS_MAX_MB,
            max_ratio=0.0,
            max_ms=0,
            unit="MB",
            runs=1,
            detail=(
                f"VmHWM of the import worker process importing a {n_rss:,}-row push list in "
                f"{out['seconds']:.0f} s ({size / 1e6:.1f} MB file"
                f"{f', IMPORT_MAX_BYTES={limit}' if limit else ''}; rolled back afterwards; "
                f"{out['accepted']:,} accepted, "
                f"{out['warnings']:,} with warnings, {out['rejected']:,} rejected)"
            ),
        )
