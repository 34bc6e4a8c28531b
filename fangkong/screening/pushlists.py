"""A finished push-list import becomes key persons, set-based: a few INSERT … SELECT statements.

Runs inside the transaction that marks the import done (the import_finished
signal), so the key persons commit together with "done" or not at all. Every
statement works on the whole list at once; a 100,000-row list costs the same
handful of queries as a ten-row one.

Routing: the person's household when it lies under the place the row was
routed to (or under the import's target), else the row's place; the grid (or
community) above that becomes the key person's place. A row that reaches no
community stays at the import's target and is "unplaced": HQ must route it.
Rows the import kept at its target because they name a community outside the
district are flagged to hand over, not dropped.

The statements are f-strings (hence the S608 waivers) only to splice in module
constants and the SQL Django compiled for a queryset; every value is a parameter.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from fangkong.audit.models import AuditAction
from fangkong.audit.services import record
from fangkong.imports.models import ImportJob, ImportRowIssue, PushList, RowStatus
from fangkong.places.models import Place, PlaceType
from fangkong.protocols.models import RiskArea
from fangkong.protocols.selectors import active_protocol, category_of, district_of, push_default_category
from fangkong.screening.models import PushBatch

COMMUNITY_PATH_LEN = 3 * Place.steplen
GRID_PATH_LEN = 4 * Place.steplen
WORKER_ROLES = ("grid_worker", "community_worker")
RISK_ORDER = "CASE a.level WHEN 'high' THEN 3 WHEN 'medium' THEN 2 ELSE 1 END"


def deadline_hours(job: ImportJob) -> float:
    raw: Any = (job.options or {}).get("deadline_hours")
    try:
        hours = float(raw) if raw not in (None, "") else float(settings.SCREENING_PUSH_DEADLINE_HOURS)
    except (TypeError, ValueError):
        hours = float(settings.SCREENING_PUSH_DEADLINE_HOURS)
    return hours if hours > 0 else float(settings.SCREENING_PUSH_DEADLINE_HOURS)


def _category(job: ImportJob, target: Place) -> tuple[int, str]:
    protocol = active_protocol(district_of(target)).protocol
    wanted = str((job.options or {}).get("category") or "")
    category = category_of(protocol, wanted) if wanted else None
    if category is None:
        category = push_default_category(protocol)
    return protocol.pk, category.code if category else ""


def key_persons_from_push_list(*, job: ImportJob) -> PushBatch | None:
    push_list = PushList.objects.filter(job=job).first()
    if push_list is None:
        return None
    existing = PushBatch.objects.filter(push_list=push_list).first()
    if existing is not None:
        return existing  # a job finished twice (a retried worker) adds nothing
    target = job.target_place
    now = timezone.now()
    deadline = (job.finished_at or now) + dt.timedelta(hours=deadline_hours(job))
    protocol_id, category = _category(job, target)
    ops = connection.ops
    p_now = ops.adapt_datetimefield_value(now)
    p_deadline = ops.adapt_datetimefield_value(deadline)

    # Row numbers the import kept at its target because their community is not in the district.
    outside_qs = ImportRowIssue.objects.filter(job=job, status=RowStatus.WARNING, messages__has_key="community").values(
        "row_number"
    )
    outside_sql, outside_params = outside_qs.query.sql_with_params()

    firsts = (
        "firsts AS (SELECT person_id, MIN(id) AS entry_id FROM imports_pushlistentry"
        " WHERE push_list_id = %s GROUP BY person_id)"
    )
    routed = f"""
        routed AS (
            SELECT f.person_id,
                   CASE WHEN e.place_path = %s AND e.row_number IN ({outside_sql}) THEN 1 ELSE 0 END AS outside,
                   CASE WHEN p.place_path LIKE e.place_path || '%%' THEN p.place_path ELSE e.place_path END AS route
            FROM firsts f
            JOIN imports_pushlistentry e ON e.id = f.entry_id
            JOIN people_person p ON p.id = f.person_id
            WHERE NOT EXISTS (
                SELECT 1 FROM screening_keyperson k WHERE k.person_id = f.person_id AND k.clear_state <> 'released'
            )
        )"""  # noqa: S608
    worker_roles = ", ".join(f"'{r}'" for r in WORKER_ROLES)
    insert_key_persons = f"""
        WITH {firsts}, {routed}
        INSERT INTO screening_keyperson (
            person_id, category, protocol_id, place_id, place_path, is_unplaced, outside_district, worker_id,
            clear_state, due_at, measure_kind, schedule, risk_level, version, created_at, updated_at
        )
        SELECT r.person_id, %s, %s,
               COALESCE(g.id, c.id, %s), COALESCE(g.path, c.path, %s),
               (g.id IS NULL AND c.id IS NULL AND r.outside = 0), (r.outside = 1),
               (SELECT m.user_id FROM accounts_membership m
                 WHERE m.place_id = COALESCE(g.id, c.id) AND m.role IN ({worker_roles})
                 ORDER BY m.role DESC, m.is_backup, m.id LIMIT 1),
               'new', %s, 'none', '[]', '', 1, %s, %s
        FROM routed r
        LEFT JOIN places_place g
               ON r.outside = 0 AND g.path = substr(r.route, 1, {GRID_PATH_LEN}) AND g.type = '{PlaceType.GRID}'
        LEFT JOIN places_place c
               ON r.outside = 0 AND c.path = substr(r.route, 1, {COMMUNITY_PATH_LEN})
              AND c.type = '{PlaceType.COMMUNITY}'
    """  # noqa: S608
    # An open key person pushed again keeps the earlier of the two deadlines.
    tighten_deadlines = """
        UPDATE screening_keyperson SET due_at = %s
        WHERE clear_state = 'new' AND (due_at IS NULL OR due_at > %s)
          AND person_id IN (SELECT person_id FROM imports_pushlistentry WHERE push_list_id = %s)
    """
    insert_sources = f"""
        WITH {firsts}
        INSERT INTO screening_keypersonsource (
            key_person_id, kind, push_list_id, came_from, arrived_on, detail, reported_at, created_by_id
        )
        SELECT k.id, 'pushlist', %s, e.came_from, e.arrived_on, '', %s, %s
        FROM firsts f
        JOIN imports_pushlistentry e ON e.id = f.entry_id
        JOIN screening_keyperson k ON k.person_id = f.person_id AND k.clear_state <> 'released'
        WHERE 1 = 1
        ON CONFLICT DO NOTHING
    """  # noqa: S608
    insert_travel = f"""
        WITH {firsts}
        INSERT INTO screening_travelrecord (key_person_id, place_text, from_date, to_date, risk_level, created_at)
        SELECT k.id, e.came_from, NULL, COALESCE(e.arrived_on, %s), '', %s
        FROM firsts f
        JOIN imports_pushlistentry e ON e.id = f.entry_id
        JOIN screening_keyperson k ON k.person_id = f.person_id AND k.clear_state <> 'released'
        WHERE e.came_from <> ''
    """  # noqa: S608
    issued = push_list.issued_on or timezone.localdate(now)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(DISTINCT person_id) FROM imports_pushlistentry WHERE push_list_id = %s", [push_list.pk]
        )
        row = cursor.fetchone()
        persons = row[0] if row else 0
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM screening_travelrecord")
        row = cursor.fetchone()
        travel_before = row[0] if row else 0
        cursor.execute(
            insert_key_persons,
            [push_list.pk, target.path, *outside_params, category, protocol_id, target.pk, target.path,
             p_deadline, p_now, p_now],
        )  # fmt: skip
        cursor.execute(tighten_deadlines, [p_deadline, p_deadline, push_list.pk])
        cursor.execute(insert_sources, [push_list.pk, push_list.pk, p_now, job.created_by_id])
        cursor.execute(insert_travel, [push_list.pk, ops.adapt_datefield_value(issued), p_now])
        if RiskArea.objects.exists():
            _match_new_travel(cursor, travel_before)
        cursor.execute(
            "SELECT COUNT(*), SUM(CASE WHEN is_unplaced THEN 1 ELSE 0 END),"
            " SUM(CASE WHEN outside_district THEN 1 ELSE 0 END)"
            " FROM screening_keyperson WHERE created_at = %s AND clear_state = 'new'"
            " AND person_id IN (SELECT person_id FROM imports_pushlistentry WHERE push_list_id = %s)",
            [p_now, push_list.pk],
        )
        counted = cursor.fetchone() or (0, 0, 0)
    # Counted rather than taken from rowcount, which SQLite does not report for WITH … INSERT.
    created = int(counted[0] or 0)
    batch = PushBatch.objects.create(
        push_list=push_list,
        deadline_at=deadline,
        category=category,
        created=created,
        merged=max(persons - created, 0),
        unplaced=int(counted[1] or 0),
        outside=int(counted[2] or 0),
    )
    record(
        actor=job.created_by,
        action=AuditAction.CREATE,
        obj=batch,
        summary=(
            f"key persons from push list {push_list.pk} (job {job.pk}): {created} new, {batch.merged} already known, "
            f"{batch.unplaced} unplaced, {batch.outside} outside the district; identify by {deadline:%Y-%m-%d %H:%M}"
        ),
        changes={"created": created, "merged": batch.merged, "unplaced": batch.unplaced, "outside": batch.outside},
    )
    return batch


def _match_new_travel(cursor: Any, after_id: int) -> None:
    """Match the new travel records against the risk areas active while the person was there."""
    cursor.execute(
        f"""
        UPDATE screening_travelrecord SET risk_area_id = (
            SELECT a.id FROM protocols_riskarea a
            WHERE a.starts_on <= screening_travelrecord.to_date
              AND (a.ends_on IS NULL
                   OR a.ends_on >= COALESCE(screening_travelrecord.from_date, screening_travelrecord.to_date))
              AND (screening_travelrecord.place_text LIKE a.name || '%%'
                   OR a.name LIKE screening_travelrecord.place_text || '%%')
            ORDER BY {RISK_ORDER} DESC, a.id LIMIT 1
        )
        WHERE id > %s
        """,  # noqa: S608
        [after_id],
    )
    cursor.execute(
        "UPDATE screening_travelrecord SET risk_level = ("
        " SELECT a.level FROM protocols_riskarea a WHERE a.id = screening_travelrecord.risk_area_id)"
        " WHERE id > %s AND risk_area_id IS NOT NULL",
        [after_id],
    )
    cursor.execute(
        f"""
        UPDATE screening_keyperson SET risk_level = (
            SELECT a.level FROM screening_travelrecord t JOIN protocols_riskarea a ON a.id = t.risk_area_id
            WHERE t.key_person_id = screening_keyperson.id
            ORDER BY {RISK_ORDER} DESC LIMIT 1
        )
        WHERE id IN (SELECT key_person_id FROM screening_travelrecord WHERE id > %s AND risk_area_id IS NOT NULL)
        """,  # noqa: S608
        [after_id],
    )
