"""Steps several flows share."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl

from e2e.conftest import UI

PUSH_LIST_HEADERS = ["姓名", "证件号码", "联系电话", "途经地", "抵达日期"]


def write_push_list(path: Path, rows: list[list[Any]]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(PUSH_LIST_HEADERS)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def import_push_list(ui: UI, path: Path) -> None:
    """Upload, confirm the proposed mapping and wait until the progress bar reaches 100 %."""
    ui.goto("/imports/")
    ui.page.select_option("#id_kind", "pushlist")
    ui.page.set_input_files("#id_file", str(path))
    ui.shot("upload form")
    ui.page.click("form[data-import-upload] button[type=submit]")
    ui.page.wait_for_load_state("networkidle")
    ui.shot("preview")
    ui.page.click("form[action$='/confirm/'] button[type=submit]")
    ui.page.locator("#import-progress .progress-bar").wait_for()
    ui.page.wait_for_function(
        "() => document.querySelector('#import-progress .progress-bar')?.textContent.trim() === '100.0%'",
        timeout=60_000,
    )
    ui.shot("progress done")
