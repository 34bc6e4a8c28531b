"""A resident reports their arrival on the community's QR page from a phone; the community worker finds the
report (masked in the list, what was typed only) and registers the reporter (issue 16 A1)."""

from __future__ import annotations

import datetime as dt

from e2e.conftest import UI
from fangkong.core.testing.idnumbers import make_resident_id


def _poster_link(ui: UI) -> str:
    ui.goto("/screening/coverage/")
    ui.page.locator("a", has_text="二维码").first.click()
    ui.page.wait_for_load_state("networkidle")
    link = ui.page.locator("p.url").inner_text().strip()
    assert "/screening/report/" in link
    return "/screening/report/" + link.split("/screening/report/", 1)[1]


def test_a_resident_reports_on_a_phone_and_the_community_registers_them(ui: UI, phone_ui: UI) -> None:
    ui.login("community1")
    link = _poster_link(ui)

    number = make_resident_id("110101", dt.date(1988, 8, 8), 512, male=False)
    phone_ui.goto(link)
    phone_ui.shot("self-report form")
    page = phone_ui.page
    page.fill("#id_name", "外来报备测试")
    page.fill("#id_document_number", number)
    page.fill("#id_phone", "13912340512")
    page.fill("#id_came_from", "北京市东城区")
    page.fill("#id_arrived_on", (dt.date.today() - dt.timedelta(days=1)).isoformat())
    page.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    phone_ui.shot("self-report sent")
    overflow, widest = phone_ui.overflow()
    assert overflow <= 1, f"the self-report page is {overflow:.0f}px wider than the phone ({widest})"

    ui.goto("/screening/self-reports/?open=1")
    ui.shot("self-reports to verify")
    listed = ui.text()
    assert "外来报备测试" in listed
    assert number not in listed, "the list masks the document number"
    assert "13912340512" not in listed, "the list masks the phone"
    ui.page.locator("tbody a", has_text="外来报备测试").first.click()
    ui.page.wait_for_load_state("networkidle")
    ui.shot("self-report detail")
    register = ui.page.locator("form[action$='/register/'] button[type=submit]")
    assert register.count() == 1, "a reporter found nowhere in the register can be registered here"
    register.click()
    ui.page.wait_for_load_state("networkidle")
    ui.shot("registered as a key person")
    assert "外来报备测试" in ui.text()
    ui.goto("/screening/self-reports/?open=1")
    assert "外来报备测试" not in ui.text(), "a registered report is no longer waiting"
