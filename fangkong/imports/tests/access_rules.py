"""Who may use the imports app's pages and API operations: its part of the access-matrix policy.

Declared in its plugin.py (`access_rules`); `fangkong/core/tests/test_access_matrix.py` collects it.
The vocabulary (roles, `Rule`) is explained in `fangkong/core/tests/access_expectations.py`.
"""

from __future__ import annotations

from fangkong.accounts.models import Role
from fangkong.core.tests.access_expectations import (
    EDIT_PEOPLE,
    Rule,
)

VIEW_IMPORTS = frozenset({*EDIT_PEOPLE, Role.HQ_GROUP})
RUN_IMPORTS = EDIT_PEOPLE

PAGES: dict[str, Rule] = {
    "imports:list": Rule(VIEW_IMPORTS, writes=True, writers=RUN_IMPORTS),
    "imports:export": Rule(VIEW_IMPORTS),
    "imports:detail": Rule(VIEW_IMPORTS, target="import_job"),
    "imports:confirm": Rule(RUN_IMPORTS, target="import_job", writes=True),
    "imports:progress": Rule(VIEW_IMPORTS, target="import_job"),
    "imports:cancel": Rule(RUN_IMPORTS, target="import_job", writes=True),
    # The result workbook repeats the uploaded rows (as the uploader sent them) beside the outcome.
    "imports:result": Rule(VIEW_IMPORTS, target="import_job", unmasked=VIEW_IMPORTS),
}

API: dict[str, Rule] = {
    "fangkong_imports_api_upload": Rule(RUN_IMPORTS, writes=True),
    "fangkong_imports_api_status": Rule(VIEW_IMPORTS, target="import_job"),
    "fangkong_imports_api_result": Rule(VIEW_IMPORTS, target="import_job", unmasked=VIEW_IMPORTS),
}
