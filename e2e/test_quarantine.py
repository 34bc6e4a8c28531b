"""Quarantine: a controlled key person is placed in a room (a double click places them once), the
capacity board counts the room, and a forged release notice is recognised on a phone."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from urllib.parse import quote

from e2e.conftest import UI
from e2e.steps import import_push_list, write_push_list
from fangkong.core.testing.idnumbers import make_resident_id


def _control_a_close_contact(ui: UI, tmp_path: Path, name: str, seq: int) -> None:
    """Community 1 pushes one person, makes them a close contact and takes them through the three clears."""
    ui.login("community1")
    number = make_resident_id("410402", dt.date(1990, 5, 6), seq, male=True)
    import_push_list(ui, write_push_list(tmp_path / "隔离.xlsx", [[name, number, f"139123{seq:05d}", "某市", ""]]))
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


def _nothing_to_press_that_must_fail(ui: UI) -> None:
    """The key-person page offers no "released" step; the measure page names the transfer and offers no release."""
    ui.shot("controlled key person with a measure")
    assert ui.page.locator("button[name=to][value=released]").count() == 0, "no release step that must fail"
    note = ui.page.locator("#release-note")
    assert note.is_visible()
    note.locator("a").first.click()
    ui.page.wait_for_load_state("networkidle")
    ui.shot("measure page: what is still to do")
    todo = ui.page.locator("#still-to-do")
    assert todo.is_visible()
    assert "转运任务 #" in todo.inner_text(), "the measure page names the transfer task still to run"
    assert ui.page.locator("#release-button").count() == 0, "no release button that must fail"
    assert ui.page.locator("#release-unavailable").is_visible()


def test_a_controlled_person_is_placed_once_even_on_a_double_click(ui: UI, tmp_path: Path) -> None:
    name = "隔离安置测试"
    _control_a_close_contact(ui, tmp_path, name, 331)
    _nothing_to_press_that_must_fail(ui)

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


def test_a_controlled_close_contact_shows_its_transfer_on_a_phone(phone_ui: UI, tmp_path: Path) -> None:
    _control_a_close_contact(phone_ui, tmp_path, "隔离手机测试", 333)
    _nothing_to_press_that_must_fail(phone_ui)
    wider, widest = phone_ui.overflow()
    assert wider <= 1, f"the measure page is {wider:.0f} px wider than a 390 px phone ({widest})"
