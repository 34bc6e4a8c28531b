"""Each field role lands on its work: a grid worker on what is due, gate staff on the gate, site staff on a site."""

from __future__ import annotations

import pytest

from e2e.conftest import UI

FIELD_LANDINGS = {
    "grid1": ["screening.key_persons_due", "monitoring.health_alerts", "monitoring.reports_due"],
    "community1": ["screening.key_persons_due", "checkpoints.open_alerts", "people.coverage"],
    "checkpoint1": ["checkpoints.my_gate"],
    "site1": ["quarantine.my_site", "transfers.arrivals", "monitoring.reports_due"],
}


@pytest.mark.parametrize("username", list(FIELD_LANDINGS))
def test_each_field_role_lands_on_its_own_work_on_a_desk_and_on_a_phone(ui: UI, phone_ui: UI, username: str) -> None:
    for screen, where in ((ui, "desk"), (phone_ui, "phone")):
        screen.login(username)
        screen.shot(f"{username} landing {where}")
        shown = screen.page.eval_on_selector_all("[data-widget]", "nodes => nodes.map(n => n.dataset.widget)")
        for widget in FIELD_LANDINGS[username]:
            assert widget in shown, f"{username} on a {where}: no {widget} (shown: {shown})"
        if username != "community1":
            assert screen.page.locator("[data-widget='people.coverage']").count() == 0
        overflow, widest = screen.overflow()
        assert overflow <= 1, f"{username}'s landing is {overflow:.0f}px wider than the screen ({widest})"


def test_the_gate_workers_landing_opens_the_gate_page(phone_ui: UI) -> None:
    phone_ui.login("checkpoint1")
    phone_ui.page.locator("[data-widget='checkpoints.my_gate'] a[href$='/gate/']").first.click()
    phone_ui.page.wait_for_load_state("networkidle")
    phone_ui.shot("gate from the landing")
    assert phone_ui.page.url.endswith("/gate/")
