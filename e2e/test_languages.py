"""The main pages in Chinese (the default) and in English: nothing left untranslated."""

from __future__ import annotations

import pytest
from django.utils.translation import trans_real

from e2e.conftest import UI

MAIN_PAGES = ["/", "/places/", "/people/", "/imports/", "/audit/", "/accounts/tokens/"]
# Pages of later apps join the check once they exist (a 404 here would fail the flow).
OPTIONAL_PAGES = ["/screening/", "/screening/coverage/", "/protocols/"]


def english_phrases() -> set[str]:
    """The catalogue's English source phrases: one of them on a Chinese page is an untranslated string."""
    catalog = trans_real.translation("zh-hans")._catalog  # type: ignore[attr-defined]
    phrases = set()
    for key in catalog.keys():  # noqa: SIM118 - TranslationCatalog has no __iter__
        msgid = key[0] if isinstance(key, tuple) else key
        msgid = msgid.split("\x04")[-1]
        # Whole phrases only: single words (e.g. "Excel", "API") are legitimately shown as they are.
        if " " in msgid and len(msgid) >= 8 and "%" not in msgid and "{" not in msgid:
            phrases.add(msgid)
    return phrases


def _ui_text(ui: UI) -> str:
    """The page's own words: table bodies hold data (names, audit summaries), which may be in any language."""
    return str(
        ui.page.evaluate(
            "() => { const c = document.body.cloneNode(true); c.querySelectorAll('tbody').forEach(t => t.remove());"
            " return c.innerText; }"
        )
    )


def pages(ui: UI) -> list[str]:
    found = list(MAIN_PAGES)
    for path in OPTIONAL_PAGES:
        if ui.page.request.get(ui.base + path, max_redirects=0).status == 200:
            found.append(path)
    return found


@pytest.fixture(scope="module")
def phrases() -> set[str]:
    return english_phrases()


def test_main_pages_in_chinese_leave_nothing_untranslated(ui: UI, phrases: set[str]) -> None:
    ui.login("hq")
    for path in pages(ui):
        ui.goto(path)
        ui.shot(f"zh {path}")
        assert ui.page.get_attribute("html", "lang") == "zh-hans"
        text = _ui_text(ui)
        left = sorted(p for p in phrases if p in text)
        assert not left, f"{path} shows untranslated strings: {left}"
        assert "{{" not in text
        assert "{%" not in text


def test_main_pages_switch_to_english(ui: UI) -> None:
    ui.login("hq")
    ui.page.click("form.fk-lang button[value=en]")
    ui.page.wait_for_load_state("networkidle")
    for path in pages(ui):
        ui.goto(path)
        ui.shot(f"en {path}")
        assert ui.page.get_attribute("html", "lang") == "en"
        assert "Population" in ui.page.inner_text("nav")
        assert "{{" not in ui.page.inner_text("body")
        # English words are longer: the menu wraps rather than widen the page.
        overflow, widest = ui.overflow()
        assert overflow <= 1, f"{path} in English is {overflow:.0f}px wider than the window ({widest})"
