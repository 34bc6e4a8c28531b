"""No internal code on screen: every page of the access matrix, in Chinese and in English, with the
tiny demo district loaded beside the matrix's own data, shows translated labels, never the codes the
models store (`red_code`, `leaving_under_measure`, `fever`, `in`/`out`), and neither do exported workbooks.

The codes are collected from the models themselves: every choice value of every Fangkong model and
every protocol category code. A code with an underscore is never a word, so it fails in both languages;
a one-word code (`fever`, `green`, `new`) fails on a Chinese page, where no English word belongs.
"""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser
from typing import Any

import openpyxl
import pytest
from django.apps import apps
from django.core.management import call_command
from django.test import Client
from django.utils import translation

from fangkong.checkpoints.services import REASON_LABELS
from fangkong.conftest import make_user
from fangkong.core.tests.test_access_matrix import XLSX, _key_person, build_scene, page_routes

pytestmark = pytest.mark.django_db

# Words that are choice values and also ordinary text on a Chinese page: brand and format names.
NOT_CODES = {"excel", "api", "qr"}
# Pages whose job is to show codes: the API docs, the admin (Django's own), the protocol's slug editor.
SKIPPED_ROUTES = ("admin:", "api:", "<")


def internal_codes() -> tuple[set[str], set[str]]:
    """(codes with an underscore or a dash, one-word codes) from every model's choices and the protocol categories."""
    values: set[str] = set()
    for model in apps.get_models():
        if not model.__module__.startswith("fangkong."):
            continue
        for f in model._meta.get_fields():
            for value, _label in getattr(f, "flatchoices", None) or ():
                if isinstance(value, str) and re.fullmatch(r"[a-z][a-z0-9_]*", value):
                    values.add(value)
    values |= set(apps.get_model("protocols", "Category").objects.values_list("code", flat=True))
    values |= set(REASON_LABELS)  # a checkpoint alert's reasons (a JSON list, so no model choices)
    values -= NOT_CODES
    compound = {v for v in values if "_" in v or "-" in v}
    return compound, values - compound


class _Visible(HTMLParser):
    """The text a person reads: text nodes, and titles, placeholders and labels of controls.

    Left out: scripts and styles, and what is marked as code on purpose (`<code>`, and a `<textarea>`
    holding data being edited, such as the protocol editor's text).
    """

    HIDDEN = {"script", "style", "template", "code", "textarea"}

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HIDDEN:
            self._hidden += 1
        for name, value in attrs:
            if name in ("title", "placeholder", "aria-label", "alt") and value:
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> list[str]:
    parser = _Visible()
    parser.feed(html)
    return parser.parts


def workbook_cells(raw: bytes) -> list[str]:
    wb = openpyxl.load_workbook(io.BytesIO(raw), read_only=True)
    return [str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v is not None]


def codes_in(parts: list[str], *, chinese: bool, compound: set[str], words: set[str]) -> set[str]:
    found: set[str] = set()
    for part in parts:
        tokens = set(re.findall(r"(?<![\w./%#=-])[a-z][a-z0-9_-]*(?![\w/.=-])", part))
        found |= tokens & compound
        if chinese:
            found |= tokens & words
    return found


def _work_on(scene: Any) -> None:
    """What a worker does to the sentinel's key person, so its page and the audit log have a history."""
    from fangkong.screening.services import set_category, transition

    kp = _key_person(scene)
    hq = scene.world.hq
    kp = set_category(actor=hq, key_person=kp, category="returnee_medium_risk")
    kp = set_category(actor=hq, key_person=kp, category="returnee_high_risk")
    transition(actor=hq, key_person=kp, to="identified")


@pytest.fixture
def demo(db: Any) -> None:
    # Data is written as in production, where the UI language is Chinese (the tests' default is English).
    with translation.override("zh-hans"):
        call_command("demo_district", "--size", "tiny", "--seed", "2020", stdout=io.StringIO())
    # The demo's accounts make way for the base fixture's (both have an "hq").
    User = apps.get_model("accounts", "User")
    for user in User.objects.all():
        User.objects.filter(pk=user.pk).update(username=f"demo-{user.username}")


def test_no_page_or_export_shows_an_internal_code(demo: None, world: Any, settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    with translation.override("zh-hans"):
        scene = build_scene(world, tmp_path)
        _work_on(scene)
    compound, words = internal_codes()
    assert {"red_code", "leaving_under_measure", "returnee_high_risk"} <= compound
    assert {"fever", "green", "in", "out", "new"} <= words
    reader = make_user("reader", is_superuser=True, is_staff=True)
    routes = [r for r in page_routes()[0] if r.method == "get" and not r.key.startswith(SKIPPED_ROUTES)]
    problems: list[str] = []
    for language in ("zh-hans", "en"):
        client = Client(headers={"Accept-Language": language})
        client.force_login(reader)
        for route in routes:
            path = route.path(scene)
            response: Any = client.get(path)
            if response.status_code != 200:
                continue
            raw = b"".join(response.streaming_content) if response.streaming else response.content
            content_type = response.get("Content-Type", "")
            if content_type.startswith(XLSX):
                parts = workbook_cells(raw)
            elif content_type.startswith("text/html"):
                parts = visible_text(raw.decode())
            else:
                continue
            found = codes_in(parts, chinese=language == "zh-hans", compound=compound, words=words)
            if found:
                problems.append(f"{language} {path}: {sorted(found)}")
    assert not problems, f"{len(problems)} pages show internal codes:\n  " + "\n  ".join(problems)
