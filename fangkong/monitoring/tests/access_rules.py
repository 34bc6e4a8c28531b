"""Who may use the monitoring app's pages and API operations: its part of the access-matrix policy.

Declared in its plugin.py (`access_rules`); `fangkong/core/tests/test_access_matrix.py` collects it.
The vocabulary (roles, `Rule`) is explained in `fangkong/core/tests/access_expectations.py`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fangkong.accounts.models import Role
from fangkong.core.tests.access_expectations import (
    ANYONE,
    Rule,
)

# Health monitoring (健康监测): home care, health reports, alerts, the person's own report link.
VIEW_MONITORING = frozenset(
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
CARE_MONITORING = frozenset(
    {Role.HQ_ADMIN, Role.STREET_ADMIN, Role.COMMUNITY_WORKER, Role.GRID_WORKER, Role.SITE_STAFF}
)


def _health_report_json(scene: Any) -> dict[str, Any]:

    from django.utils import timezone

    from fangkong.core.tests.test_access_matrix import TARGETS

    measure = TARGETS["home_measure"](scene)
    day = timezone.localdate() - dt.timedelta(days=1)
    return {"measure_id": measure.pk, "date": day.isoformat(), "slot": "morning", "temperature": 36.5}


PAGES: dict[str, Rule] = {
    "monitoring:home_list": Rule(VIEW_MONITORING),
    "monitoring:home_export": Rule(VIEW_MONITORING),
    "monitoring:measure": Rule(VIEW_MONITORING, target="home_measure"),
    "monitoring:report": Rule(CARE_MONITORING, target="home_measure", writes=True),
    "monitoring:home": Rule(CARE_MONITORING, target="home_measure", writes=True),
    "monitoring:team": Rule(CARE_MONITORING, target="home_measure", writes=True),
    "monitoring:deliveries": Rule(CARE_MONITORING, target="home_measure", writes=True),
    "monitoring:renew_link": Rule(CARE_MONITORING, target="home_measure", writes=True),
    "monitoring:due": Rule(VIEW_MONITORING, writes=True, writers=CARE_MONITORING),
    "monitoring:alerts": Rule(VIEW_MONITORING, writes=True, writers=CARE_MONITORING),
    "monitoring:alerts_export": Rule(VIEW_MONITORING),
    # The person's own report page: the signed link is the key; it shows a masked name only.
    "monitoring:self_report": Rule(frozenset({ANYONE}), target="report_link", scoped=False, writes=True),
}

API: dict[str, Rule] = {
    "fangkong_monitoring_api_list_alerts": Rule(VIEW_MONITORING),
    "fangkong_monitoring_api_create_report": Rule(
        CARE_MONITORING, target="home_measure", writes=True, body=_health_report_json
    ),
}
