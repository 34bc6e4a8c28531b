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
from fangkong.imports.models import ImportJob, PushList
from fangkong.places.models import Place, PlaceType
from fangkong.protocols.models import RiskArea
from fangkong.protocols.selectors import active_protocol, category_of, district_of, push_default_category
from fangkong.screening.models import PushBatch

COMMUNITY_PATH_LEN = 3 * Place.steplen
GRID_PATH_LEN = 4 * Place.steplen
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

    firsts = (
        "firsts AS (SELECT person_id, MIN(id) AS entry_id FROM imports_pushlistentry"
        " WHERE push_list_id = %s GROUP BY person_id)"
    )
    routed = """
        routed AS (
            SELECT f.person_id, e.came_from, COALESCE(e.arrived_on, %s) AS arrived_on,
                   CASE WHEN e.outside_district THEN 1 ELSE 0 END AS outside,
                   CASE WHEN p.place_path LIKE e.place_path || '%%' THEN p.place_path ELSE e.place_path END AS route
            FROM firsts f
            JOIN imports_pushlistentry e ON e.id = f.entry_id
            JOIN people_person p ON p.id = f.person_id
            WHERE NOT EXISTS (
                SELECT 1 FROM screening_keyperson k WHERE k.person_id = f.person_id AND k.clear_state <> 'released'
            )
        )"""
    # One worker per place, looked up once (a hash join) rather than once per row.
    workers = (
        "workers AS (SELECT place_id, MIN(user_id) AS user_id FROM accounts_membership"
        " WHERE role IN ('grid_worker', 'community_worker') AND is_backup = FALSE GROUP BY place_id)"
    )
    has_areas = RiskArea.objects.exists()
    risk = _risk_subquery("r.came_from", "r.arrived_on") if has_areas else "''"
    insert_key_persons = f"""
        WITH {firsts}, {routed}, {workers}
        INSERT INTO screening_keyperson (
            person_id, category, protocol_id, place_id, place_path, is_unplaced, outside_district, worker_id,
            clear_state, due_at, measure_kind, schedule, risk_level, version, created_at, updated_at
        )
        SELECT r.person_id, %s, %s,
               COALESCE(g.id, c.id, %s), COALESCE(g.path, c.path, %s),
               (g.id IS NULL AND c.id IS NULL AND r.outside = 0), (r.outside = 1), w.user_id,
               'new', %s, 'none', '[]', COALESCE({risk}, ''), 1, %s, %s
        FROM routed r
        LEFT JOIN places_place g
               ON r.outside = 0 AND g.path = substr(r.route, 1, {GRID_PATH_LEN}) AND g.type = '{PlaceType.GRID}'
        LEFT JOIN places_place c
               ON r.outside = 0 AND c.path = substr(r.route, 1, {COMMUNITY_PATH_LEN})
              AND c.type = '{PlaceType.COMMUNITY}'
        LEFT JOIN workers w ON w.place_id = COALESCE(g.id, c.id)
    """  # noqa: S608
    # An open key person pushed again keeps the earlier of the two deadlines.
    tighten_deadlines = """
        UPDATE screening_keyperson SET due_at = %s
        WHERE id <= %s AND clear_state = 'new' AND (due_at IS NULL OR due_at > %s)
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
    issued = ops.adapt_datefield_value(push_list.issued_on or timezone.localdate(now))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(DISTINCT person_id) FROM imports_pushlistentry WHERE push_list_id = %s", [push_list.pk]
        )
        row = cursor.fetchone()
        persons = row[0] if row else 0
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM screening_keyperson")
        row = cursor.fetchone()
        before = row[0] if row else 0
        cursor.execute(
            insert_key_persons,
            [push_list.pk, issued, category, protocol_id, target.pk, target.path, p_deadline, p_now, p_now],
        )  # fmt: skip
        cursor.execute(tighten_deadlines, [p_deadline, before, p_deadline, push_list.pk])
        cursor.execute(insert_sources, [push_list.pk, push_list.pk, p_now, job.created_by_id])
        if has_areas:
            _raise_known_risk(cursor, push_list.pk, before, issued)
        cursor.execute(
            "SELECT COUNT(*), SUM(CASE WHEN is_unplaced THEN 1 ELSE 0 END),"
            " SUM(CASE WHEN outside_district THEN 1 ELSE 0 END) FROM screening_keyperson WHERE id > %s",
            [before],
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


def _risk_subquery(place: str, on: str) -> str:
    """SQL for the highest risk level of an area `place` lay in on the date `on` (NULL when none)."""
    return f"""(
        SELECT a.level FROM protocols_riskarea a
        WHERE {place} <> '' AND a.starts_on <= {on} AND (a.ends_on IS NULL OR a.ends_on >= {on})
          AND ({place} LIKE a.name || '%%' OR a.name LIKE {place} || '%%')
        ORDER BY {RISK_ORDER} DESC, a.id LIMIT 1
    )"""  # noqa: S608 - column references only


def _raise_known_risk(cursor: Any, push_list_id: int, before: int, issued: Any) -> None:
    """Key persons known before this list: their risk level rises if this list places them in a riskier area."""
    risk = _risk_subquery("e.came_from", f"COALESCE(e.arrived_on, '{issued}')")
    new_level = f"""(
        SELECT {risk} AS level FROM imports_pushlistentry e
        WHERE e.push_list_id = %s AND e.person_id = screening_keyperson.person_id
        ORDER BY CASE {risk} WHEN 'high' THEN 3 WHEN 'medium' THEN 2 WHEN 'low' THEN 1 ELSE 0 END DESC LIMIT 1
    )"""  # noqa: S608
    rank = "CASE {} WHEN 'high' THEN 3 WHEN 'medium' THEN 2 WHEN 'low' THEN 1 ELSE 0 END"
    cursor.execute(
        f"""
        UPDATE screening_keyperson SET risk_level = {new_level}
        WHERE id <= %s AND clear_state <> 'released'
          AND person_id IN (SELECT person_id FROM imports_pushlistentry WHERE push_list_id = %s)
          AND {rank.format(new_level)} > {rank.format("risk_level")}
        """,  # noqa: S608
        [push_list_id, before, push_list_id, push_list_id],
    )
