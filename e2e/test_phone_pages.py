"""Every page a field role uses fits a 390 px phone: nothing wider than the screen, no table cell squeezed to a
character per line, no form control pushed past the screen's edge (in a row that scrolls sideways, say)."""

from __future__ import annotations

from typing import Any

import pytest

from e2e.conftest import UI

# Pages each field role works from; "<list> -> <selector>" opens the first record the list links to.
FIELD_PAGES = {
    "grid1": [
        "/",
        "/screening/",
        "/screening/ -> main tbody a[href^='/screening/']",
        "/screening/queue/",
        "/screening/sweeps/",
        "/checkpoints/alerts/",
        "/monitoring/",
        "/monitoring/due/",
        "/monitoring/alerts/",
        "/people/",
    ],
    "community1": [
        "/",
        "/checkpoints/alerts/",
        "/checkpoints/alerts/?handled=1",
        "/quarantine/",
        "/monitoring/",
        "/monitoring/alerts/",
        "/monitoring/due/",
    ],
    "checkpoint1": [
        "/",
        "/checkpoints/",
        "/checkpoints/ -> main tbody a[href^='/checkpoints/']",
        "/checkpoints/alerts/",
        "/checkpoints/registrations/",
    ],
    "site1": [
        "/",
        "/quarantine/sites/",
        "/quarantine/sites/ -> main tbody a[href^='/quarantine/sites/']",
        "/quarantine/",
        "/quarantine/ -> main a[href^='/quarantine/measures/']",
        "/quarantine/daily/",
        "/quarantine/capacity/",
        "/transfers/",
        "/transfers/ -> main tbody a[href^='/transfers/']",
        "/monitoring/due/",
        "/monitoring/ -> main tbody a[href^='/monitoring/measures/']",
        "/monitoring/alerts/",
    ],
}

# Cells with at least three characters, narrower than 3em, whose text runs over more than one line; text boxes
# squeezed below 6em; and visible form controls whose right edge lies past the screen.
SQUEEZED = """() => {
    const out = [];
    for (const cell of document.querySelectorAll("main td, main th")) {
        const text = cell.innerText.trim();
        const box = cell.getBoundingClientRect();
        if (text.length < 3 || box.width === 0) continue;
        const style = getComputedStyle(cell);
        const em = parseFloat(style.fontSize);
        const inner = box.width - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
        const line = parseFloat(style.lineHeight) || em * 1.5;
        const content = box.height - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
        if (inner < 3 * em && content > 1.8 * line) {
            out.push("cell '" + text.slice(0, 20) + "' " + Math.round(inner) + "px");
        }
    }
    const controls = "main input:not([type=hidden]), main select, main textarea, main button";
    for (const control of document.querySelectorAll(controls)) {
        const box = control.getBoundingClientRect();
        // Not shown (a closed <details>, say): nothing to reach yet.
        if (box.width === 0 || !control.checkVisibility({checkVisibilityCSS: true})) continue;
        const typed = control.matches("input:not([type=checkbox]):not([type=radio]), textarea");
        if (typed && box.width < 6 * parseFloat(getComputedStyle(control).fontSize)) {
            out.push((control.name || control.tagName) + " squeezed to " + Math.round(box.width) + "px");
        }
        if (box.right > window.screen.width + 1 || box.left < -1) {
            const label = (control.name || control.innerText || control.tagName).slice(0, 20);
            out.push(label + " reaches " + Math.round(box.right) + "px");
        }
    }
    return out;
}"""


def _visit(ui: UI, page: str) -> str:
    if " -> " not in page:
        ui.goto(page)
        return page
    start, selector = page.split(" -> ")
    ui.goto(start)
    links = ui.page.locator(selector)
    if links.count() == 0:
        pytest.fail(f"{start} shows no record to open ({selector})")
    href = str(links.first.get_attribute("href"))
    ui.goto(href)
    return href


def _problems(ui: UI) -> list[str]:
    found: list[Any] = ui.page.evaluate(SQUEEZED)
    overflow, widest = ui.overflow()
    if overflow > 1:
        found.append(f"page {overflow:.0f}px wider than the screen ({widest})")
    return [str(f) for f in found]


@pytest.mark.parametrize("username", list(FIELD_PAGES))
def test_every_page_a_field_role_uses_fits_a_phone(phone_ui: UI, username: str) -> None:
    phone_ui.login(username)
    failures = []
    for page in FIELD_PAGES[username]:
        path = _visit(phone_ui, page)
        phone_ui.shot(f"{username} {path}")
        problems = _problems(phone_ui)
        if problems:
            failures.append(f"{path}: {len(problems)} problems, e.g. " + "; ".join(problems[:4]))
    assert not failures, f"{username} on a 390 px phone:\n  " + "\n  ".join(failures)
