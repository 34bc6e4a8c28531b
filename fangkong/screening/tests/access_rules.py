"""Who may use the screening app's pages and API operations: its part of the access-matrix policy.

Declared in its plugin.py (`access_rules`); `fangkong/core/tests/test_access_matrix.py` collects it.
The vocabulary (roles, `Rule`) is explained in `fangkong/core/tests/access_expectations.py`.
"""

from __future__ import annotations

from fangkong.accounts.models import Role
from fangkong.core.tests.access_expectations import (
    ANYONE,
    EDIT_PEOPLE,
    FULL_VIEW,
    HQ,
    VIEW_KEY_PERSONS,
    Rule,
)

WORK_KEY_PERSONS = EDIT_PEOPLE
ADD_KEY_PERSONS = WORK_KEY_PERSONS | {Role.CHECKPOINT_STAFF}
LEAD_SCREENING = frozenset({Role.HQ_ADMIN, Role.STREET_ADMIN, Role.COMMUNITY_WORKER})
VIEW_COVERAGE = frozenset({Role.HQ_ADMIN, Role.HQ_GROUP, Role.STREET_ADMIN, Role.COMMUNITY_WORKER, Role.INSPECTOR})

PAGES: dict[str, Rule] = {
    # Screening (排查): key persons, sweeps, coverage, the residents' self-report.
    "screening:list": Rule(VIEW_KEY_PERSONS),
    "screening:export": Rule(VIEW_KEY_PERSONS),
    "screening:queue": Rule(WORK_KEY_PERSONS),
    "screening:unplaced": Rule(HQ),
    "screening:add": Rule(ADD_KEY_PERSONS, writes=True),
    "screening:detail": Rule(VIEW_KEY_PERSONS, target="key_person", unmasked=FULL_VIEW),
    "screening:transition": Rule(WORK_KEY_PERSONS, target="key_person", writes=True),
    "screening:route": Rule(HQ, target="key_person", writes=True),
    "screening:hand_over": Rule(HQ, target="key_person", writes=True),
    "screening:category": Rule(WORK_KEY_PERSONS, target="key_person", writes=True),
    "screening:worker": Rule(WORK_KEY_PERSONS, target="key_person", writes=True),
    "screening:travel": Rule(WORK_KEY_PERSONS, target="key_person", writes=True),
    "screening:coverage": Rule(VIEW_COVERAGE),
    "screening:coverage_export": Rule(VIEW_COVERAGE),
    "screening:push_lists": Rule(VIEW_COVERAGE, writes=True, writers=HQ),
    "screening:sweeps": Rule(WORK_KEY_PERSONS, writes=True, writers=LEAD_SCREENING),
    "screening:sweep": Rule(WORK_KEY_PERSONS, target="sweep"),
    "screening:visit": Rule(WORK_KEY_PERSONS, target="sweep_household", writes=True),
    "screening:apply_protocol": Rule(HQ, writes=True),
    # The poster names a community: A's grid worker is posted below it and cannot open it.
    "screening:poster": Rule(VIEW_KEY_PERSONS - {Role.GRID_WORKER}, target="community"),
    "screening:self_report": Rule(frozenset({ANYONE}), target="self_report_link", scoped=False, writes=True),
    # The reports made on that page: A's grid worker is posted below the community that holds them.
    "screening:self_reports": Rule(VIEW_KEY_PERSONS),
    "screening:self_report_detail": Rule(
        VIEW_KEY_PERSONS - {Role.GRID_WORKER}, target="self_report", unmasked=FULL_VIEW
    ),
    "screening:self_report_confirm": Rule(WORK_KEY_PERSONS - {Role.GRID_WORKER}, target="self_report", writes=True),
    "screening:self_report_register": Rule(WORK_KEY_PERSONS - {Role.GRID_WORKER}, target="self_report", writes=True),
}

API: dict[str, Rule] = {
    "fangkong_screening_api_list_key_persons": Rule(VIEW_KEY_PERSONS),
    "fangkong_screening_api_transition_key_person": Rule(WORK_KEY_PERSONS, target="key_person", writes=True),
    "fangkong_screening_api_get_coverage": Rule(VIEW_COVERAGE),
}
