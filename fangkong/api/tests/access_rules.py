"""Who may use the api app's pages and API operations: its part of the access-matrix policy.

Declared in its plugin.py (`access_rules`); `fangkong/core/tests/test_access_matrix.py` collects it.
The vocabulary (roles, `Rule`) is explained in `fangkong/core/tests/access_expectations.py`.
"""

from __future__ import annotations

from fangkong.core.tests.access_expectations import (
    ANYONE,
    Rule,
)

PAGES: dict[str, Rule] = {
    # The API description is public (it holds no data); ninja's views answer any method.
    "api:openapi-json": Rule(frozenset({ANYONE}), writes=True),
    "api:openapi-view": Rule(frozenset({ANYONE}), writes=True),
    # The API's index (its operations and links to the docs): public like the docs, no data.
    "api:api-root": Rule(frozenset({ANYONE})),
}

API: dict[str, Rule] = {}
