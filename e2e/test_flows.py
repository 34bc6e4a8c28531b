"""The everyday flows of the spine and data exchange, in a real browser."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import openpyxl
import pytest

from e2e.conftest import UI
from e2e.steps import import_push_list, write_push_list
from fangkong.core.testing.idnumbers import make_resident_id

DEMO_ROLES = [
    "hq",
    "hqgroup1",
    "street1",
    "community1",
    "grid1",
    "checkpoint1",
    "site1",
    "tester1",
    "inspector1",
    "viewer1",
]
MASKED_ID = re.compile(r"\d{6}\*{8}[\dX]{4}")
FULL_ID = re.compile(r"\b\d{17}[\dX]\b")


@pytest.mark.parametrize("username", DEMO_ROLES)
def test_each_demo_account_logs_in_to_its_landing_page(ui: UI, username: str) -> None:
    ui.login(username)
    ui.shot(f"{username}-landing")

    assert ui.page.url == ui.base + "/"
    assert "退出登录" in ui.page.inner_text("nav")  # "log out": signed in, in Chinese by default
    assert ui.page.locator("[data-count], .alert").count() >= 1  # counts, or the note of an empty post


def test_the_menu_opens_a_group_and_goes_to_its_page_on_a_desk_and_on_a_phone(ui: UI, phone_ui: UI) -> None:
    for screen in (ui, phone_ui):
        screen.login("hq")
        if screen is phone_ui:
            screen.page.click(".navbar-toggler")
        screen.page.get_by_role("button", name="人口管理").click()
        screen.shot("population group open")
        screen.page.get_by_role("link", name="人口", exact=True).click()
        screen.page.wait_for_load_state("networkidle")
        assert screen.page.url == screen.base + "/people/"
        assert screen.page.locator(".dropdown-toggle.active", has_text="人口管理").count() == 1


def test_place_browser_walks_down_the_tree(ui: UI) -> None:
    ui.login("street1")
    ui.goto("/places/")
    ui.shot("street")
    crumbs_before = ui.page.locator("nav[aria-label] li, .breadcrumb li").count()

    ui.page.locator("main table a[href*='/places/']").first.click()
    ui.page.wait_for_load_state("networkidle")
    ui.shot("child place")

    assert ui.page.locator("nav[aria-label] li, .breadcrumb li").count() > crumbs_before


def test_person_search_shows_masks_and_the_detail_shows_the_full_record_audited(ui: UI) -> None:
    ui.login("community1")
    ui.goto("/people/")
    first_name = ui.page.locator("#person-results tbody tr td a").first.inner_text()
    ui.page.fill("#id_q", first_name)
    ui.page.wait_for_timeout(700)  # the search runs 500 ms after the last key
    ui.page.wait_for_load_state("networkidle")
    ui.shot("search results")
    rows = ui.page.locator("#person-results tbody tr")
    assert rows.count() >= 1
    assert MASKED_ID.search(rows.first.inner_text()), "the list must mask ID numbers"
    assert not FULL_ID.search(ui.page.inner_text("#person-results"))

    rows.first.locator("td a").first.click()
    ui.page.wait_for_load_state("networkidle")
    ui.shot("detail full")
    assert FULL_ID.search(ui.text()), "community workers see the full record"

    ui.page.context.clear_cookies()
    ui.login("hq")
    ui.goto("/audit/")
    ui.shot("audit log")
    assert "community1" in ui.page.inner_text("main"), "the full view is in the audit log"


def test_viewer_sees_the_person_masked(ui: UI) -> None:
    ui.login("viewer1")
    ui.goto("/people/")
    ui.page.locator("#person-results tbody tr td a").first.click()
    ui.page.wait_for_load_state("networkidle")
    ui.shot("detail masked")

    assert MASKED_ID.search(ui.text())
    assert not FULL_ID.search(ui.text())


def test_push_list_import_runs_to_the_end_and_the_result_downloads(ui: UI, tmp_path: Path) -> None:
    ui.login("community1")
    rows = [
        ["测试甲", make_resident_id("410402", dt.date(1990, 1, 1), 123, male=True), "13912345678", "某市", ""],
        ["测试乙", make_resident_id("410402", dt.date(1990, 2, 2), 124, male=False), "13912345679", "某市", ""],
        ["坏号码", "123", "1", "某市", "不是日期"],
    ]
    import_push_list(ui, write_push_list(tmp_path / "推送名单.xlsx", rows))

    assert ui.page.locator("[data-count=rejected]").inner_text().strip() == "1"

    with ui.page.expect_download() as download_info:
        ui.page.click("#import-progress a[href$='result.xlsx']")
    saved = tmp_path / "result.xlsx"
    download_info.value.save_as(saved)
    cells = [str(v) for row in openpyxl.load_workbook(saved).active.iter_rows(values_only=True) for v in row if v]
    assert any("坏号码" in c for c in cells), "the result lists the rejected row"


@pytest.mark.parametrize("path", ["/", "/people/", "/places/", "/imports/"])
def test_pages_fit_a_phone(phone_ui: UI, path: str) -> None:
    phone_ui.login("grid1")
    phone_ui.goto(path)
    phone_ui.shot(f"phone {path}")

    overflow, widest = phone_ui.overflow()
    assert overflow <= 1, f"{path} is {overflow:.0f}px wider than a phone screen ({widest})"
