"""Checkpoints: a gate on a phone registers online, keeps registrations while offline and sends them once back."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from playwright.sync_api import expect

from e2e.conftest import UI
from fangkong.core.testing.idnumbers import make_resident_id

# What a phone without network shows: failed requests, and htmx reporting its lookup could not be sent.
OFFLINE_SYMPTOMS = ("ERR_INTERNET_DISCONNECTED", "htmx:sendError", "htmx:afterRequest")


def _open_gate(ui: UI) -> None:
    ui.goto("/checkpoints/")
    ui.page.locator("tbody a[href*='/checkpoints/']").first.click()
    ui.page.wait_for_load_state("networkidle")
    ui.page.locator("a[href$='/gate/']").first.click()
    ui.page.wait_for_load_state("networkidle")
    ui.shot("gate page")


def _register(ui: UI, number: str, name: str) -> None:
    ui.page.fill("#id_lookup", number)
    ui.page.fill("#id_temperature", "36.5")
    ui.page.evaluate("document.getElementById('id_name').closest('details').open = true")
    ui.page.fill("#id_name", name)
    ui.page.click("#gate-form button[type=submit]")


def _registered(ui: UI, name: str) -> int:
    ui.goto("/checkpoints/registrations/")
    return ui.page.locator("tbody tr", has_text=name).count()


def test_the_gate_form_fits_a_phone_in_chinese_and_in_english(phone_ui: UI) -> None:
    ui = phone_ui
    ui.login("checkpoint1")
    _open_gate(ui)
    gate = ui.page.url
    for language in ("zh-hans", "en"):
        ui.page.context.add_cookies([{"name": "django_language", "value": language, "url": gate}])
        ui.page.goto(gate)
        ui.page.wait_for_load_state("networkidle")
        ui.shot(f"gate in {language}")
        overflow, widest = ui.overflow()
        assert overflow <= 1, f"in {language} the gate is {overflow:.0f}px wider than a phone screen ({widest})"


def test_gate_registers_online_queues_offline_and_resyncs_once(phone_ui: UI) -> None:
    ui = phone_ui
    ui.login("checkpoint1")
    _open_gate(ui)

    online = make_resident_id("410402", dt.date(1990, 5, 6), 611, male=True)
    _register(ui, online, "在线登记")
    ui.page.wait_for_selector("#gate-result.alert-success")
    ui.shot("registered online")

    before = len(ui.problems)
    ui.page.context.set_offline(True)
    offline = make_resident_id("410402", dt.date(1990, 5, 7), 613, male=True)
    _register(ui, offline, "离线登记")
    expect(ui.page.locator("#gate-queue")).to_have_text(re.compile(r"1\s*$"))  # one waits on the phone
    ui.shot("queued offline")
    ui.page.context.set_offline(False)
    ui.page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(ui.page.locator("#gate-queue")).to_have_text("")
    ui.shot("queue sent")
    # The emptied lookup field may still fire htmx's delayed status lookup; let it finish before leaving.
    ui.page.wait_for_timeout(1000)
    ui.page.wait_for_load_state("networkidle")
    # Requests the page tried while the phone had no network failed by design.
    ui.problems[before:] = [p for p in ui.problems[before:] if not any(s in p for s in OFFLINE_SYMPTOMS)]

    assert _registered(ui, "在线登记") == 1
    assert _registered(ui, "离线登记") == 1
    ui.shot("registrations")


def test_gate_parks_what_the_server_refuses_and_resends_only_after_a_server_or_network_failure(phone_ui: UI) -> None:
    ui = phone_ui
    ui.login("checkpoint1")
    _open_gate(ui)
    ui.allowed_statuses |= {422, 503}
    fakes: list[int] = []  # statuses the "server" answers next, before the real one answers again
    sent: list[str] = []

    def batch(route: Any) -> None:
        sent.append(route.request.post_data or "")
        if fakes:
            status = fakes.pop(0)
            message = "Refused by a test." if status == 422 else "Busy."
            route.fulfill(status=status, content_type="application/json", body=json.dumps({"message": message}))
        else:
            route.continue_()

    ui.page.route("**/api/v1/registrations/batch", batch)
    queue, parked = ui.page.locator("#gate-queue"), ui.page.locator("#gate-parked li")

    fakes.append(503)  # the server is away: the registration waits on the phone
    _register(ui, make_resident_id("410402", dt.date(1990, 5, 8), 615, male=True), "服务器忙")
    expect(queue).to_have_text(re.compile(r"1\s*$"))
    expect(parked).to_have_count(0)

    fakes.append(422)  # refused as a whole: parked with the server's message, not sent again
    ui.page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(queue).to_have_text("")
    expect(parked).to_have_count(1)
    expect(parked.first).to_contain_text("Refused by a test.")

    # Refused per item by the real server (a temperature that is not a number): parked as well.
    ui.page.fill("#id_lookup", make_resident_id("410402", dt.date(1990, 5, 9), 617, male=True))
    ui.page.fill("#id_temperature", "NaN")
    ui.page.click("#gate-form button[type=submit]")
    ui.page.wait_for_selector("#gate-result.alert-danger")
    expect(parked).to_have_count(2)
    ui.shot("refused registrations parked")
    before = len(sent)
    ui.page.evaluate("window.dispatchEvent(new Event('online'))")
    ui.page.wait_for_timeout(500)
    assert len(sent) == before, "a refused registration was sent again"

    parked.first.locator("button").click()
    expect(parked).to_have_count(1)
    ui.page.reload()
    ui.page.wait_for_load_state("networkidle")
    expect(parked).to_have_count(1)  # kept on the phone across reloads until dismissed
    assert _registered(ui, "服务器忙") == 0
    # The browser logs the faked answers as failed loads; they were the point of the test.
    faked = ("status of 503", "status of 422")
    ui.problems[:] = [p for p in ui.problems if not ("registrations/batch" in p and any(f in p for f in faked))]
