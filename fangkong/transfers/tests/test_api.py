"""The transfers API: scoped lists, planning with 409 for seats and double booking, the run."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.utils import timezone

from fangkong.accounts.models import Role
from fangkong.api.testing import bearer_client
from fangkong.conftest import World
from fangkong.core.masking import mask_document
from fangkong.quarantine.models import Placement
from fangkong.transfers.models import TransferStatus, TransferTask, Vehicle, VehicleStatus
from fangkong.transfers.tests.factories import make_site, make_task, make_vehicle, new_measure

pytestmark = pytest.mark.django_db
BASE = "/api/v1/transfers"


def post_json(client: Any, url: str, data: object | None = None) -> Any:
    if data is None:
        return client.post(url, "", content_type="application/json")
    return client.post(url, json.dumps(data), content_type="application/json")


def body(measures: list[Any], **extra: Any) -> dict[str, Any]:
    return {
        "kind": "to_site",
        "measure_ids": [m.pk for m in measures],
        "planned_at": (timezone.now() + dt.timedelta(hours=1)).isoformat(),
        "crew": [{"role": "driver", "name": "王师傅", "phone": "13700000001"}],
        **extra,
    }


@pytest.fixture
def staff_a(world: World) -> Any:
    return bearer_client(world.user(Role.SITE_STAFF, "A"))


def test_vehicle_list_is_scoped(world: World) -> None:
    make_vehicle(world.hq, world.A.street, plate="豫C22222")
    make_vehicle(world.hq, world.B.street, plate="豫C33333")
    data = bearer_client(world.user(Role.SITE_STAFF, "A")).get(f"{BASE}/vehicles/").json()
    assert [v["plate"] for v in data["items"]] == ["豫C22222"]
    assert data["count"] == 1


def test_plan_a_task_and_read_it_back(world: World, staff_a: Any) -> None:
    site = make_site(world.hq, world.A.street)
    vehicle = make_vehicle(world.hq, world.A.street)
    measure = new_measure(world, name="周四")
    response = post_json(staff_a, f"{BASE}/tasks/", body([measure], to_site_id=site.pk, vehicle_id=vehicle.pk))
    assert response.status_code == 201, response.content
    task = response.json()
    assert (task["status"], task["vehicle_id"], task["to_site_id"], task["passenger_count"]) == (
        "planned",
        vehicle.pk,
        site.pk,
        1,
    )
    passenger = task["passengers"][0]
    assert (passenger["name"], passenger["document_number"]) == (
        "周四",
        mask_document(measure.person.document_number),
    )
    assert task["crew"][0]["phone"] == "137****0001"
    again = staff_a.get(f"{BASE}/tasks/{task['id']}").json()
    assert again["id"] == task["id"]
    listed = staff_a.get(f"{BASE}/tasks/?status=planned").json()
    assert [t["id"] for t in listed["items"]] == [task["id"]]


def test_seat_overflow_is_a_409_with_a_clear_message(world: World, staff_a: Any) -> None:
    site = make_site(world.hq, world.A.street)
    vehicle = make_vehicle(world.hq, world.A.street, seats=1)
    response = post_json(
        staff_a,
        f"{BASE}/tasks/",
        body([new_measure(world), new_measure(world)], to_site_id=site.pk, vehicle_id=vehicle.pk),
    )
    assert response.status_code == 409
    assert response.json()["message"] == f"Vehicle {vehicle.plate} has 1 passenger seats; 2 persons cannot ride in it."
    assert not TransferTask.objects.filter(is_request=False).exists()  # a request per measure aside


def test_double_booking_of_a_person_is_a_409(world: World, staff_a: Any) -> None:
    site = make_site(world.hq, world.A.street)
    measure = new_measure(world)
    first = make_task(world.hq, [measure], site=site)
    response = post_json(staff_a, f"{BASE}/tasks/", body([measure], to_site_id=site.pk))
    assert response.status_code == 409
    assert f"already on transfer task #{first.pk}" in response.json()["message"]


def test_double_booking_of_a_vehicle_is_a_409(world: World, staff_a: Any) -> None:
    site = make_site(world.hq, world.A.street)
    vehicle = make_vehicle(world.hq, world.A.street)
    make_task(world.hq, [new_measure(world)], site=site, vehicle=vehicle)
    response = post_json(
        staff_a, f"{BASE}/tasks/", body([new_measure(world)], to_site_id=site.pk, vehicle_id=vehicle.pk)
    )
    assert response.status_code == 409
    assert "already booked" in response.json()["message"]


def test_a_measure_of_another_jurisdiction_is_refused(world: World) -> None:
    site = make_site(world.hq, world.B.street)
    response = post_json(
        bearer_client(world.user(Role.SITE_STAFF, "B")),
        f"{BASE}/tasks/",
        body([new_measure(world, "A")], to_site_id=site.pk),
    )
    assert response.status_code == 422
    assert "measure_ids" in response.json()["errors"]
    assert not TransferTask.objects.filter(is_request=False).exists()  # a request per measure aside


def test_a_grid_worker_cannot_plan_a_task(world: World) -> None:
    response = post_json(bearer_client(world.user(Role.GRID_WORKER, "A")), f"{BASE}/tasks/", body([new_measure(world)]))
    assert response.status_code == 403


def test_other_jurisdiction_gets_404_for_a_task(world: World) -> None:
    task = make_task(world.hq, [new_measure(world)], site=make_site(world.hq, world.A.street))
    client = bearer_client(world.user(Role.SITE_STAFF, "B"))
    assert client.get(f"{BASE}/tasks/{task.pk}").status_code == 404
    assert post_json(client, f"{BASE}/tasks/{task.pk}/depart").status_code == 404
    assert client.get(f"{BASE}/tasks/").json()["count"] == 0


def test_the_run_over_the_api(world: World, staff_a: Any) -> None:
    site = make_site(world.hq, world.A.street)
    vehicle = make_vehicle(world.hq, world.A.street)
    task = make_task(world.hq, [new_measure(world), new_measure(world)], site=site, vehicle=vehicle)

    departed = post_json(staff_a, f"{BASE}/tasks/{task.pk}/depart")
    assert departed.status_code == 200, departed.content
    assert departed.json()["status"] == "en_route"
    assert post_json(staff_a, f"{BASE}/tasks/{task.pk}/depart").status_code == 409

    arrived = post_json(staff_a, f"{BASE}/tasks/{task.pk}/arrive", {})
    assert arrived.status_code == 200, arrived.content
    assert arrived.json()["unplaced_measure_ids"] == []
    assert Placement.objects.filter(site=site, ended_at__isnull=True).count() == 2
    assert Vehicle.objects.get(pk=vehicle.pk).status == VehicleStatus.DISINFECTING

    disinfected = post_json(staff_a, f"{BASE}/tasks/{task.pk}/disinfect")
    assert disinfected.status_code == 200
    assert disinfected.json()["disinfected_at"] is not None
    assert Vehicle.objects.get(pk=vehicle.pk).status == VehicleStatus.AVAILABLE


def test_arrival_before_departure_is_a_422(world: World, staff_a: Any) -> None:
    task = make_task(
        world.hq,
        [new_measure(world)],
        site=make_site(world.hq, world.A.street),
        vehicle=make_vehicle(world.hq, world.A.street),
    )
    departed_at = timezone.now() - dt.timedelta(hours=1)
    post_json(staff_a, f"{BASE}/tasks/{task.pk}/depart", {"at": departed_at.isoformat()})
    response = post_json(
        staff_a, f"{BASE}/tasks/{task.pk}/arrive", {"at": (departed_at - dt.timedelta(minutes=5)).isoformat()}
    )
    assert response.status_code == 422
    assert "arrived_at" in response.json()["errors"]
    assert TransferTask.objects.get(pk=task.pk).status == TransferStatus.EN_ROUTE


def test_cancel_over_the_api(world: World, staff_a: Any) -> None:
    task = make_task(world.hq, [new_measure(world)], site=make_site(world.hq, world.A.street))
    response = post_json(staff_a, f"{BASE}/tasks/{task.pk}/cancel", {"reason": "改派"})
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert response.json()["passengers"][0]["is_active"] is False
