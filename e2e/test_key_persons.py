"""Screening: a person pushed by the upper level is cleared through the three clears (三清)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from urllib.parse import quote

from django.utils import translation

from e2e.conftest import UI
from e2e.steps import import_push_list, write_push_list
from fangkong.core.testing.idnumbers import make_resident_id
from fangkong.screening.models import ClearState

THREE_CLEARS = ["identified", "verified", "controlled"]


def test_pushed_person_is_cleared_through_the_three_states(ui: UI, tmp_path: Path) -> None:
    ui.login("community1")
    name = "三清测试"
    number = make_resident_id("410402", dt.date(1991, 3, 3), 321, male=True)
    import_push_list(ui, write_push_list(tmp_path / "三清.xlsx", [[name, number, "13912340321", "某市", ""]]))

    ui.goto(f"/screening/?q={quote(name)}")
    ui.shot("key person list")
    ui.page.locator("tbody a", has_text=name).first.click()
    ui.page.wait_for_load_state("networkidle")
    ui.shot("new key person")

    for state in THREE_CLEARS:
        ui.page.click(f"button[name=to][value={state}]")
        ui.page.wait_for_load_state("networkidle")
        ui.shot(f"marked {state}")
        assert ui.page.locator(f"button[name=to][value={state}]").count() == 0

    with translation.override("zh-hans"):
        controlled = str(ClearState.CONTROLLED.label)
    assert controlled in ui.page.inner_text("main"), "the key person shows the third clear"
