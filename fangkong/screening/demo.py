"""Demo key persons: a realistic share of the population under screening, in every state.

Written set-based (a few INSERT … SELECT statements), so the large demo's tens of
thousands of key persons cost seconds. Used by the demo generator and by the
screening benchmark to reach its 50,000 key persons.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.db import connection
from django.utils import timezone

from fangkong.places.models import Place, PlaceType
from fangkong.protocols.models import Protocol
from fangkong.protocols.selectors import active_protocol, build_schedule, category_of

# Category per bucket of 20 (9th-edition codes): most key persons are returnees.
CATEGORY_BUCKETS = (
    ["returnee_medium_risk"] * 7
    + ["returnee_low_risk"] * 3
    + ["returnee_high_risk"] * 2
    + ["close_contact"] * 2
    + ["secondary_contact"] * 2
    + ["inbound", "cold_chain", "fever_patient", "fever_patient"]
)
# Where each category is usually found.
SOURCES = {
    "close_contact": "tracing",
    "secondary_contact": "tracing",
    "fever_patient": "fever_clinic",
    "cold_chain": "checkpoint",
    "inbound": "checkpoint",
}
RETURNEE_SOURCES = ("checkpoint", "sweep", "self_report", "tip_off", "pharmacy")
# State per bucket of 10: new, identified, verified, controlled ×4, released ×2 … and one overdue.
STATE_BUCKETS = ("new", "new", "identified", "verified", "controlled", "controlled", "controlled", "controlled",
                 "released", "released")  # fmt: skip
COMMUNITY_LEN = 3 * Place.steplen
GRID_LEN = 4 * Place.steplen


def _case(expression: str, values: list[str]) -> str:
    whens = " ".join(f"WHEN {i} THEN '{v}'" for i, v in enumerate(values))
    return f"CASE {expression} {whens} END"


def add_demo_key_persons(*, count: int, now: dt.datetime | None = None) -> int:
    """Put about `count` persons (spread over the whole district) under screening; returns how many."""
    if count <= 0:
        return 0
    now = now or timezone.now()
    district = Place.objects.filter(depth=1, type=PlaceType.DISTRICT).order_by("path").first()
    if district is None:
        return 0
    protocol = active_protocol(district).protocol
    ops = connection.ops
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*), COALESCE(MAX(id), 0) FROM people_person")
        row = cursor.fetchone()
        persons, max_id = (row[0], row[1]) if row else (0, 0)
        if not persons:
            return 0
        step = max(1, max_id // count)
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM screening_keyperson")
        row = cursor.fetchone()
        before = row[0] if row else 0
        # Literal %% because the statement also takes parameters.
        # Multipliers coprime with the bucket counts spread even a handful of rows over every bucket.
        category = _case(f"((p.id / {int(step)}) * 7) %% 20", CATEGORY_BUCKETS)
        state = _case(f"((p.id / {int(step)}) * 3) %% 10", list(STATE_BUCKETS))
        created = ops.adapt_datetimefield_value(now - dt.timedelta(days=3))
        sql = f"""
            INSERT INTO screening_keyperson (
                person_id, category, protocol_id, place_id, place_path, is_unplaced, outside_district, worker_id,
                clear_state, due_at, measure_kind, schedule, risk_level, version, created_at, updated_at
            )
            SELECT p.id, {category}, %s, COALESCE(g.id, c.id), COALESCE(g.path, c.path), FALSE, FALSE,
                   (SELECT m.user_id FROM accounts_membership m WHERE m.place_id = COALESCE(g.id, c.id)
                     AND m.role IN ('grid_worker', 'community_worker') ORDER BY m.role DESC, m.id LIMIT 1),
                   {state}, NULL, 'none', '[]', '', 1, %s, %s
            FROM people_person p
            LEFT JOIN places_place g ON g.path = substr(p.place_path, 1, {GRID_LEN}) AND g.type = 'grid'
            LEFT JOIN places_place c ON c.path = substr(p.place_path, 1, {COMMUNITY_LEN}) AND c.type = 'community'
            WHERE p.id %% %s = 0 AND p.merged_into_id IS NULL AND COALESCE(g.id, c.id) IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM screening_keyperson k
                              WHERE k.person_id = p.id AND k.clear_state <> 'released')
            ORDER BY p.id
            LIMIT %s
        """  # noqa: S608 - constants only; values are parameters
        cursor.execute(sql, [protocol.pk, created, created, step, count])
        _stamp_states(cursor, before, now, protocol)
        _add_sources(cursor, before, created)
        cursor.execute("SELECT COUNT(*) FROM screening_keyperson WHERE id > %s", [before])
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def _stamp_states(cursor: Any, after_id: int, now: dt.datetime, protocol: Protocol) -> None:
    """Timestamps for the states reached, a deadline on the new ones (one in five overdue), schedules."""
    ops = connection.ops
    day = dt.timedelta(days=1)
    stamps = {
        "identified_at": now - 3 * day + dt.timedelta(hours=5),
        "verified_at": now - 3 * day + dt.timedelta(hours=9),
        "controlled_at": now - 3 * day + dt.timedelta(hours=20),
        "released_at": now - dt.timedelta(hours=6),
    }
    reached = {
        "identified_at": ("identified", "verified", "controlled", "released"),
        "verified_at": ("verified", "controlled", "released"),
        "controlled_at": ("controlled", "released"),
        "released_at": ("released",),
    }
    for column, states in reached.items():
        placeholders = ", ".join(["%s"] * len(states))
        by = column.replace("_at", "_by_id")
        cursor.execute(
            f"UPDATE screening_keyperson SET {column} = %s, {by} = worker_id"  # noqa: S608 - column names are constants
            f" WHERE id > %s AND clear_state IN ({placeholders})",
            [ops.adapt_datetimefield_value(stamps[column]), after_id, *states],
        )
    cursor.execute(
        "UPDATE screening_keyperson SET due_at = CASE WHEN id %% 5 = 0 THEN %s ELSE %s END"
        " WHERE id > %s AND clear_state = 'new'",
        [ops.adapt_datetimefield_value(now - dt.timedelta(hours=3)),
         ops.adapt_datetimefield_value(now + dt.timedelta(hours=18)), after_id],
    )  # fmt: skip
    start = timezone.localdate(now) - 2 * day
    for category in protocol.categories.all():
        definition = category_of(protocol, category.code)
        if definition is None:
            continue
        schedule = build_schedule(definition, start)
        kind = schedule[0]["kind"] if schedule else "none"
        cursor.execute(
            "UPDATE screening_keyperson SET schedule = %s, measure_kind = %s, measure_started_on = %s"
            " WHERE id > %s AND category = %s AND clear_state IN ('controlled', 'released')",
            [json.dumps(schedule), kind, ops.adapt_datefield_value(start), after_id, category.code],
        )


def _add_sources(cursor: Any, after_id: int, created: Any) -> None:
    by_category = " ".join(f"WHEN '{code}' THEN '{kind}'" for code, kind in SOURCES.items())
    returnee = _case("k.id %% 5", list(RETURNEE_SOURCES))
    cursor.execute(
        f"""
        INSERT INTO screening_keypersonsource (key_person_id, kind, came_from, arrived_on, detail, reported_at)
        SELECT k.id, CASE k.category {by_category} ELSE {returnee} END, '', NULL, '', %s
        FROM screening_keyperson k WHERE k.id > %s
        """,  # noqa: S608 - constants only
        [created, after_id],
    )


PUSH_HEADERS = ["姓名", "证件号码", "联系电话", "途经地", "抵达日期", "社区"]
PUSH_ORIGINS = ("北京市朝阳区", "上海市浦东新区", "广州市白云区", "郑州市金水区", "西安市雁塔区", "成都市武侯区")


def demo_push_list(*, rows: int, actor: Any, tmp_dir: Any) -> Any:
    """A big-data push list run through the real import: matched residents, one in ten without a community.

    Returns the finished import job (its key persons come from the import_finished receiver).
    """
    import datetime as dt_

    import openpyxl

    from fangkong.imports import services as imports
    from fangkong.imports.selectors import preview
    from fangkong.protocols.models import RiskArea

    district = Place.objects.filter(depth=1, type=PlaceType.DISTRICT).order_by("path").first()
    if district is None or rows <= 0:
        return None
    today = timezone.localdate()
    RiskArea.objects.get_or_create(
        name="北京市朝阳区", level="medium", starts_on=today - dt_.timedelta(days=20),
        defaults={"granularity": "county", "source": "示范数据"},
    )  # fmt: skip
    RiskArea.objects.get_or_create(
        name="上海市浦东新区", level="high", starts_on=today - dt_.timedelta(days=15),
        defaults={"granularity": "county", "source": "示范数据"},
    )  # fmt: skip
    communities = dict(
        Place.objects.filter(type=PlaceType.COMMUNITY, path__startswith=district.path).values_list("path", "name")
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM people_person")
        row = cursor.fetchone()
        step = max(1, (row[0] if row else 0) // max(rows, 1))
        cursor.execute(
            "SELECT p.name, p.document_number, p.phone, p.place_path FROM people_person p"
            " WHERE p.id %% %s = 1 AND p.document_type = 'resident_id' AND p.merged_into_id IS NULL"
            " AND NOT EXISTS (SELECT 1 FROM screening_keyperson k WHERE k.person_id = p.id)"
            " ORDER BY p.id LIMIT %s",
            [step, rows],
        )
        residents = cursor.fetchall()
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("推送名单")
    sheet.append(PUSH_HEADERS)
    for n, (name, number, phone, path) in enumerate(residents):
        # One row in ten names no community: the HQ must route it (the unplaced queue).
        community = "" if n % 10 == 9 else communities.get(path[:COMMUNITY_LEN], "")
        arrived = today - dt_.timedelta(days=1 + n % 6)
        sheet.append([name, number, phone, PUSH_ORIGINS[n % len(PUSH_ORIGINS)], arrived.isoformat(), community])
    path = tmp_dir / "demo-pushlist.xlsx"
    book.save(path)
    job = imports.create_job(
        actor=actor,
        upload=path,
        kind="pushlist",
        target_place=district,
        options={"issuer": "省疫情防控指挥部大数据组（示范）", "issued_on": today.isoformat()},
    )
    shown = preview(job)
    job = imports.confirm_job(
        actor=actor, job=job, sheet_name=shown.sheet_name, header_row=shown.header_row, mapping=shown.mapping
    )
    return imports.run_import(job.pk)


def load_demo_screening(*, persons: int) -> int:
    """The demo district's screening: ~1 % of the population as key persons plus one push list."""
    import tempfile
    from pathlib import Path

    from fangkong.accounts.models import User

    created = add_demo_key_persons(count=max(5, persons // 100))
    hq = User.objects.filter(username="hq").first()
    if hq is not None:
        with tempfile.TemporaryDirectory() as tmp:
            demo_push_list(rows=min(2000, max(5, persons // 200)), actor=hq, tmp_dir=Path(tmp))
    return created


def demo_step(*, persons: int, **_: Any) -> None:
    """Demo step: key persons (about 1 %) and one push list, run through the real import."""
    load_demo_screening(persons=persons)
