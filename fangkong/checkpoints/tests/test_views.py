from __future__ import annotations

import datetime as dt
import io
import uuid
from typing import Any

import openpyxl
import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from fangkong.accounts.models import Role
from fangkong.checkpoints.models import Alert, Checkpoint, Registration
from fangkong.checkpoints.tests.factories import make_checkpoint, pass_gate
from fangkong.checkpoints.views import check_in_token
from fangkong.screening.models import KeyPerson


@pytest.fixture
def client() -> Client:
    return Client(headers={"Accept-Language": "en"})


def login(client: Client, user: Any) -> Client:
    client.force_login(user)
    return client


@pytest.fixture
def gate_a(world: Any) -> Checkpoint:
    return make_checkpoint(world.hq, world.A.community, name="A东门")


@pytest.fixture
def gate_b(world: Any) -> Checkpoint:
    return make_checkpoint(world.hq, world.B.community, name="B西门")


def gate_post(client: Client, checkpoint: Checkpoint, **values: Any) -> Any:
    body = {"client_id": str(uuid.uuid4()), "direction": "in", "health_code": "green"} | values
    return client.post(f"/checkpoints/{checkpoint.pk}/gate/", body)


def test_list_shows_only_checkpoints_of_the_jurisdiction(client: Client, world: Any, gate_a: Any, gate_b: Any) -> None:
    body = login(client, world.user(Role.CHECKPOINT_STAFF, "A")).get("/checkpoints/").content.decode()
    assert "A东门" in body
    assert "B西门" not in body
    assert login(client, world.user(Role.CHECKPOINT_STAFF, "A")).get(f"/checkpoints/{gate_b.pk}/").status_code == 404


def test_a_regular_resident_is_registered_with_a_few_fields(client: Client, world: Any, gate_a: Any) -> None:
    staff = login(client, world.user(Role.CHECKPOINT_STAFF, "A"))
    response = gate_post(staff, gate_a, lookup=world.A.person.phone, temperature="36.4")
    assert response.status_code == 200
    assert "Let pass" in response.content.decode()
    registration = Registration.objects.get()
    assert registration.person == world.A.person
    assert registration.created_by == world.user(Role.CHECKPOINT_STAFF, "A")


def test_a_fever_at_the_gate_shows_the_next_step_and_reaches_the_alert_list(
    client: Client, world: Any, gate_a: Any
) -> None:
    staff = login(client, world.user(Role.CHECKPOINT_STAFF, "A"))
    response = gate_post(staff, gate_a, lookup=world.A.person.document_number, temperature="38.6")
    assert "Transfer to the fever clinic" in response.content.decode()
    alerts = login(Client(headers={"Accept-Language": "en"}), world.user(Role.COMMUNITY_WORKER, "A")).get(
        "/checkpoints/alerts/"
    )
    assert "Fever" in alerts.content.decode()
    other = login(Client(headers={"Accept-Language": "en"}), world.user(Role.COMMUNITY_WORKER, "B"))
    assert "Fever" not in other.get("/checkpoints/alerts/").content.decode()


def test_the_open_alert_list_announces_alerts_that_arrive_after_it_was_shown(
    client: Client, world: Any, gate_a: Any
) -> None:
    worker = login(client, world.user(Role.COMMUNITY_WORKER, "A"))
    page = worker.get("/checkpoints/alerts/").content.decode()
    assert 'id="alert-news"' in page
    assert "?after=0" in page
    poll = {"HX-Request": "true", "HX-Target": "alert-news"}
    assert "new alert" not in worker.get("/checkpoints/alerts/", {"after": "0"}, headers=poll).content.decode()
    pass_gate(world.hq, gate_a, phone=world.A.person.phone, temperature="38.2")
    pass_gate(world.hq, make_checkpoint(world.hq, world.B.community), phone=world.B.person.phone, health_code="red")
    news = worker.get("/checkpoints/alerts/", {"after": "0"}, headers=poll).content.decode()
    assert "1 new alert since this list was opened" in news  # the other community's alert is not theirs
    newest = Alert.objects.filter(place_path__startswith=world.A.community.path).get().pk
    assert f"?after={newest}" in worker.get("/checkpoints/alerts/").content.decode()
    assert "new alert" not in worker.get("/checkpoints/alerts/", {"after": "x"}, headers=poll).content.decode()


def test_the_community_records_what_was_done_with_an_alert(client: Client, world: Any, gate_a: Any) -> None:
    result = pass_gate(world.hq, gate_a, phone=world.A.person.phone, health_code="red")
    worker = login(client, world.user(Role.COMMUNITY_WORKER, "A"))
    response = worker.post("/checkpoints/alerts/?handled=0", {"alert": result.alert.pk, "outcome": "已转运隔离"})
    assert response.status_code == 302
    alert = Alert.objects.get()
    assert alert.outcome == "已转运隔离"
    assert alert.handled_by == world.user(Role.COMMUNITY_WORKER, "A")
    staff = login(Client(), world.user(Role.CHECKPOINT_STAFF, "A"))
    assert staff.post("/checkpoints/alerts/", {"alert": alert.pk, "outcome": "x"}).status_code == 403


def test_a_bad_temperature_is_shown_on_the_form_and_nothing_is_stored(client: Client, world: Any, gate_a: Any) -> None:
    staff = login(client, world.user(Role.CHECKPOINT_STAFF, "A"))
    response = gate_post(staff, gate_a, lookup=world.A.person.phone, temperature="45")
    assert "not a human body temperature" in response.content.decode()
    assert not Registration.objects.exists()


def test_submitting_the_same_gate_page_twice_registers_once(client: Client, world: Any, gate_a: Any) -> None:
    staff = login(client, world.user(Role.CHECKPOINT_STAFF, "A"))
    client_id = str(uuid.uuid4())
    gate_post(staff, gate_a, lookup=world.A.person.phone, client_id=client_id)
    again = gate_post(staff, gate_a, lookup=world.A.person.phone, client_id=client_id)
    assert "Already registered" in again.content.decode()
    assert Registration.objects.count() == 1


def test_the_gate_page_loads_its_offline_queue_script_without_inline_scripts(
    client: Client, world: Any, gate_a: Any
) -> None:
    body = login(client, world.user(Role.CHECKPOINT_STAFF, "A")).get(f"/checkpoints/{gate_a.pk}/gate/").content.decode()
    assert "checkpoints/gate.js" in body
    assert "<script>" not in body
    assert 'rel="manifest"' in body
    assert client.get("/checkpoints/sw.js")["Content-Type"] == "application/javascript"
    assert client.get("/checkpoints/manifest.webmanifest").json()["display"] == "standalone"


def test_status_lookup_shows_key_person_and_measure(client: Client, world: Any, gate_a: Any) -> None:
    from fangkong.screening.tests.factories import make_key_person

    kp = make_key_person(world.hq, world.A.person)
    KeyPerson.objects.filter(pk=kp.pk).update(measure_kind="home_quarantine")
    staff = login(client, world.user(Role.CHECKPOINT_STAFF, "A"))
    body = staff.get(f"/checkpoints/{gate_a.pk}/gate/lookup/", {"lookup": world.A.person.document_number}).content
    text = body.decode()
    assert "Key person" in text
    assert "Home quarantine" in text
    assert world.A.person.document_number not in text


def test_registration_export_masks_ids_and_phones(client: Client, world: Any, gate_a: Any) -> None:
    pass_gate(world.hq, gate_a, document_number=world.A.person.document_number, phone=world.A.person.phone)
    response = login(client, world.user(Role.COMMUNITY_WORKER, "A")).get("/checkpoints/registrations/export/")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active  # type: ignore[attr-defined]
    cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert world.A.person.document_number not in cells
    assert world.A.person.masked_document in cells
    other = login(Client(), world.user(Role.COMMUNITY_WORKER, "B")).get("/checkpoints/registrations/export/")
    other_sheet = openpyxl.load_workbook(io.BytesIO(b"".join(other.streaming_content))).active  # type: ignore[attr-defined]
    assert other_sheet.max_row == 1


def test_checkpoint_list_export_and_kit_and_roster_editing(client: Client, world: Any, gate_a: Any) -> None:
    worker = login(client, world.user(Role.COMMUNITY_WORKER, "A"))
    assert worker.get("/checkpoints/export/").status_code == 200
    worker.post(f"/checkpoints/{gate_a.pk}/kit/", {"present": ["team", "thermometer"]})
    assert set(gate_a.kit.filter(present=True).values_list("item", flat=True)) == {"team", "thermometer"}
    now = timezone.localtime()
    response = worker.post(
        f"/checkpoints/{gate_a.pk}/shifts/",
        {
            "staff_name": "张三",
            "post": "测温岗",
            "starts_at": (now - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (now + dt.timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 302
    detail = worker.get(f"/checkpoints/{gate_a.pk}/").content.decode()
    assert "张三" in detail
    assert "Gap" in detail  # nobody after the 4 hours


def test_venue_self_check_in_lands_in_registrations_and_is_rate_limited(
    client: Client, world: Any, gate_a: Any, settings: Any
) -> None:
    cache.clear()
    settings.SELF_REPORT_PER_PHONE_PER_DAY = 2
    url = f"/checkpoints/check-in/{check_in_token(gate_a)}/"
    assert client.get(url).status_code == 200
    statuses = []
    for seq in range(3):
        response = client.post(
            url,
            {"client_id": str(uuid.uuid4()), "name": "游客", "lookup": "13700004444", "temperature": "36.5"},
            REMOTE_ADDR=f"10.0.1.{seq}",
        )
        statuses.append(response.status_code)
    assert statuses == [200, 200, 429]
    assert Registration.objects.filter(source="self", phone="13700004444", checkpoint=gate_a).count() == 2
    assert client.get(f"/checkpoints/check-in/{gate_a.pk}.forged/").status_code == 404


def test_poster_carries_the_check_in_link(client: Client, world: Any, gate_a: Any, gate_b: Any) -> None:
    body = login(client, world.user(Role.CHECKPOINT_STAFF, "A")).get(f"/checkpoints/{gate_a.pk}/poster/").content
    assert b"<svg" in body
    assert check_in_token(gate_a).encode() in body
    assert (
        login(client, world.user(Role.CHECKPOINT_STAFF, "A")).get(f"/checkpoints/{gate_b.pk}/poster/").status_code
        == 404
    )


def test_a_check_in_without_a_client_id_still_registers(client: Client, world: Any, gate_a: Any) -> None:
    cache.clear()
    url = f"/checkpoints/check-in/{check_in_token(gate_a)}/"
    response = client.post(url, {"name": "游客", "lookup": "13700005555"})
    assert response.status_code == 200
    assert Registration.objects.filter(phone="13700005555").count() == 1


def test_the_daily_report_is_compiled_submitted_and_rolled_up_by_street(
    client: Client, world: Any, gate_a: Any, gate_b: Any
) -> None:
    pass_gate(world.hq, gate_a, phone=world.A.person.phone, vehicle_plate="豫C12345", passengers=1)
    pass_gate(world.hq, gate_a, phone="13912345678", name="外来", direction="out", temperature="38.0")
    staff = login(client, world.user(Role.CHECKPOINT_STAFF, "A"))
    page = staff.get(f"/checkpoints/{gate_a.pk}/daily/").content.decode()
    assert "Not submitted yet" in page
    response = staff.post(f"/checkpoints/{gate_a.pk}/daily/", {"day": timezone.localdate().isoformat()})
    assert response.status_code == 302
    report = gate_a.daily_reports.get()
    assert report.figures["total"] == 2
    assert report.figures["vehicles"] == 1
    assert report.figures["abnormal"] == 1
    assert report.figures["outbound"] == 1
    future = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    assert "has begun" in staff.post(f"/checkpoints/{gate_a.pk}/daily/", {"day": future}).content.decode()
    hq = login(Client(headers={"Accept-Language": "en"}), world.hq).get("/checkpoints/daily/").content.decode()
    assert "1 of 2 checkpoints submitted" in hq
    assert "街道A subtotal" in hq
    other = login(Client(headers={"Accept-Language": "en"}), world.user(Role.COMMUNITY_WORKER, "B"))
    assert "0 of 1 checkpoints submitted" in other.get("/checkpoints/daily/").content.decode()
    export = login(Client(), world.hq).get("/checkpoints/daily/?format=xlsx")
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    viewer = login(Client(), world.user(Role.HQ_GROUP, "A"))
    assert viewer.post(f"/checkpoints/{gate_a.pk}/daily/", {}).status_code == 403
