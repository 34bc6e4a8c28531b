"""API fuzzing: schemathesis generates requests from /api/v1/openapi.json and sends them to the app.

Every operation gets generated inputs, valid and invalid (bounded: FUZZ_EXAMPLES per operation and
caller, so `make test` stays within minutes on SQLite and PostgreSQL). Every response must not be a
server error and must match the documented status codes, content type, headers and response schema.
New operations are fuzzed as soon as they appear in the schema.

Generated requests alone rarely carry the values that break a parser or a driver (schemathesis makes
structurally valid data; a NaN temperature or a date at the calendar's end is one value among billions),
so every field of a request, query parameter or body property the schema declares, is also given values
from a fuzzing dictionary: first in a dictionary pass (each field alone, one generated request as the
base), then at random during the search. FUZZ_EXAMPLES=200 searches deeper; FUZZ_DICTIONARY=0 leaves the
dictionary out.
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
from hypothesis import strategies as st
from schemathesis import checks

from fangkong.accounts.models import Role
from fangkong.accounts.services import issue_token
from fangkong.api.api import api

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
# The fuzzing dictionary below is on by default (about a minute per engine); FUZZ_DICTIONARY=0 turns it off.
# Against the code before issue 16 it finds, by itself, the NaN temperature that lost a whole batch (both
# engines), an out-of-range query date (SQLite) and the NUL byte in a search term (PostgreSQL).
WITH_DICTIONARY = os.environ.get("FUZZ_DICTIONARY", "1") != "0"

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


# Values that broke parsers, drivers or date arithmetic somewhere once (JSON's NaN and Infinity too: Python's
# json module reads them, and so does the API).
DICTIONARY: list[Any] = [
    "NaN",
    "-Infinity",
    "a\x00b",
    "0001-01-01",
    "9999-12-31",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-10:00",
    "9" * 40,
    "x" * 20_000,
]
# The dictionary pass sends these (each field alone); the random search draws from all of DICTIONARY.
SWEEP = ["NaN", "a\x00b", "0001-01-01", "9999-12-31T23:59:59-10:00"]


def _resolve(schema: Any, components: dict[str, Any]) -> dict[str, Any]:
    while isinstance(schema, dict) and "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    if not isinstance(schema, dict):
        return {}
    merged = dict(schema)
    for key in ("anyOf", "oneOf", "allOf"):
        for part in schema.get(key, []):
            part = _resolve(part, components)
            merged.setdefault("properties", {}).update(part.get("properties", {}))
            merged.setdefault("items", part.get("items"))
    return merged


def _body_slots(value: Any, schema: Any, components: dict[str, Any]) -> list[tuple[dict[str, Any], str]]:
    """(object, property) for each property the schema declares, present in the generated body or not."""
    schema = _resolve(schema, components)
    slots: list[tuple[dict[str, Any], str]] = []
    if isinstance(value, dict):
        for name, sub in (schema.get("properties") or {}).items():
            slots.append((value, name))
            if name in value:
                slots += _body_slots(value[name], sub, components)
    elif isinstance(value, list) and value and schema.get("items"):
        slots += _body_slots(value[0], schema["items"], components)
    return slots


DOCUMENT = api.get_openapi_schema()


def _slots(case: Any, label: str) -> list[tuple[dict[str, Any], str]]:
    document = DOCUMENT
    method, path = label.split(" ", 1)
    spec = document["paths"][path][method.lower()]
    if case.query is None:
        case.query = {}
    slots = [(case.query, p["name"]) for p in spec.get("parameters", []) if p["in"] == "query"]
    body_schema = (spec.get("requestBody") or {}).get("content", {}).get("application/json", {}).get("schema")
    if body_schema is not None:
        slots += _body_slots(case.body, body_schema, document.get("components", {}).get("schemas", {}))
    return slots


def _call(case: Any, headers: dict[str, str]) -> None:
    case.call_and_validate(headers=headers, checks=CHECKS)


def fuzz(label: str, token: str, *, sweep: bool = False) -> None:
    with connections_kept_open():
        _fuzz(_operation(label), label, token, sweep=sweep)


def _fuzz(operation: Any, label: str, token: str, *, sweep: bool) -> None:
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}
    common = settings(
        deadline=None,
        derandomize=True,  # the same inputs on every run, so a failure reproduces
        suppress_health_check=list(HealthCheck),
        database=None,
    )

    @settings(common, max_examples=1)
    @given(case=operation.as_strategy())
    def dictionary_pass(case: Any) -> None:
        slots = _slots(case, label)
        for target, name in slots:
            for value in SWEEP:
                had, before = name in target, target.get(name)
                target[name] = value
                _call(case, headers)
                if had:
                    target[name] = before
                else:
                    del target[name]

    @settings(common, max_examples=EXAMPLES)
    @given(case=operation.as_strategy(), data=st.data())
    def run(case: Any, data: Any) -> None:
        slots = _slots(case, label)
        if WITH_DICTIONARY and slots and data.draw(st.booleans(), label="inject"):
            target, name = data.draw(st.sampled_from(slots), label="field")
            target[name] = data.draw(st.sampled_from(DICTIONARY), label="value")
        _call(case, headers)

    if sweep and WITH_DICTIONARY:
        dictionary_pass()
    run()


@pytest.mark.parametrize("label", OPERATIONS)
def test_api_operation_as_hq(label: str, world: Any) -> None:
    fuzz(label, issue_token(user=world.hq, name="fuzz")[1], sweep=True)


@pytest.mark.parametrize("label", OPERATIONS)
def test_api_operation_as_grid_worker(label: str, world: Any) -> None:
    fuzz(label, issue_token(user=world.user(Role.GRID_WORKER, "A"), name="fuzz")[1])
