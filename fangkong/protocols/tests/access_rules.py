"""Who may use the protocols app's pages and API operations: its part of the access-matrix policy.

Declared in its plugin.py (`access_rules`); `fangkong/core/tests/test_access_matrix.py` collects it.
The vocabulary (roles, `Rule`) is explained in `fangkong/core/tests/access_expectations.py`.
"""

from __future__ import annotations

from fangkong.core.tests.access_expectations import (
    ALL_ROLES,
    HQ,
    VIEW_KEY_PERSONS,
    Rule,
)

VIEW_PROTOCOLS = ALL_ROLES

PAGES: dict[str, Rule] = {
    # Protocols (防控方案) and risk areas: district-wide, not personal data.
    "protocols:list": Rule(VIEW_PROTOCOLS),
    "protocols:activate": Rule(HQ, writes=True),
    "protocols:copy": Rule(HQ, target="protocol", scoped=False, writes=True),
    "protocols:edit": Rule(HQ, target="protocol", scoped=False, writes=True),
    "protocols:risk_areas": Rule(VIEW_KEY_PERSONS),
    "protocols:risk_area_create": Rule(HQ, writes=True),
    "protocols:risk_area_import": Rule(HQ, writes=True),
    "protocols:risk_area_edit": Rule(HQ, target="risk_area", scoped=False, writes=True),
    "protocols:risk_area_delete": Rule(HQ, target="risk_area", scoped=False, writes=True),
}

API: dict[str, Rule] = {
    "fangkong_protocols_api_list_protocols": Rule(VIEW_PROTOCOLS),
    "fangkong_protocols_api_get_active": Rule(VIEW_PROTOCOLS),
}
