"""Who may use the accounts app's pages and API operations: its part of the access-matrix policy.

Declared in its plugin.py (`access_rules`); `fangkong/core/tests/test_access_matrix.py` collects it.
The vocabulary (roles, `Rule`) is explained in `fangkong/core/tests/access_expectations.py`.
"""

from __future__ import annotations

from fangkong.core.tests.access_expectations import (
    ANYONE,
    SIGNED_IN,
    Rule,
)

PAGES: dict[str, Rule] = {
    "accounts:login": Rule(frozenset({ANYONE}), writes=True),
    "accounts:logout": Rule(frozenset({ANYONE}), writes=True),
    "accounts:tokens": Rule(frozenset({SIGNED_IN}), writes=True),
    # An API token belongs to its owner alone, whatever their role.
    "accounts:token_revoke": Rule(frozenset({"grid_worker@A"}), target="token", writes=True),
}

API: dict[str, Rule] = {
    "fangkong_accounts_api_obtain_token": Rule(frozenset({ANYONE}), writes=True),
    "fangkong_accounts_api_me": Rule(frozenset({SIGNED_IN})),
}
