"""Who may use the checkpoints app's pages and API operations: its part of the access-matrix policy.

Declared in its plugin.py (`access_rules`); `fangkong/core/tests/test_access_matrix.py` collects it.
The vocabulary (roles, `Rule`) is explained in `fangkong/core/tests/access_expectations.py`.
"""

from __future__ import annotations

from fangkong.accounts.models import Role
from fangkong.core.tests.access_expectations import (
    ANYONE,
    Rule,
)

VIEW_CHECKPOINTS = frozenset(
    {
        Role.HQ_ADMIN,
        Role.HQ_GROUP,
        Role.STREET_ADMIN,
        Role.COMMUNITY_WORKER,
        Role.GRID_WORKER,
        Role.CHECKPOINT_STAFF,
        Role.INSPECTOR,
    }
)
REGISTER_PASSAGES = frozenset({Role.HQ_ADMIN, Role.STREET_ADMIN, Role.COMMUNITY_WORKER, Role.CHECKPOINT_STAFF})
LEAD_CHECKPOINTS = frozenset({Role.HQ_ADMIN, Role.STREET_ADMIN, Role.COMMUNITY_WORKER})

PAGES: dict[str, Rule] = {
    # Checkpoints (卡点): lists, the gate page, alerts, registrations, the venue's public self check-in.
    "checkpoints:list": Rule(VIEW_CHECKPOINTS),
    "checkpoints:export": Rule(VIEW_CHECKPOINTS),
    "checkpoints:add": Rule(LEAD_CHECKPOINTS, writes=True),
    "checkpoints:detail": Rule(VIEW_CHECKPOINTS, target="checkpoint"),
    "checkpoints:kit": Rule(LEAD_CHECKPOINTS, target="checkpoint", writes=True),
    "checkpoints:shifts": Rule(LEAD_CHECKPOINTS, target="checkpoint", writes=True),
    "checkpoints:gate": Rule(REGISTER_PASSAGES, target="checkpoint", writes=True),
    "checkpoints:lookup": Rule(REGISTER_PASSAGES, target="checkpoint"),
    "checkpoints:poster": Rule(VIEW_CHECKPOINTS, target="checkpoint"),
    "checkpoints:alerts": Rule(VIEW_CHECKPOINTS, writes=True, writers=LEAD_CHECKPOINTS),
    "checkpoints:daily": Rule(VIEW_CHECKPOINTS, target="checkpoint", writes=True, writers=REGISTER_PASSAGES),
    "checkpoints:daily_rollup": Rule(VIEW_CHECKPOINTS),
    "checkpoints:registrations": Rule(VIEW_CHECKPOINTS),
    "checkpoints:registrations_export": Rule(VIEW_CHECKPOINTS),
    "checkpoints:manifest": Rule(frozenset({ANYONE})),
    "checkpoints:service_worker": Rule(frozenset({ANYONE})),
    "checkpoints:check_in": Rule(frozenset({ANYONE}), target="check_in_link", scoped=False, writes=True),
}

API: dict[str, Rule] = {
    # Checkpoints (卡点): the batch answers 422 to an empty body, after the permission check.
    "fangkong_checkpoints_api_list_checkpoints": Rule(VIEW_CHECKPOINTS),
    "fangkong_checkpoints_api_register_passages": Rule(REGISTER_PASSAGES, writes=True),
    "fangkong_checkpoints_api_colocated": Rule(VIEW_CHECKPOINTS),
}
