"""Who may use the audit app's pages and API operations: its part of the access-matrix policy.

Declared in its plugin.py (`access_rules`); `fangkong/core/tests/test_access_matrix.py` collects it.
The vocabulary (roles, `Rule`) is explained in `fangkong/core/tests/access_expectations.py`.
"""

from __future__ import annotations

from fangkong.core.tests.access_expectations import (
    HQ,
    Rule,
)

PAGES: dict[str, Rule] = {
    "audit:list": Rule(HQ),
    "audit:export": Rule(HQ),
}

API: dict[str, Rule] = {}
