from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.utils import timezone

from fangkong.accounts.models import Role
from fangkong.api.testing import bearer_client
from fangkong.conftest import World
from fangkong.monitoring.models import HealthAlert, HealthReport
from fangkong.monitoring.tests.factories import home_measure, report
from fangkong.transfers.models import TransferTask

pytestmark = pytest.mark.django_db


def post_json(client: Any, url: str, data: object) -> Any:
    return client.post(url, json.dumps(data), content_type="application/json")


def yesterday() -> str:
    return (timezone.localdate() - dt.timedelta(days=1)).isoformat()


def test_staff_report_is_created_with_its_alerts(world: World) -> None:
    measure = home_measure(world, days_ago=2)
    client = bearer_client(world.user(Role.SITE_STAFF, "A"))
    body = {"measure_id": measure.pk, "date": yesterday(), "slot": "afternoon", "temperature": 38.2, "symptoms": []}

    response = post_json(client, "/api/v1/monitoring/reports", body)

    assert response.status_code == 201, response.content
    out = response.json()
    assert (out["temperature"], out["source"], out["slot"]) == ("38.2", "care_team", "afternoon")
    assert [(a["kind"], a["urgency"]) for a in out["alerts"]] == [("fever", "urgent")]
    assert TransferTask.objects.filter(kind="to_hospital", passengers__measure=measure).count() == 1


def test_a_second_report_for_the_slot_is_409(world: World) -> None:
    measure = home_measure(world, days_ago=2)
    client = bearer_client(world.user(Role.GRID_WORKER, "A"))
    body = {"measure_id": measure.pk, "date": yesterday(), "slot": "morning", "temperature": "36.5"}
    assert post_json(client, "/api/v1/monitoring/reports", body).status_code == 201
    again = post_json(client, "/api/v1/monitoring/reports", body | {"temperature": "36.9"})
    assert again.status_code == 409
    assert "already exists" in again.json()["message"]
    assert HealthReport.objects.count() == 1


@pytest.mark.parametrize("temperature", [25, 43.5, "hot"])
def test_a_temperature_outside_the_human_range_is_422(world: World, temperature: Any) -> None:
    measure = home_measure(world, days_ago=2)
    client = bearer_client(world.user(Role.GRID_WORKER, "A"))
    body = {"measure_id": measure.pk, "date": yesterday(), "slot": "morning", "temperature": temperature}
    response = post_json(client, "/api/v1/monitoring/reports", body)
    assert response.status_code == 422
    assert "temperature" in response.json()["errors"]
    assert not HealthReport.objects.exists()


def test_a_measure_of_another_jurisdiction_is_404(world: World) -> None:
    measure = home_measure(world, "B", days_ago=2)
    client = bearer_client(world.user(Role.SITE_STAFF, "A"))
    body = {"measure_id": measure.pk, "date": yesterday(), "slot": "morning", "temperature": 36.5}
    assert post_json(client, "/api/v1/monitoring/reports", body).status_code == 404
    assert not HealthReport.objects.exists()


def test_inspector_cannot_enter_reports(world: World) -> None:
    measure = home_measure(world, days_ago=2)
    body = {"measure_id": measure.pk, "date": yesterday(), "slot": "morning", "temperature": 36.5}
    assert (
        post_json(bearer_client(world.user(Role.INSPECTOR, "A")), "/api/v1/monitoring/reports", body).status_code == 403
    )


def test_alert_list_is_scoped_and_filtered(world: World) -> None:
    mine, theirs = home_measure(world), home_measure(world, "B")
    report(world.hq, mine, temperature="38.5", symptoms=["cough"])
    report(world.hq, theirs, temperature="38.5")
    client = bearer_client(world.user(Role.COMMUNITY_WORKER, "A"))

    body = client.get("/api/v1/monitoring/alerts/").json()
    assert body["count"] == 2
    assert {a["measure_id"] for a in body["items"]} == {mine.pk}
    fever = client.get("/api/v1/monitoring/alerts/?kind=fever").json()
    assert [a["kind"] for a in fever["items"]] == ["fever"]
    assert client.get(f"/api/v1/monitoring/alerts/?measure_id={theirs.pk}").status_code == 404
    assert client.get("/api/v1/monitoring/alerts/?status=closed").json()["count"] == 0
    assert HealthAlert.objects.count() == 3
