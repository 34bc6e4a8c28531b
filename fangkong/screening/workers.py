"""Who answers for a new key person: the default worker of a place, one rule in Python and in SQL.

The grid's (or community's) own worker: a grid worker before a community worker, a primary worker
before a backup (B role), then the earliest posting. A backup is chosen only when the place has no
primary worker; a place with neither gets none. `default_worker` answers for one place;
`DEFAULT_WORKERS_SQL` is the same choice as a table (place_id, user_id) for set-based writes such as
the push list (`screening.pushlists`). `tests/test_workers.py` holds the two to the same answers.
"""

from __future__ import annotations

from typing import Any

from fangkong.accounts.models import Membership, Role
from fangkong.places.models import Place

WORKER_ROLES = (Role.GRID_WORKER, Role.COMMUNITY_WORKER)


def default_worker(place: Place) -> Any:
    membership = (
        Membership.objects.filter(place=place, role__in=WORKER_ROLES)
        .select_related("user")
        # "-role": grid_worker sorts after community_worker, so descending puts it first.
        .order_by("-role", "is_backup", "pk")
        .first()
    )
    return membership.user if membership else None


# The same order as default_worker, one row per place (a window: the memberships are read once).
DEFAULT_WORKERS_SQL = f"""
    SELECT place_id, user_id FROM (
        SELECT place_id, user_id, ROW_NUMBER() OVER (
            PARTITION BY place_id
            ORDER BY CASE role WHEN '{Role.GRID_WORKER}' THEN 0 ELSE 1 END, is_backup, id
        ) AS nth
        FROM accounts_membership WHERE role IN ('{Role.GRID_WORKER}', '{Role.COMMUNITY_WORKER}')
    ) ranked WHERE nth = 1"""  # noqa: S608 - constants only
