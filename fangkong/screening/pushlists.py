"""A finished push-list import becomes key persons, set-based: a few INSERT … SELECT statements.

Runs in the import's follow-up step (imports.services.run_followups sends the
import_finished signal after the rows are committed), in one transaction with the
job's followed_up_at mark: the key persons commit together with the mark or not at
all, and a retried step adds nothing. Every
statement works on the whole list at once; a 100,000-row list costs the same
handful of queries as a ten-row one. On PostgreSQL the key persons and their
sources are one statement (data-modifying CTEs) over the list read once; SQLite,
which has no INSERT inside WITH, runs the same SQL as two statements. The
statements that only concern persons who were key persons already (an earlier
deadline, a higher risk level) run only when the list names such persons.

Routing: the person's household when it lies under the place the row was
routed to (or under the import's target), else the row's place; the grid (or
community) above that becomes the key person's place. A row that reaches no
community stays at the import's target and is "unplaced": HQ must route it.
Rows the import kept at its target because they name a community outside the
district are flagged to hand over, not dropped.

The statements are f-strings (hence the S608 waivers) only to splice in module
constants and SQL fragments built here; every value is a parameter.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy

from fangkong.audit.models import AuditAction
from fangkong.audit.services import record, say
from fangkong.imports.categories import CategoryChoices
from fangkong.imports.models import ImportJob, PushList
from fangkong.places.models import Place, PlaceType
from fangkong.protocols.models import RISK_RANK, Protocol, RiskArea
from fangkong.protocols.risk import risk_level_sql
from fangkong.protocols.selectors import (
    active_protocol,
    category_of,
    district_of,
    push_default_category,
    returnee_categories,
)
from fangkong.screening.models import PushBatch, SourceKind
from fangkong.screening.workers import DEFAULT_WORKERS_SQL

COMMUNITY_PATH_LEN = 3 * Place.steplen
GRID_PATH_LEN = 4 * Place.steplen


def deadline_hours(job: ImportJob) -> float:
    raw: Any = (job.options or {}).get("deadline_hours")
    try:
        hours = float(raw) if raw not in (None, "") else float(settings.SCREENING_PUSH_DEADLINE_HOURS)
    except (TypeError, ValueError):
        hours = float(settings.SCREENING_PUSH_DEADLINE_HOURS)
    return hours if hours > 0 else float(settings.SCREENING_PUSH_DEADLINE_HOURS)


def push_category_choices(place: Place) -> CategoryChoices | None:
    """The categories a push list imported into `place` may give: its district's protocol's (imports asks here)."""
    protocol = active_protocol(district_of(place)).protocol
    default = push_default_category(protocol)
    choices = tuple((c.code, c.name) for c in protocol.categories.all())
    return CategoryChoices(default=default.code if default else "", choices=choices) if choices else None


def _category(job: ImportJob, target: Place) -> tuple[Protocol, str]:
    protocol = active_protocol(district_of(target)).protocol
    wanted = str((job.options or {}).get("category") or "")
    category = category_of(protocol, wanted) if wanted else None
    if category is None:
        category = push_default_category(protocol)
    return protocol, category.code if category else ""


def _category_sql(protocol: Protocol, category: str, *, has_areas: bool) -> tuple[str, list[Any]]:
    """SQL (and its parameters) for a new key person's category, over `r` with its row_category and risk.

    The row's own category column wins over the list's category (the upload's choice, else the
    protocol's default). A returnee category then rises to the protocol's returnee category of the
    riskiest area the row's travel names (a row from a high-risk area is a high-risk returnee, not the
    default medium-risk one); it never falls, and other categories (close contact, inbound …) stay.
    """
    base, base_params = "COALESCE(NULLIF(r.row_category, ''), %s)", [category]
    by_level = returnee_categories(protocol) if has_areas else {}
    whens: list[str] = []
    params: list[Any] = []
    for level, code in sorted(by_level.items(), key=lambda item: -RISK_RANK[item[0]]):  # type: ignore[index]
        lower = [c for lv, c in by_level.items() if RISK_RANK[lv] < RISK_RANK[level]]  # type: ignore[index]
        if not lower:
            continue
        whens.append(f"WHEN r.risk = %s AND {base} IN ({', '.join(['%s'] * len(lower))}) THEN %s")
        params += [level, *base_params, *lower, code]
    if not whens:
        return base, base_params
    return f"CASE {' '.join(whens)} ELSE {base} END", [*params, *base_params]


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
    protocol, category = _category(job, target)
    ops = connection.ops
    p_now = ops.adapt_datetimefield_value(now)
    p_deadline = ops.adapt_datetimefield_value(deadline)

    has_areas = RiskArea.objects.exists()
    issued = ops.adapt_datefield_value(push_list.issued_on or timezone.localdate(now))
    category_sql, category_params = _category_sql(protocol, category, has_areas=has_areas)
    key_person_params = [*category_params, protocol.pk, target.pk, target.path, p_deadline, p_now, p_now]
    source_params = [push_list.pk, p_now, job.created_by_id, push_list.pk]
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM screening_keyperson")
        row = cursor.fetchone()
        before = row[0] if row else 0
        if connection.vendor == "postgresql":
            # One statement: each person's key-person id (a new one from the sequence, or the open
            # one's) is settled once in `routed`, and the key persons and the sources are both written
            # from it, so the list is read, joined and deduplicated once rather than twice.
            cursor.execute("SELECT pg_get_serial_sequence('screening_keyperson', 'id')")
            sequence = (cursor.fetchone() or [""])[0]
            cursor.execute(
                f"""
                WITH {_routed("CASE WHEN k.id IS NULL THEN nextval(%s::regclass) ELSE k.id END", materialized=True)},
                new_key_persons AS (
                    {_insert_key_persons(has_areas, category_sql, with_id=True)}
                    RETURNING is_unplaced, outside_district
                ),
                new_sources AS ({INSERT_SOURCES})
                SELECT (SELECT COUNT(*) FROM routed), COUNT(*), {COUNT_UNPLACED_OUTSIDE} FROM new_key_persons
                """,  # noqa: S608
                [push_list.pk, sequence, issued, *key_person_params, *source_params],
            )
            persons, *counted = cursor.fetchone() or (0, 0, 0, 0)
        else:
            # SQLite has no INSERT inside WITH: the key persons first, then a source for every person
            # of the list on their (new or earlier) open key person.
            routed = _routed("k.id", materialized=False)
            cursor.execute(
                f"WITH {routed} {_insert_key_persons(has_areas, category_sql)}",
                [push_list.pk, issued, *key_person_params],
            )
            cursor.execute(f"WITH {routed} {INSERT_SOURCES}", [push_list.pk, issued, *source_params])
            cursor.execute(
                "SELECT COUNT(DISTINCT person_id) FROM imports_pushlistentry WHERE push_list_id = %s", [push_list.pk]
            )
            row = cursor.fetchone()
            persons = row[0] if row else 0
            # Counted rather than taken from rowcount, which SQLite does not report for WITH … INSERT.
            cursor.execute(
                f"SELECT COUNT(*), {COUNT_UNPLACED_OUTSIDE} FROM screening_keyperson WHERE id > %s",  # noqa: S608
                [before],
            )
            counted = list(cursor.fetchone() or (0, 0, 0))
        created, unplaced, outside = (int(n or 0) for n in counted)
        if created < persons:
            # Some were open key persons already (no new one was made for them): an earlier
            # deadline and a riskier origin win. Nothing to do when every person was new.
            cursor.execute(TIGHTEN_DEADLINES, [p_deadline, before, p_deadline, push_list.pk])
            if has_areas:
                _raise_known_risk(cursor, push_list.pk, before, issued)
    batch = PushBatch.objects.create(
        push_list=push_list,
        deadline_at=deadline,
        category=category,
        created=created,
        merged=max(persons - created, 0),
        unplaced=unplaced,
        outside=outside,
    )
    record(
        actor=job.created_by,
        action=AuditAction.CREATE,
        obj=batch,
        summary=say(
            gettext_lazy(
                "Key persons from push list %(list)s (import %(job)s): %(created)s new, %(merged)s already known, "
                "%(unplaced)s unplaced, %(outside)s outside the district; identify by %(deadline)s"
            ),
            list=push_list.pk,
            job=job.pk,
            created=created,
            merged=batch.merged,
            unplaced=batch.unplaced,
            outside=batch.outside,
            deadline=f"{deadline:%Y-%m-%d %H:%M}",
        ),
        changes={"created": created, "merged": batch.merged, "unplaced": batch.unplaced, "outside": batch.outside},
    )
    return batch


def _routed(key_person_id: str, *, materialized: bool) -> str:
    """CTEs `firsts` and `routed`: each person of the list once, where they go, their key-person id.

    The first row naming a person counts (a window over the list: one pass, no second lookup of
    the row). `key_person_id` is the SQL for the id the person's sources go to; `is_new` says the
    person has no open key person yet. `place_id` is the grid above the route, else its community
    (looked up only when there is no grid), else NULL; `in_grid` says which. Parameters: the push
    list, then the date risk is judged on when the row has no arrival date.
    """
    return f"""
        firsts AS (
            SELECT person_id, came_from, arrived_on, place_path, outside_district, category,
                   ROW_NUMBER() OVER (PARTITION BY person_id ORDER BY id) AS nth
            FROM imports_pushlistentry WHERE push_list_id = %s
        ),
        routed AS {"MATERIALIZED" if materialized else ""} (
            SELECT x.*, g.id IS NOT NULL AS in_grid,
                   COALESCE(g.id, (
                       SELECT c.id FROM places_place c
                       WHERE x.outside = 0 AND c.path = substr(x.route, 1, {COMMUNITY_PATH_LEN})
                         AND c.type = '{PlaceType.COMMUNITY}'
                   )) AS place_id
            FROM (
                SELECT {key_person_id} AS key_person_id, k.id IS NULL AS is_new, f.person_id, f.came_from,
                       f.category AS row_category, f.arrived_on, COALESCE(f.arrived_on, %s) AS risk_on,
                       CASE WHEN f.outside_district THEN 1 ELSE 0 END AS outside,
                       CASE WHEN p.place_path LIKE f.place_path || '%%' THEN p.place_path ELSE f.place_path END
                           AS route
                FROM firsts f
                JOIN people_person p ON p.id = f.person_id
                LEFT JOIN screening_keyperson k ON k.person_id = f.person_id AND k.clear_state <> 'released'
                WHERE f.nth = 1
            ) x
            LEFT JOIN places_place g
                   ON x.outside = 0 AND g.path = substr(x.route, 1, {GRID_PATH_LEN}) AND g.type = '{PlaceType.GRID}'
        )"""  # noqa: S608 - constants only


def _insert_key_persons(has_areas: bool, category_sql: str, *, with_id: bool = False) -> str:
    """INSERT of a key person for every new person of `routed`, at the grid or community found.

    Parameters: the category's (_category_sql), protocol, the import's target place and its path (for
    the unplaced), deadline, now, now. With `with_id`, the id is routed.key_person_id, not the default.
    """
    # The risk is worked out once per row (in the derived table), for the risk level and the category.
    risk = risk_level_sql("n.came_from", "n.risk_on", "n.risk_on") if has_areas else "''"
    # One worker per place, looked up once (a hash join) rather than once per row.
    workers = DEFAULT_WORKERS_SQL  # screening.workers: the same rule as default_worker
    # The place's path is the route's prefix the place was found by.
    place_path = (
        f"CASE WHEN r.in_grid THEN substr(r.route, 1, {GRID_PATH_LEN})"
        f" WHEN r.place_id IS NOT NULL THEN substr(r.route, 1, {COMMUNITY_PATH_LEN}) ELSE %s END"
    )
    return f"""
        INSERT INTO screening_keyperson (
            {"id, " if with_id else ""}person_id, category, protocol_id, place_id, place_path, is_unplaced,
            outside_district, worker_id, clear_state, due_at, measure_kind, schedule, risk_level, version,
            created_at, updated_at
        )
        SELECT {"r.key_person_id, " if with_id else ""}r.person_id, {category_sql}, %s, COALESCE(r.place_id, %s),
               {place_path}, (r.place_id IS NULL AND r.outside = 0), (r.outside = 1), w.user_id,
               'new', %s, 'none', '[]', r.risk, 1, %s, %s
        FROM (SELECT n.*, COALESCE({risk}, '') AS risk FROM routed n WHERE n.is_new) r
        LEFT JOIN ({workers}) w ON w.place_id = r.place_id"""  # noqa: S608 - constants only


# A source on every person's (new or earlier) open key person, once per list: a key person made
# just now has none yet, so only an earlier one is checked (cheaper than ON CONFLICT on every row).
# Parameters: push list, now, the importer, push list.
INSERT_SOURCES = f"""
    INSERT INTO screening_keypersonsource (
        key_person_id, kind, push_list_id, came_from, arrived_on, detail, reported_at, created_by_id
    )
    SELECT r.key_person_id, '{SourceKind.PUSH_LIST}', %s, r.came_from, r.arrived_on, '', %s, %s FROM routed r
    WHERE r.is_new OR NOT EXISTS (
        SELECT 1 FROM screening_keypersonsource s WHERE s.key_person_id = r.key_person_id AND s.push_list_id = %s
    )"""  # noqa: S608

COUNT_UNPLACED_OUTSIDE = (
    "SUM(CASE WHEN is_unplaced THEN 1 ELSE 0 END), SUM(CASE WHEN outside_district THEN 1 ELSE 0 END)"
)

# An open key person pushed again keeps the earlier of the two deadlines.
TIGHTEN_DEADLINES = """
    UPDATE screening_keyperson SET due_at = %s
    WHERE id <= %s AND clear_state = 'new' AND (due_at IS NULL OR due_at > %s)
      AND person_id IN (SELECT person_id FROM imports_pushlistentry WHERE push_list_id = %s)
"""


def _raise_known_risk(cursor: Any, push_list_id: int, before: int, issued: Any) -> None:
    """Key persons known before this list: their risk level rises if this list places them in a riskier area.

    Set-based (the list's rows of those persons, grouped once): a subquery per key person would
    scan the list once per person wherever the planner has no statistics on a list just written.
    """
    on = f"COALESCE(e.arrived_on, '{issued}')"
    risk = risk_level_sql("e.came_from", on, on)
    rank = "CASE {} WHEN 'high' THEN 3 WHEN 'medium' THEN 2 WHEN 'low' THEN 1 ELSE 0 END"
    cursor.execute(
        f"""
        UPDATE screening_keyperson
        SET risk_level = CASE n.top WHEN 3 THEN 'high' WHEN 2 THEN 'medium' ELSE 'low' END
        FROM (
            SELECT e.person_id, MAX({rank.format(risk)}) AS top
            FROM imports_pushlistentry e
            WHERE e.push_list_id = %s AND e.person_id IN (
                SELECT k.person_id FROM screening_keyperson k WHERE k.id <= %s AND k.clear_state <> 'released'
            )
            GROUP BY e.person_id
        ) n
        WHERE screening_keyperson.person_id = n.person_id AND screening_keyperson.id <= %s
          AND screening_keyperson.clear_state <> 'released'
          AND n.top > {rank.format("screening_keyperson.risk_level")}
        """,  # noqa: S608
        [push_list_id, before, before],
    )
