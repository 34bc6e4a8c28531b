from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.utils import timezone

from fangkong.api.testing import bearer_client
from fangkong.screening.models import KeyPerson
from fangkong.screening.tests.factories import make_key_person

ITEM_KEYS = {"id", "person_id", "category", "clear_state", "measure", "place_id", "overdue"}


def post_json(client: Any, url: str, data: object) -> Any:
    return client.post(url, json.dumps(data), content_type="application/json")


@pytest.fixture
def kp_a(world: Any) -> KeyPerson:
    return make_key_person(world.hq, world.A.person)


@pytest.fixture
def kp_b(world: Any) -> KeyPerson:
    return make_key_person(world.hq, world.B.person, category="secondary_contact")


def test_list_has_exactly_the_published_keys(world: Any, kp_a: KeyPerson, kp_b: KeyPerson) -> None:
    response = bearer_client(world.hq).get("/api/v1/key-persons/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert set(body) == {"items", "count"}
    assert all(set(item) == ITEM_KEYS for item in body["items"])
    item = next(i for i in body["items"] if i["id"] == kp_a.pk)
    assert item == {
        "id": kp_a.pk,
        "person_id": world.A.person.pk,
        "category": "close_contact",
        "clear_state": "new",
        "measure": "none",
        "place_id": world.A.grid.pk,
        "overdue": False,
    }


def test_grid_worker_of_a_sees_only_grid_a(world: Any, kp_a: KeyPerson, kp_b: KeyPerson) -> None:
    body = bearer_client(world.user("grid_worker", "A")).get("/api/v1/key-persons/").json()
    assert [i["id"] for i in body["items"]] == [kp_a.pk]
    assert body["count"] == 1


def test_list_filters_by_category_state_overdue_and_place(world: Any, kp_a: KeyPerson, kp_b: KeyPerson) -> None:
    KeyPerson.objects.filter(pk=kp_b.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    client = bearer_client(world.hq)
    assert [i["id"] for i in client.get("/api/v1/key-persons/?category=secondary_contact").json()["items"]] == [kp_b.pk]
    assert [i["id"] for i in client.get("/api/v1/key-persons/?overdue=true").json()["items"]] == [kp_b.pk]
    assert [i["id"] for i in client.get("/api/v1/key-persons/?overdue=false").json()["items"]] == [kp_a.pk]
    assert client.get("/api/v1/key-persons/?clear_state=identified").json()["count"] == 0
    url = f"/api/v1/key-persons/?place_id={world.A.street.pk}"
    assert [i["id"] for i in client.get(url).json()["items"]] == [kp_a.pk]
    assert client.get("/api/v1/key-persons/?limit=1&offset=1").json()["count"] == 2


def test_place_of_the_other_side_is_404(world: Any, kp_a: KeyPerson) -> None:
    response = bearer_client(world.user("grid_worker", "A")).get(f"/api/v1/key-persons/?place_id={world.B.grid.pk}")
    assert response.status_code == 404


def test_transition_returns_the_updated_record(world: Any, kp_a: KeyPerson) -> None:
    client = bearer_client(world.user("grid_worker", "A"))
    response = post_json(client, f"/api/v1/key-persons/{kp_a.pk}/transition", {"to": "identified", "note": "电话联系"})
    assert response.status_code == 200
    assert response.json()["clear_state"] == "identified"
    kp_a.refresh_from_db()
    assert kp_a.identified_by == world.user("grid_worker", "A")
    assert kp_a.identified_at is not None


def test_new_to_controlled_is_409(world: Any, kp_a: KeyPerson) -> None:
    response = post_json(bearer_client(world.hq), f"/api/v1/key-persons/{kp_a.pk}/transition", {"to": "controlled"})
    assert response.status_code == 409
    assert "cannot become" in response.json()["message"]
    kp_a.refresh_from_db()
    assert kp_a.clear_state == "new"


def test_controlled_starts_the_measure_of_the_category(world: Any, kp_a: KeyPerson) -> None:
    client = bearer_client(world.hq)
    for step in ("identified", "verified", "controlled"):
        response = post_json(client, f"/api/v1/key-persons/{kp_a.pk}/transition", {"to": step})
        assert response.status_code == 200, response.json()
    assert response.json()["measure"] == "central_quarantine"
    kp_a.refresh_from_db()
    assert [p["days"] for p in kp_a.schedule] == [7, 3]


def test_a_stale_version_is_409_and_changes_nothing(world: Any, kp_a: KeyPerson) -> None:
    client = bearer_client(world.hq)
    url = f"/api/v1/key-persons/{kp_a.pk}/transition"
    assert post_json(client, url, {"to": "identified", "version": kp_a.version}).status_code == 200
    response = post_json(client, url, {"to": "verified", "version": kp_a.version})
    assert response.status_code == 409
    assert "Someone else changed" in response.json()["message"]


def test_transition_of_the_other_side_is_404(world: Any, kp_b: KeyPerson) -> None:
    client = bearer_client(world.user("grid_worker", "A"))
    assert post_json(client, f"/api/v1/key-persons/{kp_b.pk}/transition", {"to": "identified"}).status_code == 404


def test_unknown_target_state_is_422(world: Any, kp_a: KeyPerson) -> None:
    response = post_json(bearer_client(world.hq), f"/api/v1/key-persons/{kp_a.pk}/transition", {"to": "released"})
    assert response.status_code == 422
    assert "to" in response.json()["errors"]


def test_viewer_cannot_transition(world: Any, kp_a: KeyPerson) -> None:
    client = bearer_client(world.user("viewer", "A"))
    assert post_json(client, f"/api/v1/key-persons/{kp_a.pk}/transition", {"to": "identified"}).status_code == 403


def test_coverage_counts_per_child_place(world: Any, kp_a: KeyPerson, kp_b: KeyPerson) -> None:
    response = bearer_client(world.hq).get(f"/api/v1/screening/coverage?place_id={world.district.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["totals"]["total"] == 2
    rows = {row["place_id"]: row for row in body["children"]}
    assert rows[world.A.street.pk]["by_category"] == {"close_contact": 1}
    assert rows[world.B.street.pk]["by_clear_state"] == {"new": 1}
    assert rows[world.A.street.pk]["overdue"] == 0


def test_coverage_of_the_other_side_is_404(world: Any, kp_b: KeyPerson) -> None:
    client = bearer_client(world.user("street_admin", "A"))
    assert client.get(f"/api/v1/screening/coverage?place_id={world.B.street.pk}").status_code == 404
    body = client.get("/api/v1/screening/coverage").json()
    assert body["place_id"] == world.A.street.pk
    assert body["totals"]["total"] == 0


def test_protocols_list_both_presets_and_mark_the_active_one(world: Any) -> None:
    body = bearer_client(world.user("grid_worker", "A")).get("/api/v1/protocols/").json()
    codes = {p["code"]: p for p in body}
    assert {"covid19-2020-provincial", "covid19-9th-edition"} <= set(codes)
    assert codes["covid19-9th-edition"]["is_active"] is True
    close = next(c for c in codes["covid19-9th-edition"]["categories"] if c["code"] == "close_contact")
    assert close["measure"] == "central_quarantine"
    assert close["phases"] == [
        {"kind": "central_quarantine", "days": 7, "test_days": [1, 2, 3, 5, 7]},
        {"kind": "home_monitoring", "days": 3, "test_days": [3]},
    ]


def test_active_protocol_follows_the_district_choice(world: Any) -> None:
    from fangkong.protocols.models import Protocol
    from fangkong.protocols.services import activate_protocol

    activate_protocol(
        actor=world.hq, district=world.district, protocol=Protocol.objects.get(code="covid19-2020-provincial")
    )
    body = bearer_client(world.user("grid_worker", "B")).get("/api/v1/protocols/active").json()
    assert body["code"] == "covid19-2020-provincial"
    assert body["is_active"] is True


def test_account_without_role_gets_403(world: Any) -> None:
    assert bearer_client(world.nobody).get("/api/v1/key-persons/").status_code == 403
    assert bearer_client(world.nobody).get("/api/v1/protocols/active").status_code == 403
