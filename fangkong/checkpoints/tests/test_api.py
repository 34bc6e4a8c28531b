from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from fangkong.accounts.models import Role
from fangkong.api.testing import bearer_client
from fangkong.audit.models import AuditEvent
from fangkong.checkpoints.models import Registration
from fangkong.checkpoints.tests.factories import make_checkpoint, pass_gate


def post_json(client: Any, url: str, data: object) -> Any:
    return client.post(url, json.dumps(data), content_type="application/json")


@pytest.fixture
def gate_a(world: Any) -> Any:
    return make_checkpoint(world.hq, world.A.community, name="A东门")


@pytest.fixture
def gate_b(world: Any) -> Any:
    return make_checkpoint(world.hq, world.B.community, name="B西门", type="traffic")


def item(checkpoint: Any, **values: Any) -> dict[str, Any]:
    body = {
        "client_id": str(uuid.uuid4()),
        "checkpoint_id": checkpoint.pk,
        "direction": "in",
        "temperature": 36.5,
        "health_code": "green",
        "occurred_at": timezone.now().isoformat(),
    }
    return body | values


def test_checkpoint_list_is_scoped_with_the_published_keys(world: Any, gate_a: Any, gate_b: Any) -> None:
    body = bearer_client(world.user(Role.CHECKPOINT_STAFF, "A")).get("/api/v1/checkpoints/").json()
    assert body["count"] == 1
    assert body["items"] == [
        {"id": gate_a.pk, "name": "A东门", "type": "community_gate", "place_id": world.A.community.pk, "status": "open"}
    ]
    everything = bearer_client(world.hq).get("/api/v1/checkpoints/?type=traffic").json()
    assert [c["id"] for c in everything["items"]] == [gate_b.pk]


def test_batch_stores_good_items_and_answers_bad_ones_with_reasons(world: Any, gate_a: Any, gate_b: Any) -> None:
    client = bearer_client(world.user(Role.CHECKPOINT_STAFF, "A"))
    person = world.A.person
    good = item(gate_a, document_type="resident_id", document_number=person.document_number, name=person.name)
    fever = item(gate_a, phone=person.phone, temperature=38.2)
    cold = item(gate_a, phone=person.phone, temperature=20)
    other_side = item(gate_b, phone=person.phone)
    response = post_json(client, "/api/v1/registrations/batch", {"items": [good, fever, cold, other_side]})
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["created", "created", "rejected", "rejected"]
    assert results[0]["alert"] is None
    assert results[1]["alert"]["next_step"] == "fever_clinic"
    assert results[1]["alert"]["reasons"] == ["fever"]
    assert results[1]["alert"]["key_person_id"] is not None
    assert "35.0-42.0" in results[2]["errors"]["temperature"][0]
    assert results[3]["errors"] == {"checkpoint_id": ["No such checkpoint in your jurisdiction."]}
    assert Registration.objects.count() == 2


def test_a_replayed_batch_is_all_duplicates_and_stores_nothing_twice(world: Any, gate_a: Any) -> None:
    client = bearer_client(world.user(Role.CHECKPOINT_STAFF, "A"))
    items = [item(gate_a, phone=world.A.person.phone) for _ in range(3)]
    post_json(client, "/api/v1/registrations/batch", {"items": items})
    again = post_json(client, "/api/v1/registrations/batch", {"items": items}).json()["results"]
    assert {r["status"] for r in again} == {"duplicate"}
    assert Registration.objects.count() == 3


def test_a_batch_over_1000_items_or_without_items_is_refused(world: Any, gate_a: Any) -> None:
    client = bearer_client(world.hq)
    too_many = post_json(client, "/api/v1/registrations/batch", {"items": [item(gate_a)] * 1001})
    assert too_many.status_code == 422
    assert "items" in too_many.json()["errors"]
    assert post_json(client, "/api/v1/registrations/batch", {"items": []}).status_code == 422
    assert not Registration.objects.exists()


def test_roles_without_registration_rights_are_refused(world: Any, gate_a: Any) -> None:
    client = bearer_client(world.user(Role.VIEWER, "A"))
    response = post_json(client, "/api/v1/registrations/batch", {"items": [item(gate_a, phone=world.A.person.phone)]})
    assert response.status_code == 403
    assert set(response.json()) == {"message"}


def test_colocated_by_person_lists_who_passed_within_the_margin(world: Any, gate_a: Any) -> None:
    staff = world.user(Role.CHECKPOINT_STAFF, "A")
    t = timezone.now() - dt.timedelta(hours=3)
    own = pass_gate(staff, gate_a, phone=world.A.person.phone, occurred_at=t.isoformat())
    pass_gate(staff, gate_a, phone=world.A.person.phone, occurred_at=(t + dt.timedelta(minutes=40)).isoformat())
    near = pass_gate(
        staff, gate_a, phone="13912345678", name="同行者", occurred_at=(t + dt.timedelta(minutes=20)).isoformat()
    )
    pass_gate(staff, gate_a, phone="13912345679", name="远者", occurred_at=(t + dt.timedelta(minutes=90)).isoformat())
    client = bearer_client(world.hq)
    query = {
        "person_id": world.A.person.pk,
        "from": (t - dt.timedelta(days=1)).isoformat(),
        "to": timezone.now().isoformat(),
        "margin_minutes": 30,
    }
    response = client.get("/api/v1/registrations/colocated", query)
    assert response.status_code == 200
    body = response.json()
    assert [i["registration_id"] for i in body["items"]] == [near.registration.pk]
    # Near both of the person's passages: the earlier one is named.
    assert body["items"][0]["matched_registration_id"] == own.registration.pk
    assert body["items"][0]["phone"] == "139****5678"
    assert AuditEvent.objects.filter(action="search", object_type="checkpoints.registration").count() == 1
    wider = client.get("/api/v1/registrations/colocated", query | {"margin_minutes": 120}).json()
    assert wider["count"] == 2


def test_colocated_by_checkpoint_and_out_of_jurisdiction_is_not_found(world: Any, gate_a: Any) -> None:
    staff = world.user(Role.CHECKPOINT_STAFF, "A")
    t = timezone.now() - dt.timedelta(hours=1)
    pass_gate(staff, gate_a, phone=world.A.person.phone, occurred_at=t.isoformat())
    window = {"from": (t - dt.timedelta(hours=1)).isoformat(), "to": (t + dt.timedelta(hours=1)).isoformat()}
    mine = bearer_client(world.user(Role.COMMUNITY_WORKER, "A")).get(
        "/api/v1/registrations/colocated", window | {"checkpoint_id": gate_a.pk}
    )
    assert mine.json()["count"] == 1
    theirs = bearer_client(world.user(Role.COMMUNITY_WORKER, "B")).get(
        "/api/v1/registrations/colocated", window | {"checkpoint_id": gate_a.pk}
    )
    assert theirs.status_code == 404
    assert world.A.person.phone not in theirs.content.decode()


def test_colocated_rejects_a_backwards_or_too_wide_window(world: Any, gate_a: Any) -> None:
    client = bearer_client(world.hq)
    now = timezone.now()
    backwards = client.get(
        "/api/v1/registrations/colocated",
        {"checkpoint_id": gate_a.pk, "from": now.isoformat(), "to": (now - dt.timedelta(hours=1)).isoformat()},
    )
    assert backwards.status_code == 422
    assert "to" in backwards.json()["errors"]
    both = client.get(
        "/api/v1/registrations/colocated",
        {
            "checkpoint_id": gate_a.pk,
            "person_id": world.A.person.pk,
            "from": (now - dt.timedelta(hours=1)).isoformat(),
            "to": now.isoformat(),
        },
    )
    assert both.status_code == 422


def test_the_same_client_id_twice_in_one_batch_is_stored_once(world: Any, gate_a: Any) -> None:
    client = bearer_client(world.user(Role.CHECKPOINT_STAFF, "A"))
    twice = item(gate_a, phone=world.A.person.phone)
    results = post_json(client, "/api/v1/registrations/batch", {"items": [twice, twice]}).json()["results"]
    assert [r["status"] for r in results] == ["created", "duplicate"]
    assert Registration.objects.get().person == world.A.person


def test_the_gate_pages_queue_marks_its_registrations_as_made_at_the_gate(world: Any, gate_a: Any) -> None:
    client = bearer_client(world.user(Role.CHECKPOINT_STAFF, "A"))
    body = {"items": [item(gate_a, phone=world.A.person.phone)], "source": "gate"}
    assert post_json(client, "/api/v1/registrations/batch", body).json()["results"][0]["status"] == "created"
    assert Registration.objects.get().source == "gate"
    bogus = post_json(client, "/api/v1/registrations/batch", body | {"source": "admin"})
    assert bogus.status_code == 422


def test_a_passage_dated_year_10000_in_utc_is_refused_and_the_lists_still_render(world: Any, gate_a: Any) -> None:
    client = bearer_client(world.user(Role.CHECKPOINT_STAFF, "A"))
    phone = world.A.person.phone
    far = item(gate_a, phone=phone, occurred_at="9999-12-31T23:59:59-10:00")
    ancient = item(gate_a, phone=phone, occurred_at="0001-01-01T00:00:00+14:00")
    ahead = item(gate_a, phone=phone, occurred_at=(timezone.now() + dt.timedelta(days=3)).isoformat())
    good = item(gate_a, phone=phone)
    response = post_json(client, "/api/v1/registrations/batch", {"items": [far, ancient, ahead, good]})
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["rejected", "rejected", "rejected", "created"]
    assert "after 2100-12-31" in results[0]["errors"]["occurred_at"][0]
    assert "before 1900-01-01" in results[1]["errors"]["occurred_at"][0]
    assert "more than a day in the future" in results[2]["errors"]["occurred_at"][0]
    assert Registration.objects.count() == 1
    pages = Client()
    pages.force_login(world.hq)
    assert pages.get("/checkpoints/registrations/").status_code == 200
    assert pages.get("/checkpoints/registrations/export/").status_code == 200


@pytest.mark.parametrize("bound", ["0001-01-01T00:00:00", "9999-12-31T23:59:59"])
def test_colocation_window_at_the_calendar_ends_is_a_422_naming_the_field(world: Any, gate_a: Any, bound: str) -> None:
    client = bearer_client(world.hq)
    other = "2026-01-01T00:00:00"
    since, until = (bound, other) if bound.startswith("0001") else (other, bound)
    response = client.get("/api/v1/registrations/colocated", {"from": since, "to": until, "checkpoint_id": gate_a.pk})
    assert response.status_code == 422
    assert ("from" if bound.startswith("0001") else "to") in json.dumps(response.json())


def test_a_temperature_that_is_not_a_number_rejects_its_item_and_keeps_the_others(world: Any, gate_a: Any) -> None:
    client = bearer_client(world.user(Role.CHECKPOINT_STAFF, "A"))
    phone = world.A.person.phone
    bad = [item(gate_a, phone=phone, temperature=value) for value in ("NaN", "nan", "sNaN", "inf", "-Infinity")]
    good = item(gate_a, phone=phone)
    # JSON's NaN and Infinity (Python's json writes and reads them) as well as the strings.
    body = json.dumps({"items": [*bad, good, item(gate_a, phone=phone, temperature=float("nan"))]})
    response = client.post("/api/v1/registrations/batch", body, content_type="application/json")
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["rejected"] * 5 + ["created", "rejected"]
    for result in results[:5] + results[6:]:
        assert result["errors"] == {"temperature": ["The temperature is a number in °C, e.g. 36.5."]}
    assert list(Registration.objects.values_list("client_id", flat=True)) == [uuid.UUID(good["client_id"])]
