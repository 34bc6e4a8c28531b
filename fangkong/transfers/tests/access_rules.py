"""Who may use the transfers app's pages and API operations: its part of the access-matrix policy.

Declared in its plugin.py (`access_rules`); `fangkong/core/tests/test_access_matrix.py` collects it.
The vocabulary (roles, `Rule`) is explained in `fangkong/core/tests/access_expectations.py`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fangkong.accounts.models import Role
from fangkong.core.tests.access_expectations import (
    HQ,
    Rule,
)

# Transfers (转运): who sees tasks and vehicles, who runs the transfers, who manages the vehicles.
VIEW_TRANSFERS = frozenset(
    {
        Role.HQ_ADMIN,
        Role.HQ_GROUP,
        Role.STREET_ADMIN,
        Role.COMMUNITY_WORKER,
        Role.GRID_WORKER,
        Role.SITE_STAFF,
        Role.INSPECTOR,
    }
)
RUN_TRANSFERS = frozenset({Role.HQ_ADMIN, Role.SITE_STAFF})


def _transfer_task_json(scene: Any) -> dict[str, Any]:
    from fangkong.core.tests.test_access_matrix import transfer_measure

    planned = dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)
    return {
        "kind": "to_hospital",
        "measure_ids": [transfer_measure(scene, "转运乙", 663).pk],
        "planned_at": planned.isoformat(),
        "to_text": "市第一人民医院",
    }


PAGES: dict[str, Rule] = {
    # Transfers (转运): tasks with their run, passengers and crew; the vehicle pool.
    "transfers:list": Rule(VIEW_TRANSFERS),
    "transfers:export": Rule(VIEW_TRANSFERS),
    "transfers:add": Rule(RUN_TRANSFERS, writes=True),
    "transfers:detail": Rule(VIEW_TRANSFERS, target="transfer_task"),
    "transfers:depart": Rule(RUN_TRANSFERS, target="transfer_task", writes=True),
    "transfers:arrive": Rule(RUN_TRANSFERS, target="transfer_task", writes=True),
    "transfers:disinfect": Rule(RUN_TRANSFERS, target="transfer_task", writes=True),
    "transfers:cancel": Rule(RUN_TRANSFERS, target="transfer_task", writes=True),
    "transfers:assign_vehicle": Rule(RUN_TRANSFERS, target="transfer_task", writes=True),
    "transfers:passengers": Rule(RUN_TRANSFERS, target="transfer_task", writes=True),
    "transfers:crew": Rule(RUN_TRANSFERS, target="transfer_task", writes=True),
    "transfers:request_site": Rule(RUN_TRANSFERS, target="measure", writes=True),
    "transfers:vehicles": Rule(VIEW_TRANSFERS),
    "transfers:vehicle_add": Rule(HQ, writes=True),
    "transfers:vehicle_edit": Rule(VIEW_TRANSFERS, target="vehicle", writes=True, writers=RUN_TRANSFERS),
}

API: dict[str, Rule] = {
    # Transfers: the task in A is planned with a vehicle, a driver and a passenger, so it can depart.
    "fangkong_transfers_api_list_vehicles": Rule(VIEW_TRANSFERS),
    "fangkong_transfers_api_list_tasks": Rule(VIEW_TRANSFERS),
    # The body names persons of A: only A's staff may plan their transfer.
    "fangkong_transfers_api_create_task": Rule(
        RUN_TRANSFERS, target="transfer_task", writes=True, body=_transfer_task_json
    ),
    "fangkong_transfers_api_get_task": Rule(VIEW_TRANSFERS, target="transfer_task"),
    "fangkong_transfers_api_depart_task": Rule(
        RUN_TRANSFERS, target="transfer_task", writes=True, body=lambda scene: {}
    ),
    "fangkong_transfers_api_arrive_task": Rule(RUN_TRANSFERS, target="transfer_task", writes=True),
    "fangkong_transfers_api_disinfect_vehicle": Rule(RUN_TRANSFERS, target="transfer_task", writes=True),
    "fangkong_transfers_api_cancel_task": Rule(RUN_TRANSFERS, target="transfer_task", writes=True),
}
