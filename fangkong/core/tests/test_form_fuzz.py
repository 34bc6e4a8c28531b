"""Form fuzzing: every form the pages render is filled by hypothesis and sent; no answer may be a 5xx.

The forms are found, not listed: every page of the access matrix (the same routes and objects of
jurisdiction A) is rendered as the district HQ, and each `<form>` in it (with its method, action and
fields), and each HTMX input that sends itself (`hx-get`/`hx-post` with a name), becomes a target.
An example keeps the form as rendered and replaces one field (sometimes every field) with a generated
value: typed by the input's kind (dates and times across the whole calendar, numbers including NaN and
infinities), mixed with values known to break parsers and drivers (NUL bytes, lone surrogates, very long
strings, the calendar's ends). Writes are rolled back after each example.

FORM_FUZZ_EXAMPLES sets the examples per form (default 6, so `make test` stays under a minute);
`FORM_FUZZ_EXAMPLES=200` searches deeper.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from fangkong.conftest import World
from fangkong.core.tests.test_access_matrix import build_scene, page_routes

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("FORM_FUZZ_EXAMPLES", "6"))
# Routes whose forms end the fuzzing session itself (the rest of the run would be anonymous).
SKIPPED_ROUTES = {"accounts:logout"}
SKIPPED_TYPES = {"submit", "button", "reset", "image", "file"}


# --- finding the forms ---------------------------------------------------------------------------------


@dataclass
class Field:
    name: str
    kind: str  # the input's type, or "select" / "textarea"
    value: str = ""
    options: list[str] = field(default_factory=list)


@dataclass
class Form:
    method: str
    action: str
    fields: list[Field]
    page: str

    @property
    def key(self) -> tuple[str, str, tuple[str, ...]]:
        return (self.method, urlsplit(self.action).path, tuple(sorted(f.name for f in self.fields)))


class FormFinder(HTMLParser):
    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: Field | None = None
        self._textarea: Field | None = None

    def _target(self, attrs: dict[str, str], method: str, action: str) -> tuple[str, str]:
        for verb in ("post", "get"):
            if attrs.get(f"hx-{verb}"):
                return verb, urljoin(self.page, attrs[f"hx-{verb}"])
        return method, urljoin(self.page, action or self.page)

    def handle_starttag(self, tag: str, attr_list: list[tuple[str, str | None]]) -> None:
        attrs = {k: v or "" for k, v in attr_list}
        if tag == "form":
            method, action = self._target(attrs, (attrs.get("method") or "get").lower(), attrs.get("action", ""))
            self._form = Form(method, action, [], self.page)
            self.forms.append(self._form)
            return
        name = attrs.get("name")
        if tag not in {"input", "select", "textarea", "option"} or (tag != "option" and not name):
            return
        if tag == "option":
            if self._select is not None:
                self._select.options.append(attrs.get("value", ""))
            return
        assert name is not None
        kind = tag if tag != "input" else (attrs.get("type") or "text").lower()
        if kind in SKIPPED_TYPES:
            return
        found = Field(name, kind, attrs.get("value", ""))
        if kind in {"checkbox", "radio"}:
            found.options = [attrs.get("value", "on")]
            if "checked" not in attrs:
                found.value = ""
        if tag == "select":
            self._select = found
        if tag == "textarea":
            self._textarea = found
        if self._form is not None:
            same = [f for f in self._form.fields if f.name == name]
            if same and kind in {"checkbox", "radio"}:
                same[0].options += found.options  # a radio group or checkbox list is one field
                same[0].value = same[0].value or found.value
            else:
                self._form.fields.append(found)
        if attrs.get("hx-get") or attrs.get("hx-post"):
            # An input that sends itself (a lookup, a picker's search) is a form of its own.
            method, action = self._target(attrs, "get", "")
            self.forms.append(Form(method, action, [found], self.page))

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.value += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None:
            if not self._select.value and self._select.options:
                self._select.value = self._select.options[0]
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def find_forms(client: Client, world: World, tmp: Path) -> list[Form]:
    scene = build_scene(world, tmp)
    routes, _missing = page_routes()
    forms: dict[tuple[str, str, tuple[str, ...]], Form] = {}
    for route in routes:
        if route.method != "get" or route.key.startswith("admin:") or route.key in SKIPPED_ROUTES:
            continue
        path = route.path(scene)
        response = client.get(path)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        finder = FormFinder("http://testserver" + path)
        finder.feed(response.content.decode(errors="replace"))
        for form in finder.forms:
            if form.fields and urlsplit(form.action).netloc in ("", "testserver"):
                forms.setdefault(form.key, form)
    return [f for f in forms.values() if not any(urlsplit(f.action).path.rstrip("/").endswith(s) for s in ("logout",))]


# --- what to type --------------------------------------------------------------------------------------

# Values that broke parsers, drivers or date arithmetic somewhere once: a fuzzing dictionary.
NASTY = [
    "",
    "\x00",
    "a\x00b",
    "\ufffd",
    "NaN",
    "inf",
    "-Infinity",
    "1e999",
    "-1",
    "0",
    "9" * 30,
    "0001-01-01",
    "9999-12-31",
    "9999-12-31T23:59",
    "0001-01-01T00:00",
    "x" * 100_000,
    "' OR 1=1 --",
    "%00",
    "٣٦٫٥",
]
calendar_dates = st.dates().map(lambda d: d.isoformat())
calendar_times = st.datetimes().map(lambda t: t.strftime("%Y-%m-%dT%H:%M"))
numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
)
texts = st.one_of(st.text(max_size=40), st.text(alphabet=st.characters(codec="utf-8"), min_size=200, max_size=3000))


def values_for(f: Field) -> st.SearchStrategy[str]:
    dictionary = st.sampled_from(NASTY)
    by_kind: dict[str, st.SearchStrategy[str]] = {
        "date": calendar_dates,
        "datetime-local": calendar_times,
        "time": st.times().map(lambda t: t.strftime("%H:%M")),
        "number": numbers,
    }
    typed = by_kind.get(f.kind, texts)
    if f.options:
        typed = st.one_of(st.sampled_from(f.options), typed)
    return st.one_of(dictionary, typed)


@st.composite
def filled(draw: Any, form: Form) -> dict[str, str]:
    data = {f.name: f.value for f in form.fields if f.value or f.kind not in {"checkbox", "radio"}}
    changed = form.fields if draw(st.integers(0, 4)) == 0 else [draw(st.sampled_from(form.fields))]
    for f in changed:
        data[f.name] = draw(values_for(f))
    return data


# The dictionary pass: before hypothesis' random search, each field alone gets the values that broke its
# kind of input somewhere once; cheap (a request or two per field) and it never misses a known class.
EDGES: dict[str, list[str]] = {
    "date": ["0001-01-01", "9999-12-31"],
    "datetime-local": ["0001-01-01T00:00", "9999-12-31T23:59"],
    "number": ["NaN", "1e999"],
    "text": ["a\x00b", "NaN"],
    "search": ["a\x00b"],
    "textarea": ["a\x00b"],
}
DEFAULT_EDGES = ["a\x00b"]


def edge_examples(form: Form) -> list[dict[str, str]]:
    base = {f.name: f.value for f in form.fields if f.value or f.kind not in {"checkbox", "radio"}}
    return [
        base | {f.name: value}
        for f in form.fields
        if f.name != "csrfmiddlewaretoken"
        for value in EDGES.get(f.kind, DEFAULT_EDGES)
    ]


# --- sending -------------------------------------------------------------------------------------------


class _Rollback(Exception):
    pass


def send(client: Client, form: Form, data: dict[str, str]) -> int:
    url = urlsplit(form.action)
    path = url.path + (f"?{url.query}" if url.query else "")
    try:
        with transaction.atomic():
            if form.method == "post":
                status = client.post(path, data).status_code
            else:
                status = client.get(path, data).status_code
            raise _Rollback
    except _Rollback:
        pass
    return status


def fuzz_form(client: Client, form: Form, failures: list[str], login: Any) -> None:
    found: list[str] = []

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,  # the same inputs on every run, so a failure reproduces
        suppress_health_check=list(HealthCheck),
        database=None,
        # Shrinking costs a request a step; the deep run (FORM_FUZZ_SHRINK=1) shrinks to the smallest input.
        phases=list(Phase) if os.environ.get("FORM_FUZZ_SHRINK") else [Phase.explicit, Phase.generate],
    )
    @given(data=filled(form))
    def run(data: dict[str, str]) -> None:
        status = send(client, form, data)
        if "_auth_user_id" not in client.session:
            login()  # a rolled-back write took the session with it
        if status >= 500:
            shown = {k: (v if len(v) < 40 else v[:20] + f"…({len(v)})") for k, v in data.items()}
            found.append(f"{form.method.upper()} {urlsplit(form.action).path} (form on {form.page}) {shown}")
            raise AssertionError(status)

    for data in edge_examples(form):
        status = send(client, form, data)
        if "_auth_user_id" not in client.session:
            login()
        if status >= 500:
            changed = {k: v for k, v in data.items() if v != next((f.value for f in form.fields if f.name == k), "")}
            failures.append(f"{form.method.upper()} {urlsplit(form.action).path} (form on {form.page}) {changed}")
            return  # one finding per form is enough to go and look
    try:
        run()
    except AssertionError:
        failures.append(found[-1])  # the last is the smallest; the next form is fuzzed as well


def test_no_form_answers_a_server_error(world: World, settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    client = Client(raise_request_exception=False)

    def login() -> None:
        client.force_login(world.hq)

    login()
    forms = find_forms(client, world, tmp_path)
    assert len(forms) > 30, f"only {len(forms)} forms found: is the page walk broken?"
    failures: list[str] = []
    started = time.monotonic()
    for form in forms:
        fuzz_form(client, form, failures, login)
    elapsed = time.monotonic() - started
    assert not failures, f"{len(failures)} server errors from {len(forms)} forms in {elapsed:.0f} s:\n  " + "\n  ".join(
        failures
    )
