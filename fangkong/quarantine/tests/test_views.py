"""Quarantine pages and the API contract, as staff use them."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fangkong.accounts.models import Role
from fangkong.accounts.services import issue_token
from fangkong.audit.models import AuditEvent
from fangkong.conftest import make_person
from fangkong.quarantine.models import Measure, MeasureTest, Placement, Room, RoomStatus, Site, SiteStatus
from fangkong.quarantine.services import record_test
from fangkong.quarantine.tests.factories import make_measure, make_site, room

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def api(user: Any) -> Client:
    _token, raw = issue_token(user=user, name="test")
    return Client(headers={"authorization": f"Bearer {raw}", "accept-language": "en"})


def test_hq_creates_a_site_adds_rooms_and_sees_them_on_the_capacity_board(world: Any) -> None:
    hq = client_for(world.hq)
    response = hq.post(
        reverse("quarantine:site_add"),
        {
            "name": "隔离酒店甲",
            "kind": "hotel",
            "place": world.A.street.pk,
            "address": "人民路8号",
            "status": "reserve",
            "free_rooms_warning": 2,
        },
    )
    site = Site.objects.get(name="隔离酒店甲")
    assert response.status_code == 302
    response = hq.post(
        reverse("quarantine:site_rooms", args=[site.pk]),
        {"numbers": "101-110, 201", "floor": 1, "room_type": "single", "capacity": 1},
        follow=True,
    )
    assert "11" in response.content.decode()
    assert Room.objects.filter(site=site).count() == 11
    board = hq.get(reverse("quarantine:capacity")).content.decode()
    assert "隔离酒店甲" in board  # listed among the reserve sites, with an activate button
    hq.post(reverse("quarantine:site_activate", args=[site.pk]), {"next": "board"})
    assert Site.objects.get(pk=site.pk).status == SiteStatus.IN_USE


def test_a_bad_room_range_is_refused_with_a_message_and_nothing_is_created(world: Any) -> None:
    site = make_site(world.hq, world.A.street, rooms=0)
    response = client_for(world.hq).post(
        reverse("quarantine:site_rooms", args=[site.pk]),
        {"numbers": "120-101", "floor": 1, "room_type": "single", "capacity": 1},
        follow=True,
    )
    assert "not a range" in response.content.decode()
    assert not Room.objects.filter(site=site).exists()


def test_site_staff_place_a_person_and_a_double_click_makes_one_placement(world: Any) -> None:
    site = make_site(world.hq, world.A.street, rooms=2)
    measure = make_measure(world.hq, world.A.person)
    staff = client_for(world.user(Role.SITE_STAFF, "A"))
    url = reverse("quarantine:measure_place", args=[measure.pk])
    first = staff.post(url, {"room": room(site, "101").pk}, follow=True)
    second = staff.post(url, {"room": room(site, "102").pk}, follow=True)
    assert first.status_code == second.status_code == 200
    assert "already placed in room 101" in second.content.decode()
    assert Placement.objects.filter(person=world.A.person).count() == 1
    page = staff.get(reverse("quarantine:site_detail", args=[site.pk])).content.decode()
    assert world.A.person.name in page
    assert world.A.person.document_number not in page  # masked in the guest list


def test_the_measure_page_shows_the_calendar_tests_and_why_release_must_wait(world: Any) -> None:
    measure = make_measure(world.hq, world.A.person)
    page = client_for(world.user(Role.COMMUNITY_WORKER, "A")).get(
        reverse("quarantine:measure_detail", args=[measure.pk])
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert "measure-calendar" in html
    assert measure.ends_on.isoformat() in html  # the reason release must wait names the end date
    assert world.A.person.document_number not in html


def test_the_other_jurisdiction_gets_404_for_a_measure_and_a_site(world: Any) -> None:
    site = make_site(world.hq, world.A.street, rooms=1)
    measure = make_measure(world.hq, world.A.person)
    outsider = client_for(world.user(Role.STREET_ADMIN, "B"))
    assert outsider.get(reverse("quarantine:measure_detail", args=[measure.pk])).status_code == 404
    assert outsider.get(reverse("quarantine:site_detail", args=[site.pk])).status_code == 404
    listing = outsider.get(reverse("quarantine:measures")).content.decode()
    assert world.A.person.name not in listing


def test_the_measure_list_filters_unplaced_persons_and_exports_them_masked(world: Any) -> None:
    site = make_site(world.hq, world.A.street, rooms=1)
    placed = make_measure(world.hq, world.A.person)
    waiting = make_measure(world.hq, world.B.person)
    client = client_for(world.hq)
    client.post(reverse("quarantine:measure_place", args=[placed.pk]), {"room": room(site, "101").pk})
    html = client.get(reverse("quarantine:measures"), {"where": "unplaced"}).content.decode()
    assert waiting.person.name in html
    assert placed.person.name not in html
    response = client.get(reverse("quarantine:measures_export"), {"where": "unplaced"})
    workbook = openpyxl.load_workbook(io.BytesIO(response.getvalue()), read_only=True)
    rows = list(workbook.active.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == [waiting.person.name]
    assert waiting.person.document_number not in str(rows)
    assert AuditEvent.objects.filter(action="export", object_type="quarantine.measure").exists()


def test_release_prints_a_notice_whose_qr_code_verifies_it(world: Any) -> None:
    measure = make_measure(world.hq, world.A.person)
    MeasureTest.objects.filter(measure=measure).exclude(due_on=measure.started_on).delete()
    for test in measure.tests.all():
        record_test(actor=world.hq, measure=measure, due_on=test.due_on, sampled_on=test.due_on, outcome="negative")
    client = client_for(world.hq)
    response = client.post(
        reverse("quarantine:measure_release", args=[measure.pk]), {"early_reason": "专家组评估"}, follow=True
    )
    measure.refresh_from_db()
    html = response.content.decode()
    assert measure.status == "released"
    assert measure.certificate_code
    assert measure.certificate_code in html
    assert "<svg" in html
    public = Client().get(reverse("quarantine:verify", args=[measure.certificate_code]))
    assert public.status_code == 200
    assert world.A.person.document_number not in public.content.decode()
    forged = Client(HTTP_ACCEPT_LANGUAGE="en").get(reverse("quarantine:verify", args=["JCFORGED00000"]))
    assert "No release notice has this number" in forged.content.decode()


def test_a_community_worker_cannot_release_early(world: Any) -> None:
    measure = make_measure(world.hq, world.A.person)
    worker = client_for(world.user(Role.COMMUNITY_WORKER, "A"))
    response = worker.post(reverse("quarantine:measure_release", args=[measure.pk]), {"early_reason": "想回家"})
    assert response.status_code == 403
    assert Measure.objects.get(pk=measure.pk).status == "active"


def test_daily_lists_show_who_starts_today_per_community(world: Any) -> None:
    make_measure(world.hq, world.A.person)
    html = client_for(world.hq).get(reverse("quarantine:daily")).content.decode()
    assert world.A.person.name in html
    assert world.A.grid.name in html or world.A.community.name in html


# --- the API contract ----------------------------------------------------------------------------


def test_api_lists_sites_and_free_rooms(world: Any) -> None:
    site = make_site(world.hq, world.A.street, rooms=3)
    Room.objects.filter(site=site, number="103").update(status=RoomStatus.CLEANING)
    client = api(world.hq)
    sites = client.get("/api/v1/quarantine/sites/").json()
    assert sites["items"][0]["rooms"] == 3
    assert sites["items"][0]["free"] == 2
    rooms = client.get(f"/api/v1/quarantine/sites/{site.pk}/rooms", {"status": "free"}).json()
    assert [r["number"] for r in rooms["items"]] == ["101", "102"]
    assert api(world.user(Role.STREET_ADMIN, "B")).get(f"/api/v1/quarantine/sites/{site.pk}/rooms").status_code == 404


def test_api_places_with_201_and_answers_409_when_the_room_is_taken(world: Any) -> None:
    site = make_site(world.hq, world.A.street, rooms=1)
    make_measure(world.hq, world.A.person)
    other = make_measure(world.hq, make_person(world.A.household, name="室友", seq=401))
    client = api(world.user(Role.SITE_STAFF, "A"))
    target = room(site, "101").pk
    created = client.post(
        "/api/v1/quarantine/placements", {"person_id": world.A.person.pk, "room_id": target}, "application/json"
    )
    assert created.status_code == 201
    assert created.json()["room"] == "101"
    again = client.post(
        "/api/v1/quarantine/placements", {"person_id": world.A.person.pk, "room_id": target}, "application/json"
    )
    assert again.status_code == 409
    assert "already placed" in again.json()["message"]
    taken = client.post(
        "/api/v1/quarantine/placements", {"person_id": other.person_id, "room_id": target}, "application/json"
    )
    assert taken.status_code == 409
    assert "no longer free" in taken.json()["message"] or "another household" not in taken.json()["message"]


def test_api_release_answers_409_with_the_unmet_conditions_then_200(world: Any) -> None:
    site = make_site(world.hq, world.A.street, rooms=1)
    measure = make_measure(world.hq, world.A.person)
    client = api(world.hq)
    placement = client.post(
        "/api/v1/quarantine/placements",
        {"person_id": world.A.person.pk, "room_id": room(site, "101").pk},
        "application/json",
    ).json()
    refused = client.post(f"/api/v1/quarantine/placements/{placement['id']}/release", {}, "application/json")
    assert refused.status_code == 409
    assert any(measure.ends_on.isoformat() in e for e in refused.json()["errors"]["__all__"])
    MeasureTest.objects.filter(measure=measure).delete()
    released = client.post(
        f"/api/v1/quarantine/placements/{placement['id']}/release",
        {"early_reason": "转院治疗后解除"},
        "application/json",
    )
    assert released.status_code == 200
    assert released.json()["certificate_url"].endswith(f"/quarantine/verify/{released.json()['certificate_code']}/")
    assert Placement.objects.get(pk=placement["id"]).ended_at is not None
    assert timezone.localdate() <= measure.ends_on


def test_the_test_result_has_no_preselected_outcome_and_an_empty_one_records_nothing(world: Any) -> None:
    """One careless click must not record a negative (issue 16 B15)."""
    import re

    measure = make_measure(world.hq, world.A.person)
    due = measure.tests.filter(due_on__lte=timezone.localdate()).first()
    assert due is not None, "the protocol has a test due on the first day"
    client = client_for(world.hq)
    html = client.get(reverse("quarantine:measure_detail", args=[measure.pk])).content.decode()
    select = re.search(r'<select[^>]*name="outcome"[^>]*>(.*?)</select>', html, re.S)
    assert select is not None
    assert " required" in select.group(0)
    options = re.findall(r"<option([^>]*)>", select.group(1))
    assert options[0].startswith(' value=""')
    assert "selected" in options[0]
    assert all("selected" not in o for o in options[1:])

    response = client.post(
        reverse("quarantine:measure_test", args=[measure.pk]),
        {"due_on": due.due_on.isoformat(), "sampled_on": due.due_on.isoformat(), "outcome": ""},
        follow=True,
    )
    due.refresh_from_db()
    assert due.outcome == ""
    assert "This field is required" in response.content.decode()
