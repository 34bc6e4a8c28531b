"""Who may use the quarantine app's pages and API operations: its part of the access-matrix policy.

Declared in its plugin.py (`access_rules`); `fangkong/core/tests/test_access_matrix.py` collects it.
The vocabulary (roles, `Rule`) is explained in `fangkong/core/tests/access_expectations.py`.
"""

from __future__ import annotations

from fangkong.accounts.models import Role
from fangkong.core.tests.access_expectations import (
    ALL_ROLES,
    ANYONE,
    HQ,
    Rule,
)

# Quarantine (隔离): who sees measures and sites, who places, releases and runs the sites.
VIEW_MEASURES = ALL_ROLES - {Role.CHECKPOINT_STAFF}
VIEW_SITES = ALL_ROLES - {Role.CHECKPOINT_STAFF, Role.TESTING_STAFF}
VIEW_CAPACITY = frozenset({Role.HQ_ADMIN, Role.HQ_GROUP, Role.STREET_ADMIN, Role.SITE_STAFF, Role.INSPECTOR})
RUN_SITES = frozenset({Role.HQ_ADMIN, Role.SITE_STAFF})
RECORD_TESTS = frozenset(
    {
        Role.HQ_ADMIN,
        Role.STREET_ADMIN,
        Role.COMMUNITY_WORKER,
        Role.GRID_WORKER,
        Role.SITE_STAFF,
        Role.TESTING_STAFF,
    }
)
RELEASE_MEASURES = frozenset({Role.HQ_ADMIN, Role.SITE_STAFF, Role.COMMUNITY_WORKER})

PAGES: dict[str, Rule] = {
    # Quarantine (隔离): measures, sites and rooms, the capacity board, the release notice.
    "quarantine:measures": Rule(VIEW_MEASURES),
    "quarantine:measures_export": Rule(VIEW_MEASURES),
    "quarantine:measure_detail": Rule(VIEW_MEASURES, target="measure"),
    "quarantine:measure_place": Rule(RUN_SITES, target="measure", writes=True),
    "quarantine:measure_move": Rule(RUN_SITES, target="measure", writes=True),
    "quarantine:measure_leave": Rule(RUN_SITES, target="measure", writes=True),
    "quarantine:measure_test": Rule(RECORD_TESTS, target="measure", writes=True),
    "quarantine:measure_extend": Rule(HQ, target="measure", writes=True),
    "quarantine:measure_release": Rule(RELEASE_MEASURES, target="measure", writes=True),
    "quarantine:certificate": Rule(VIEW_MEASURES, target="released_measure"),
    "quarantine:sites": Rule(VIEW_SITES),
    "quarantine:sites_export": Rule(VIEW_SITES),
    "quarantine:site_add": Rule(HQ, writes=True),
    "quarantine:site_detail": Rule(VIEW_SITES, target="site"),
    "quarantine:site_edit": Rule(RUN_SITES, target="site", writes=True),
    "quarantine:site_rooms": Rule(RUN_SITES, target="site", writes=True),
    "quarantine:site_staff": Rule(RUN_SITES, target="site", writes=True),
    "quarantine:site_activate": Rule(HQ, target="site", writes=True),
    "quarantine:room_status": Rule(RUN_SITES, target="room", writes=True),
    "quarantine:capacity": Rule(VIEW_CAPACITY),
    "quarantine:daily": Rule(VIEW_MEASURES),
    "quarantine:daily_export": Rule(VIEW_MEASURES),
    # Anyone holding a release notice may check it; the answer shows masked data only.
    "quarantine:verify": Rule(frozenset({ANYONE}), target="certificate_code", scoped=False),
}

API: dict[str, Rule] = {
    "fangkong_quarantine_api_list_sites": Rule(VIEW_SITES),
    "fangkong_quarantine_api_list_rooms": Rule(VIEW_SITES, target="site"),
    # The body names the person and room; an empty body is refused with 422 after the permission check.
    "fangkong_quarantine_api_create_placement": Rule(RUN_SITES, writes=True),
    "fangkong_quarantine_api_release_placement": Rule(RELEASE_MEASURES, target="placement", writes=True),
}
