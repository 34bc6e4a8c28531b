from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from fangkong.accounts.models import Role
from fangkong.conftest import World
from fangkong.monitoring.models import AlertStatus, CareTeamMember, Delivery, HealthAlert, HealthReport, HomeCare
from fangkong.monitoring.tests.factories import at, home_measure, report, set_clock
from fangkong.quarantine.models import Measure
from fangkong.quarantine.services import renew_report_link, report_link_token

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache() -> Any:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def client() -> Client:
    return Client(headers={"Accept-Language": "en"})


def login(client: Client, user: Any) -> Client:
    client.force_login(user)
    return client


def link(measure: Measure) -> str:
    return f"/monitoring/r/{report_link_token(measure)}/"


# --- the person's own page ----------------------------------------------------------------------------


def test_the_report_page_works_without_login_on_a_phone(client: Client, world: World, monkeypatch: Any) -> None:
    measure = home_measure(world, name="张小梅")
    set_clock(monkeypatch, at(8, 30))
    page = client.get(link(measure))
    body = page.content.decode()
    assert page.status_code == 200
    assert 'name="viewport"' in body
    assert "张**" in body
    assert "张小梅" not in body
    assert "<script" not in body

    sent = client.post(link(measure), {"temperature": "36.7", "symptoms": ["fatigue"]})

    assert sent.status_code == 200
    assert "Thank you" in sent.content.decode()
    saved = HealthReport.objects.get(measure=measure)
    assert (saved.temperature, saved.symptoms, saved.reported_by) == (Decimal("36.7"), ["fatigue"], None)


def test_a_second_report_on_the_page_gets_a_clear_message(client: Client, world: World, monkeypatch: Any) -> None:
    measure = home_measure(world)
    set_clock(monkeypatch, at(8, 30))
    client.post(link(measure), {"temperature": "36.7"})
    again = client.post(link(measure), {"temperature": "36.9"})
    assert again.status_code == 409
    assert "already reported this morning" in again.content.decode()
    assert HealthReport.objects.count() == 1


def test_an_impossible_temperature_on_the_page_is_refused(client: Client, world: World, monkeypatch: Any) -> None:
    set_clock(monkeypatch, at(8, 30))
    response = client.post(link(home_measure(world)), {"temperature": "45"})
    assert "not a human body temperature" in response.content.decode()
    assert not HealthReport.objects.exists()


def test_a_renewed_link_shows_a_clear_page_and_stores_nothing(client: Client, world: World, monkeypatch: Any) -> None:
    measure = home_measure(world)
    old = link(measure)
    renew_report_link(actor=world.hq, measure=measure)
    set_clock(monkeypatch, at(8, 30))
    for response in (client.get(old), client.post(old, {"temperature": "36.5"})):
        assert response.status_code == 410
        assert "replaced by a newer one" in response.content.decode()
    assert not HealthReport.objects.exists()


def test_a_garbled_link_shows_a_clear_page(client: Client, world: World) -> None:
    response = client.get("/monitoring/r/not-a-token/")
    assert response.status_code == 410
    assert "not valid" in response.content.decode()


def test_the_page_is_rate_limited(client: Client, world: World, monkeypatch: Any, settings: Any) -> None:
    settings.MONITORING_REPORTS_PER_LINK_PER_HOUR = 2
    measure = home_measure(world)
    set_clock(monkeypatch, at(8, 30))
    for _n in range(2):
        client.post(link(measure), {"temperature": "50"})
    blocked = client.post(link(measure), {"temperature": "36.5"})
    assert blocked.status_code == 429
    assert not HealthReport.objects.exists()


# --- staff pages --------------------------------------------------------------------------------------


def test_home_list_shows_own_jurisdiction_only_with_team_gaps(client: Client, world: World) -> None:
    mine = home_measure(world, name="甲居家")
    home_measure(world, "B", name="乙居家")
    body = login(client, world.user(Role.GRID_WORKER, "A")).get("/monitoring/?gaps=1").content.decode()
    assert "甲居家" in body
    assert "乙居家" not in body
    assert "0/4" in body
    assert client.get(f"/monitoring/measures/{mine.pk}/").status_code == 200


def test_measure_page_of_another_jurisdiction_is_404(client: Client, world: World) -> None:
    theirs = home_measure(world, "B")
    worker = login(client, world.user(Role.GRID_WORKER, "A"))
    assert worker.get(f"/monitoring/measures/{theirs.pk}/").status_code == 404
    assert worker.post(f"/monitoring/measures/{theirs.pk}/report/", {"temperature": "36.5"}).status_code == 404
    assert worker.post(f"/monitoring/measures/{theirs.pk}/link/").status_code == 404
    assert not HealthReport.objects.exists()


def test_measure_page_shows_the_link_with_a_qr_code_and_renews_it(client: Client, world: World) -> None:
    measure = home_measure(world)
    worker = login(client, world.user(Role.GRID_WORKER, "A"))
    page = worker.get(f"/monitoring/measures/{measure.pk}/").content.decode()
    assert link(measure) in page
    assert "<svg" in page

    worker.post(f"/monitoring/measures/{measure.pk}/link/")

    old_key = measure.report_key
    measure.refresh_from_db()
    assert measure.report_key != old_key
    assert link(measure) in worker.get(f"/monitoring/measures/{measure.pk}/").content.decode()


def test_inspectors_see_the_page_but_not_the_link(client: Client, world: World) -> None:
    measure = home_measure(world)
    page = login(client, world.user(Role.INSPECTOR, "A")).get(f"/monitoring/measures/{measure.pk}/")
    assert page.status_code == 200
    assert report_link_token(measure) not in page.content.decode()


def test_staff_enter_a_report_and_a_duplicate_is_refused(client: Client, world: World, monkeypatch: Any) -> None:
    measure = home_measure(world)
    set_clock(monkeypatch, at(10, 0))
    medic = login(client, world.user(Role.SITE_STAFF, "A"))
    day = timezone.localdate().isoformat()
    url = f"/monitoring/measures/{measure.pk}/report/"
    first = medic.post(url, {"date": day, "slot": "morning", "temperature": "38.4", "symptoms": ["cough"]})
    second = medic.post(url, {"date": day, "slot": "morning", "temperature": "36.5"})
    assert first.status_code == 302
    assert second.status_code == 409
    assert "already exists" in second.content.decode()
    assert list(HealthReport.objects.values_list("temperature", flat=True)) == [Decimal("38.4")]
    assert HealthAlert.objects.filter(measure=measure).count() == 2


def test_team_seal_and_deliveries_on_the_page(client: Client, world: World) -> None:
    measure = home_measure(world)
    worker = login(client, world.user(Role.COMMUNITY_WORKER, "A"))
    base = f"/monitoring/measures/{measure.pk}"
    worker.post(f"{base}/team/", {"role": "medic", "name": "李医生", "phone": "13912345678"})
    bad = worker.post(f"{base}/team/", {"role": "cadre", "name": "王", "phone": "123"})
    worker.post(f"{base}/home/", {"team_size": "6", "seal_applied_at": "2026-01-01T08:00", "sensor_id": "MC-1"})
    worker.post(f"{base}/deliveries/", {"items": "大米、蔬菜"})
    delivery = Delivery.objects.get()
    worker.post(f"{base}/deliveries/", {"delivery": delivery.pk, "status": "delivered"})

    assert "11 digits" in bad.content.decode()
    assert list(CareTeamMember.objects.values_list("name", "phone")) == [("李医生", "13912345678")]
    care = HomeCare.objects.get(measure=measure)
    assert (care.team_size, care.sealed, care.sensor_id) == (6, True, "MC-1")
    delivery.refresh_from_db()
    assert delivery.status == "delivered"
    page = worker.get(f"{base}/").content.decode()
    assert "The team lacks 5 members." in page


def test_inspector_cannot_change_the_team(client: Client, world: World) -> None:
    measure = home_measure(world)
    inspector = login(client, world.user(Role.INSPECTOR, "A"))
    response = inspector.post(
        f"/monitoring/measures/{measure.pk}/team/", {"role": "medic", "name": "李", "phone": "13912345678"}
    )
    assert response.status_code == 403
    assert not CareTeamMember.objects.exists()


def test_due_board_lists_who_has_not_reported_and_takes_many_at_once(
    client: Client, world: World, monkeypatch: Any
) -> None:
    first, second, done = (home_measure(world, name=n) for n in ("待报一", "待报二", "已报"))
    report(world.hq, done, slot="morning")
    set_clock(monkeypatch, at(10, 0))
    medic = login(client, world.user(Role.SITE_STAFF, "A"))
    day = timezone.localdate().isoformat()
    board = medic.get(f"/monitoring/due/?date={day}&slot=morning").content.decode()
    assert "待报一" in board
    assert "待报二" in board
    assert "已报" not in board

    response = medic.post(
        "/monitoring/due/",
        {
            "date": day,
            "slot": "morning",
            "measure": [first.pk, second.pk],
            f"t-{first.pk}": "36.6",
            f"t-{second.pk}": "37.8",
        },
    )

    assert response.status_code == 302
    assert HealthReport.objects.filter(date=day, slot="morning").count() == 3
    assert HealthAlert.objects.get().measure_id == second.pk


def test_due_board_keeps_a_bad_row_and_saves_the_good_ones(client: Client, world: World, monkeypatch: Any) -> None:
    good, bad = home_measure(world), home_measure(world)
    set_clock(monkeypatch, at(10, 0))
    medic = login(client, world.user(Role.SITE_STAFF, "A"))
    day = timezone.localdate().isoformat()
    response = medic.post(
        "/monitoring/due/",
        {"date": day, "slot": "morning", "measure": [good.pk, bad.pk], f"t-{good.pk}": "36.6", f"t-{bad.pk}": "3.66"},
    )
    assert response.status_code == 422
    assert "not a human body temperature" in response.content.decode()
    assert list(HealthReport.objects.values_list("measure_id", flat=True)) == [good.pk]


def test_alert_list_closes_with_a_note_and_refreshes_by_htmx(client: Client, world: World) -> None:
    measure = home_measure(world, name="发热者")
    report(world.hq, measure, temperature="38.5")
    home_measure(world, "B")
    report(world.hq, Measure.objects.get(place_path__startswith=world.B.street.path), temperature="38.9")
    lead = login(client, world.user(Role.COMMUNITY_WORKER, "A"))

    page = lead.get("/monitoring/alerts/").content.decode()
    assert "发热者" in page
    assert 'hx-trigger="every 30s"' in page
    partial = lead.get("/monitoring/alerts/", headers={"HX-Request": "true", "HX-Target": "alert-results"})
    assert "<html" not in partial.content.decode()
    assert "发热者" in partial.content.decode()
    assert page.count('<tr class="table-danger">') == 1  # B's alert is not listed

    alert = HealthAlert.objects.get(measure=measure)
    lead.post("/monitoring/alerts/", {"alert": alert.pk, "note": "已转运至发热门诊"})
    alert.refresh_from_db()
    assert (alert.status, alert.close_note) == (AlertStatus.CLOSED, "已转运至发热门诊")


def test_viewer_roles_cannot_close_alerts(client: Client, world: World) -> None:
    report(world.hq, home_measure(world), temperature="38.5")
    alert = HealthAlert.objects.get()
    response = login(client, world.user(Role.INSPECTOR, "A")).post(
        "/monitoring/alerts/", {"alert": alert.pk, "note": "x"}
    )
    assert response.status_code == 403
    assert HealthAlert.objects.get().status == AlertStatus.OPEN


def test_exports_are_scoped_and_masked(client: Client, world: World) -> None:
    measure = home_measure(world, name="导出甲")
    home_measure(world, "B", name="导出乙")
    report(world.hq, measure, temperature="38.5")
    worker = login(client, world.user(Role.GRID_WORKER, "A"))
    for url in ("/monitoring/export/", "/monitoring/alerts/export/"):
        response = worker.get(url)
        wb = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))  # type: ignore[attr-defined]
        cells = [str(c) for row in wb.active.iter_rows(values_only=True) for c in row if c is not None]
        assert "导出甲" in cells
        assert "导出乙" not in cells
        assert measure.person.phone not in cells
        assert measure.person.masked_phone in cells


def test_urgent_alerts_sort_above_routine_ones_however_new(client: Client, world: World) -> None:
    """A fever raised earlier stays above a missed report raised later (issue 16 B15)."""
    from fangkong.monitoring.selectors import alerts_for

    measure = home_measure(world, name="发热者")
    report(world.hq, measure, temperature="38.5")
    routine = HealthAlert.objects.create(
        measure=measure,
        place_path=measure.place_path,
        kind="missed_report",
        urgency="normal",
        date=timezone.localdate(),
        slot="evening",
    )
    worker = world.user(Role.COMMUNITY_WORKER, "A")
    listed = list(alerts_for(worker, status="open"))
    assert [a.urgency for a in listed] == ["urgent", "normal"]
    assert listed[-1] == routine
    page = login(client, worker).get("/monitoring/alerts/").content.decode()
    rows = page[page.index("<tbody") :]
    assert rows.index("Fever") < rows.index("Missed report")


def test_the_report_page_shows_the_care_team_to_call(client: Client, world: World, monkeypatch: Any) -> None:
    measure = home_measure(world)
    set_clock(monkeypatch, at(8, 30))
    bare = client.get(link(measure)).content.decode()
    assert "has not named your care team" in bare
    from fangkong.monitoring.services import ensure_home_care

    care = ensure_home_care(measure)
    CareTeamMember.objects.create(home_care=care, role="medic", name="李医生", phone="13912345678")
    page = client.get(link(measure)).content.decode()
    assert 'href="tel:13912345678"' in page
    assert "李医生" in page
