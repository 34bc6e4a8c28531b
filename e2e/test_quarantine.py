"""Quarantine: a controlled key person is placed in a room (a double click places them once), the
capacity board counts the room, and a forged release notice is recognised on a phone."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from urllib.parse import quote

from e2e.conftest import UI
from e2e.steps import import_push_list, write_push_list
from fangkong.core.testing.idnumbers import make_resident_id


def test_a_controlled_person_is_placed_once_even_on_a_double_click(ui: UI, tmp_path: Path) -> None:
    ui.login("community1")
    name = "隔离安置测试"
    number = make_resident_id("410402", dt.date(1990, 5, 6), 331, male=True)
    import_push_list(ui, write_push_list(tmp_path / "隔离.xlsx", [[name, number, "13912340331", "某市", ""]]))
    ui.goto(f"/screening/?q={quote(name)}")
    ui.page.locator("tbody a", has_text=name).first.click()
    ui.page.wait_for_load_state("networkidle")
    # A close contact: central quarantine first (a push list's default category stays at home).
    ui.page.select_option("select[name=category]", "close_contact")
    ui.page.locator("form:has(select[name=category]) button[type=submit]").click()
    ui.page.wait_for_load_state("networkidle")
    for state in ("identified", "verified", "controlled"):
        ui.page.click(f"button[name=to][value={state}]")
        ui.page.wait_for_load_state("networkidle")
    ui.shot("controlled key person with a measure")

    ui.page.context.clear_cookies()
    ui.login("site1")
    ui.goto(f"/quarantine/?where=unplaced&q={quote(name)}")
    ui.shot("waiting for a room")
    ui.page.locator("tbody a", has_text=name).first.click()
    ui.page.wait_for_load_state("networkidle")
    ui.shot("measure page with calendar")
    assert ui.page.locator(".measure-calendar").count() >= 1
    ui.page.locator("#place-button").dblclick()
    ui.page.wait_for_load_state("networkidle")
    ui.page.get_by_text("已入住").first.wait_for()
    ui.shot("placed")
    text = ui.text()
    assert "已入住" in text, "the page says where the person was placed"
    stays = ui.page.locator("h2:has-text('入住经历') + ul li")
    assert stays.count() == 1, "one stay, however often the button was clicked"

    ui.goto("/quarantine/capacity/")
    ui.shot("capacity board")
    assert ui.page.locator("table tfoot").count() == 1


def test_a_forged_release_notice_is_recognised_on_a_phone(phone_ui: UI) -> None:
    phone_ui.goto("/quarantine/verify/JCFORGED0000/")
    phone_ui.shot("forged notice")
    assert "伪造" in phone_ui.text()
