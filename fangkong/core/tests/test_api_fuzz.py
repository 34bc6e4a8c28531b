"""API fuzzing: schemathesis generates requests from /api/v1/openapi.json and sends them to the app.

Every operation gets generated inputs, valid and invalid (bounded: FUZZ_EXAMPLES per operation and
caller, so `make test` stays within minutes on SQLite and PostgreSQL). Every response must not be a
server error and must match the documented status codes, content type, headers and response schema.
New operations are fuzzed as soon as they appear in the schema.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from fangkong.accounts.models import Role
from fangkong.accounts.services import issue_token
from fangkong.api.api import api

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))

# schemathesis' own pytest plugin does not run under pytest 9, so the operations are walked here.
OPERATIONS = sorted(
    f"{method.upper()} {path}" for path, ops in api.get_openapi_schema()["paths"].items() for method in ops
)


def _operation(label: str) -> Any:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    method, path = label.split(" ", 1)
    return schema[path][method]


# What a response must satisfy. Left out: positive_data_acceptance, since the schema cannot express the
# domain rules (ID check digits, mobile number ranges, places in your jurisdiction) that answer 422.
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
]


@contextmanager
def connections_kept_open() -> Iterator[None]:
    """As Django's test client does: the WSGI handler would close the test's database connection (and its
    transaction) at the end of every request."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def fuzz(label: str, token: str) -> None:
    with connections_kept_open():
        _fuzz(_operation(label), token)


def _fuzz(operation: Any, token: str) -> None:
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,  # the same inputs on every run, so a failure reproduces
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    @given(case=operation.as_strategy())
    def run(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()


@pytest.mark.parametrize("label", OPERATIONS)
def test_api_operation_as_hq(label: str, world: Any) -> None:
    fuzz(label, issue_token(user=world.hq, name="fuzz")[1])


@pytest.mark.parametrize("label", OPERATIONS)
def test_api_operation_as_grid_worker(label: str, world: Any) -> None:
    fuzz(label, issue_token(user=world.user(Role.GRID_WORKER, "A"), name="fuzz")[1])
