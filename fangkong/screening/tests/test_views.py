from __future__ import annotations

import datetime as dt
import io
from typing import Any

import openpyxl
import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from fangkong.audit.models import AuditAction, AuditEvent
from fangkong.core.testing.idnumbers import make_resident_id
from fangkong.people.models import Person
from fangkong.screening.models import KeyPerson, SelfReport, SweepTask, SweepVisit
from fangkong.screening.selectors import self_report_token
from fangkong.screening.tests.factories import make_key_person


@pytest.fixture
def client() -> Client:
    return Client(headers={"Accept-Language": "en"})


def workbook_rows(response: Any) -> list[tuple[Any, ...]]:
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    return list(sheet.iter_rows(values_only=True))


def login(client: Client, user: Any) -> Client:
    client.force_login(user)
    return client


@pytest.fixture
def kps(world: Any) -> tuple[KeyPerson, KeyPerson]:
    return make_key_person(world.hq, world.A.person), make_key_person(world.hq, world.B.person)


def test_grid_worker_list_shows_only_their_grid_masked(client: Client, world: Any, kps: Any) -> None:
    response = login(client, world.user("grid_worker", "A")).get("/screening/")
    assert response.status_code == 200
    body = response.content.decode()
    assert world.A.person.name in body
    assert world.B.person.name not in body
    assert world.A.person.document_number not in body
    assert world.A.person.masked_document in body


def test_grid_worker_cannot_open_key_person_of_other_grid(client: Client, world: Any, kps: Any) -> None:
    assert login(client, world.user("grid_worker", "A")).get(f"/screening/{kps[1].pk}/").status_code == 404


def test_detail_shows_full_values_and_audits_the_view(client: Client, world: Any, kps: Any) -> None:
    response = login(client, world.user("grid_worker", "A")).get(f"/screening/{kps[0].pk}/")
    assert response.status_code == 200
    assert world.A.person.document_number in response.content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.VIEW_FULL, object_id=str(world.A.person.pk)).exists()


def test_marking_identified_from_the_queue_stamps_worker_and_time(client: Client, world: Any, kps: Any) -> None:
    worker = world.user("grid_worker", "A")
    kp = kps[0]
    login(client, worker)
    assert kp.person.name in client.get("/screening/queue/").content.decode()
    response = client.post(f"/screening/{kp.pk}/transition/", {"to": "identified", "version": kp.version})
    assert response.status_code == 302
    kp.refresh_from_db()
    assert (kp.clear_state, kp.identified_by) == ("identified", worker)


def test_a_stale_form_shows_a_clear_message_and_loses_nothing(client: Client, world: Any, kps: Any) -> None:
    kp = kps[0]
    login(client, world.user("grid_worker", "A"))
    client.post(f"/screening/{kp.pk}/transition/", {"to": "identified", "version": kp.version})
    response = client.post(f"/screening/{kp.pk}/transition/", {"to": "identified", "version": kp.version}, follow=True)
    assert "Someone else changed this key person" in response.content.decode()
    assert KeyPerson.objects.get(pk=kp.pk).version == kp.version + 1


def test_hq_routes_an_unplaced_key_person(client: Client, world: Any, kps: Any) -> None:
    kp = kps[0]
    KeyPerson.objects.filter(pk=kp.pk).update(place=world.district, place_path=world.district.path, is_unplaced=True)
    login(client, world.hq)
    assert kp.person.name in client.get("/screening/unplaced/").content.decode()
    client.post(f"/screening/{kp.pk}/route/", {"place": world.B.grid.pk, "version": kp.version})
    kp.refresh_from_db()
    assert (kp.place, kp.is_unplaced) == (world.B.grid, False)
    assert "The unplaced queue is empty" in client.get("/screening/unplaced/").content.decode()


def test_grid_worker_cannot_open_the_unplaced_queue(client: Client, world: Any) -> None:
    assert login(client, world.user("grid_worker", "A")).get("/screening/unplaced/").status_code == 403


def test_coverage_board_drills_down_and_exports(client: Client, world: Any, kps: Any) -> None:
    KeyPerson.objects.filter(pk=kps[1].pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    login(client, world.hq)
    response = client.get("/screening/coverage/")
    assert response.status_code == 200
    body = response.content.decode()
    assert f"?place={world.A.street.pk}" in body
    assert "echarts.min.js" in body
    export = client.get(f"/screening/coverage/export/?place={world.district.pk}")
    rows = workbook_rows(export)
    by_place = {r[0]: r for r in rows[1:]}
    header = rows[0]
    assert by_place[world.B.street.name][header.index("Overdue")] == 1
    assert by_place[world.A.street.name][header.index("Key persons")] == 1


def test_street_admin_board_of_the_other_street_is_404(client: Client, world: Any) -> None:
    login(client, world.user("street_admin", "A"))
    assert client.get(f"/screening/coverage/?place={world.B.street.pk}").status_code == 404


def test_key_person_export_is_masked_and_scoped(client: Client, world: Any, kps: Any) -> None:
    response = login(client, world.user("community_worker", "A")).get("/screening/export/")
    rows = workbook_rows(response)
    assert len(rows) == 2
    assert rows[1][1] == world.A.person.masked_document


def test_key_person_export_audits_the_search_term_masked(client: Client, world: Any, kps: Any) -> None:
    person = world.A.person
    for q in (person.document_number, person.phone):
        login(client, world.hq).get("/screening/export/", {"q": q})
    events = AuditEvent.objects.filter(action=AuditAction.EXPORT, object_type="screening.keyperson")
    text = " ".join(f"{e.summary} {e.changes}" for e in events)
    assert events.count() == 2
    assert person.document_number not in text
    assert person.phone not in text
    assert person.masked_document in text


def test_self_report_of_a_new_person_is_a_report_the_community_registers(client: Client, world: Any) -> None:
    cache.clear()
    url = f"/screening/report/{self_report_token(world.A.community)}/"
    assert client.get(url).status_code == 200
    number = make_resident_id("110105", dt.date(1990, 1, 2), 5, male=False)
    response = client.post(url, {
        "reporter": "shop", "organisation": "好又多超市", "name": "王芳", "document_type": "resident_id",
        "document_number": number, "phone": "13700001111", "came_from": "北京市朝阳区",
        "arrived_on": (timezone.localdate() - dt.timedelta(days=1)).isoformat(), "symptoms": ["cough"],
    })  # fmt: skip
    assert response.status_code == 200
    assert "Thank you" in response.content.decode()
    report = SelfReport.objects.get(document_number=number)
    assert report.place == world.A.community
    assert report.key_person is None
    assert not Person.objects.filter(document_number=number).exists()  # anonymous: no register entry
    worker = login(Client(headers={"Accept-Language": "en"}), world.user("community_worker", "A"))
    page = worker.get(f"/screening/self-reports/{report.pk}/").content.decode()
    assert "王芳" in page
    assert number in page
    response = worker.post(f"/screening/self-reports/{report.pk}/register/")
    kp = KeyPerson.objects.get(person__document_number=number)
    assert response.status_code == 302
    assert response["Location"] == f"/screening/{kp.pk}/"
    assert kp.place == world.A.community
    assert kp.person.resident_type == "floating"
    assert kp.sources.get().kind == "self_report"
    report.refresh_from_db()
    assert report.key_person == kp


def test_self_report_is_rate_limited_per_phone(client: Client, world: Any, settings: Any) -> None:
    cache.clear()
    settings.SELF_REPORT_PER_PHONE_PER_DAY = 2
    url = f"/screening/report/{self_report_token(world.A.community)}/"
    statuses = []
    for seq in range(3):
        response = client.post(url, {
            "reporter": "resident", "name": f"李{seq}", "document_type": "resident_id",
            "document_number": make_resident_id("110105", dt.date(1990, 1, 3), seq + 1, male=True),
            "phone": "13700002222", "came_from": "上海市", "arrived_on": timezone.localdate().isoformat(),
        }, REMOTE_ADDR=f"10.0.0.{seq}")  # fmt: skip
        statuses.append(response.status_code)
    assert statuses == [200, 200, 429]
    assert SelfReport.objects.filter(phone="13700002222").count() == 2


def test_self_report_rejects_a_future_arrival_and_a_forged_link(client: Client, world: Any) -> None:
    cache.clear()
    url = f"/screening/report/{self_report_token(world.A.community)}/"
    response = client.post(url, {
        "reporter": "resident", "name": "赵", "document_type": "resident_id",
        "document_number": make_resident_id("110105", dt.date(1990, 1, 4), 7, male=True),
        "phone": "13700003333", "came_from": "上海市",
        "arrived_on": (timezone.localdate() + dt.timedelta(days=3)).isoformat(),
    })  # fmt: skip
    assert "The travel date is in the future." in response.content.decode()
    assert not KeyPerson.objects.exists()
    assert not SelfReport.objects.exists()
    assert client.get(f"/screening/report/{world.A.community.pk}.forged/").status_code == 404


def test_poster_shows_a_qr_code_for_the_community(client: Client, world: Any) -> None:
    response = login(client, world.user("community_worker", "A")).get(f"/screening/poster/{world.A.community.pk}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "<svg" in body
    assert self_report_token(world.A.community) in body
    assert (
        login(client, world.user("community_worker", "A")).get(f"/screening/poster/{world.B.community.pk}/").status_code
        == 404
    )


def test_sweep_records_household_outcomes_and_progress(client: Client, world: Any) -> None:
    login(client, world.user("community_worker", "A"))
    client.post("/screening/sweeps/", {"place": world.A.grid.pk, "name": "第一轮"})
    task = SweepTask.objects.get()
    grid_worker = login(Client(headers={"Accept-Language": "en"}), world.user("grid_worker", "A"))
    assert world.A.household.name in grid_worker.get(f"/screening/sweeps/{task.pk}/").content.decode()
    url = f"/screening/sweeps/{task.pk}/households/{world.A.household.pk}/"
    grid_worker.post(url, {"outcome": "key_person_found", "person": world.A.person.pk, "note": "刚从外地返回"})
    assert SweepVisit.objects.get().outcome == "key_person_found"
    assert KeyPerson.objects.get(person=world.A.person).sources.get().kind == "sweep"
    assert "1 of 1 households visited" in grid_worker.get(f"/screening/sweeps/{task.pk}/").content.decode()
    other = login(Client(), world.user("grid_worker", "B"))
    assert other.get(f"/screening/sweeps/{task.pk}/").status_code == 404


def test_add_key_person_by_document_number(client: Client, world: Any) -> None:
    login(client, world.user("checkpoint_staff", "A"))
    response = client.post("/screening/new/", {
        "document_type": "resident_id", "document_number": world.A.person.document_number, "kind": "checkpoint",
        "category": "returnee_high_risk", "came_from": "", "arrived_on": "", "detail": "卡点劝返",
    })  # fmt: skip
    assert response.status_code == 302
    kp = KeyPerson.objects.get(person=world.A.person)
    assert kp.category == "returnee_high_risk"
    response = client.post("/screening/new/", {
        "document_type": "resident_id", "document_number": world.B.person.document_number, "kind": "checkpoint",
        "category": "close_contact",
    })  # fmt: skip
    assert "No person with this document in your jurisdiction" in response.content.decode()


def test_protocol_page_activates_and_audits(client: Client, world: Any) -> None:
    from fangkong.protocols.models import ActiveProtocol, Protocol

    login(client, world.hq)
    assert "第九版" in client.get("/protocols/").content.decode()
    old = Protocol.objects.get(code="covid19-2020-provincial")
    client.post("/protocols/activate/", {"protocol": old.pk})
    assert ActiveProtocol.objects.get(district=world.district).protocol == old
    assert AuditEvent.objects.filter(object_type="protocols.activeprotocol").exists()
    assert (
        login(Client(), world.user("street_admin", "A")).post("/protocols/activate/", {"protocol": old.pk}).status_code
        == 403
    )


def test_apply_protocol_preview_then_apply(client: Client, world: Any, kps: Any) -> None:
    from fangkong.protocols.models import Protocol
    from fangkong.protocols.services import activate_protocol
    from fangkong.screening.services import transition

    kp = kps[0]
    for step in ("identified", "verified", "controlled"):
        kp = transition(actor=world.hq, key_person=kp, to=step)
    activate_protocol(
        actor=world.hq, district=world.district, protocol=Protocol.objects.get(code="covid19-2020-provincial")
    )
    login(client, world.hq)
    preview = client.get("/screening/apply-protocol/").content.decode()
    assert world.A.person.name in preview
    assert "28 days" in preview
    kp.refresh_from_db()
    assert [p["days"] for p in kp.schedule] == [7, 3]
    client.post("/screening/apply-protocol/", {"key_person": [kp.pk]})
    kp.refresh_from_db()
    assert [p["days"] for p in kp.schedule] == [14, 7, 7]


def test_risk_areas_import_from_excel_and_reject_bad_rows(client: Client, world: Any, tmp_path: Any) -> None:
    from fangkong.protocols.models import RiskArea

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["地区", "风险等级", "开始日期", "结束日期"])
    ws.append(["北京市朝阳区望京街道", "高风险", "2022-05-01", "2022-05-20"])
    ws.append(["上海市浦东新区", "中", "2022-04-01", ""])
    ws.append(["某地", "极高", "2022-04-01", ""])
    ws.append(["广州市", "低", "2099-01-01", ""])
    path = tmp_path / "areas.xlsx"
    wb.save(path)
    login(client, world.hq)
    with path.open("rb") as fh:
        response = client.post("/protocols/risk-areas/import/", {"file": fh}, follow=True)
    body = response.content.decode()
    assert RiskArea.objects.count() == 2
    assert RiskArea.objects.get(name="北京市朝阳区望京街道").granularity == "street"
    assert "Row 4" in body
    assert "Row 5" in body


def test_community_worker_assigns_a_responsible_worker_of_the_place(client: Client, world: Any, kps: Any) -> None:
    kp = kps[0]
    login(client, world.user("community_worker", "A"))
    client.post(
        f"/screening/{kp.pk}/worker/", {"worker": world.user("community_worker", "A").pk, "version": kp.version}
    )
    kp.refresh_from_db()
    assert kp.worker == world.user("community_worker", "A")
    response = client.post(
        f"/screening/{kp.pk}/worker/", {"worker": world.user("grid_worker", "B").pk, "version": kp.version}, follow=True
    )
    assert "Choose a worker posted at this place or above it." in response.content.decode()
    kp.refresh_from_db()
    assert kp.worker == world.user("community_worker", "A")
