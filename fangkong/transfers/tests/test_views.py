"""Transfer pages: lists with filters and export, the task page and its actions, the vehicle pool."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest
from django.test import Client

from fangkong.accounts.models import Role
from fangkong.audit.models import AuditAction, AuditEvent
from fangkong.conftest import World
from fangkong.core.masking import mask_document
from fangkong.quarantine.models import Placement
from fangkong.transfers.models import TransferStatus, TransferTask, Vehicle, VehicleStatus
from fangkong.transfers.tests.factories import make_site, make_task, make_vehicle, new_measure

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(user)
    return client


@pytest.fixture
def staff_a(world: World) -> Any:
    return world.user(Role.SITE_STAFF, "A")


@pytest.fixture
def task_a(world: World) -> TransferTask:
    site = make_site(world.hq, world.A.street, name="A隔离酒店")
    measure = new_measure(world, name="王五")
    return make_task(world.hq, [measure], vehicle=make_vehicle(world.hq, world.A.street, plate="豫C11111"), site=site)


def test_task_list_shows_own_tasks_and_filters_by_status(world: World, task_a: TransferTask) -> None:
    client = client_for(world.user(Role.COMMUNITY_WORKER, "A"))
    page = client.get("/transfers/").content.decode()
    assert f"#{task_a.pk}" in page
    assert "豫C11111" in page
    assert f"#{task_a.pk}" not in client.get("/transfers/?status=arrived").content.decode()


def test_other_jurisdiction_sees_no_task_and_gets_404_on_it(world: World, task_a: TransferTask) -> None:
    client = client_for(world.user(Role.SITE_STAFF, "B"))
    assert f"#{task_a.pk}" not in client.get("/transfers/").content.decode()
    assert client.get(f"/transfers/{task_a.pk}/").status_code == 404
    assert client.post(f"/transfers/{task_a.pk}/depart/").status_code == 404
    task_a.refresh_from_db()
    assert task_a.status == TransferStatus.PLANNED


def test_task_page_shows_passengers_with_masked_documents(world: World, task_a: TransferTask) -> None:
    person = task_a.passengers.get().person
    page = client_for(world.user(Role.GRID_WORKER, "A")).get(f"/transfers/{task_a.pk}/").content.decode()
    assert "王五" in page
    assert mask_document(person.document_number) in page
    assert person.document_number not in page
    assert person.phone not in page
    # A grid worker sees the task but cannot run it.
    assert f"/transfers/{task_a.pk}/depart/" not in page


def test_grid_worker_cannot_depart_a_task(world: World, task_a: TransferTask) -> None:
    response = client_for(world.user(Role.GRID_WORKER, "A")).post(f"/transfers/{task_a.pk}/depart/")
    assert response.status_code == 403
    task_a.refresh_from_db()
    assert task_a.status == TransferStatus.PLANNED


def test_site_staff_run_a_task_through_depart_arrive_and_disinfect(
    world: World, staff_a: Any, task_a: TransferTask
) -> None:
    client = client_for(staff_a)
    assert f"/transfers/{task_a.pk}/depart/" in client.get(f"/transfers/{task_a.pk}/").content.decode()
    client.post(f"/transfers/{task_a.pk}/depart/")
    task_a.refresh_from_db()
    assert task_a.status == TransferStatus.EN_ROUTE

    response = client.post(f"/transfers/{task_a.pk}/arrive/", follow=True)
    assert "1 persons placed" in response.content.decode()
    assert Placement.objects.filter(measure=task_a.passengers.get().measure, ended_at__isnull=True).exists()
    assert Vehicle.objects.get(tasks=task_a).status == VehicleStatus.DISINFECTING

    client.post(f"/transfers/{task_a.pk}/disinfect/")
    assert Vehicle.objects.get(tasks=task_a).status == VehicleStatus.AVAILABLE


def test_arrival_time_before_departure_is_shown_as_an_error(world: World, staff_a: Any, task_a: TransferTask) -> None:
    client = client_for(staff_a)
    client.post(f"/transfers/{task_a.pk}/depart/", {"at": "2026-01-02T10:00"})
    response = client.post(f"/transfers/{task_a.pk}/arrive/", {"at": "2026-01-02T09:00"}, follow=True)
    assert "cannot be before the departure" in response.content.decode()
    task_a.refresh_from_db()
    assert task_a.status == TransferStatus.EN_ROUTE


def test_cancel_needs_a_reason(world: World, staff_a: Any, task_a: TransferTask) -> None:
    client = client_for(staff_a)
    assert client.post(f"/transfers/{task_a.pk}/cancel/", {"reason": ""}).status_code == 422
    client.post(f"/transfers/{task_a.pk}/cancel/", {"reason": "车辆故障"})
    task_a.refresh_from_db()
    assert (task_a.status, task_a.cancel_reason) == (TransferStatus.CANCELLED, "车辆故障")


def test_new_task_form_plans_a_transfer_for_persons_waiting_for_a_room(world: World, staff_a: Any) -> None:
    site = make_site(world.hq, world.A.street)
    vehicle = make_vehicle(world.hq, world.A.street, seats=2)
    waiting = [new_measure(world, name="赵一"), new_measure(world, name="钱二")]
    client = client_for(staff_a)
    form = client.get("/transfers/new/").content.decode()
    assert "赵一" in form
    assert "钱二" in form
    assert vehicle.plate in form

    response = client.post(
        "/transfers/new/",
        {
            "kind": "to_site",
            "to_site": site.pk,
            "vehicle": vehicle.pk,
            "planned_at": "2026-11-02T10:00",
            "measures": [m.pk for m in waiting],
            "driver_name": "王师傅",
            "driver_phone": "13700000001",
        },
    )
    task = TransferTask.objects.get(is_request=False)
    assert response.status_code == 302
    assert response["Location"] == f"/transfers/{task.pk}/"
    # The requests made when they were controlled gave way to the planned run.
    assert set(TransferTask.objects.filter(is_request=True).values_list("status", flat=True)) == {"cancelled"}
    assert sorted(task.passengers.values_list("measure_id", flat=True)) == sorted(m.pk for m in waiting)
    assert list(task.crew.values_list("role", "name")) == [("driver", "王师傅")]
    # Once on a task, a person is no longer offered for another one.
    assert "赵一" not in client.get("/transfers/new/").content.decode()


def test_new_task_form_refuses_more_persons_than_seats(world: World, staff_a: Any) -> None:
    site = make_site(world.hq, world.A.street)
    vehicle = make_vehicle(world.hq, world.A.street, seats=1)
    measures = [new_measure(world), new_measure(world)]
    response = client_for(staff_a).post(
        "/transfers/new/",
        {
            "kind": "to_site",
            "to_site": site.pk,
            "vehicle": vehicle.pk,
            "planned_at": "2026-11-02T10:00",
            "measures": [m.pk for m in measures],
        },
    )
    assert response.status_code == 200
    assert "has 1 passenger seats; 2 persons cannot ride" in response.content.decode()
    assert not TransferTask.objects.filter(is_request=False).exists()  # a request per measure aside


def test_new_task_form_does_not_offer_another_jurisdictions_persons(world: World) -> None:
    new_measure(world, "A", name="孙三")
    form = client_for(world.user(Role.SITE_STAFF, "B")).get("/transfers/new/").content.decode()
    assert "孙三" not in form


def test_adding_a_passenger_beyond_the_seats_shows_the_refusal(world: World, staff_a: Any) -> None:
    site = make_site(world.hq, world.A.street)
    task = make_task(world.hq, [new_measure(world)], vehicle=make_vehicle(world.hq, world.A.street, seats=1), site=site)
    extra = new_measure(world)
    response = client_for(staff_a).post(f"/transfers/{task.pk}/passengers/", {"measure": extra.pk}, follow=True)
    assert "1 passenger seats" in response.content.decode()
    assert task.passengers.count() == 1


def test_export_lists_tasks_with_masked_passengers_and_is_audited(
    world: World, staff_a: Any, task_a: TransferTask
) -> None:
    person = task_a.passengers.get().person
    response = client_for(staff_a).get("/transfers/export/")
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)  # type: ignore[attr-defined]
    cells = [str(v) for row in wb.active.iter_rows(values_only=True) for v in row if v is not None]
    assert str(task_a.pk) in cells
    assert any(mask_document(person.document_number) in c for c in cells)
    assert not any(person.document_number in c for c in cells)
    assert AuditEvent.objects.filter(actor=staff_a, action=AuditAction.EXPORT).exists()
    other = client_for(world.user(Role.SITE_STAFF, "B")).get("/transfers/export/")
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(other.streaming_content)), read_only=True)  # type: ignore[attr-defined]
    assert wb.active.max_row == 1


def test_vehicle_pool_is_scoped_and_only_hq_registers_vehicles(world: World, staff_a: Any) -> None:
    make_vehicle(world.hq, world.A.street, plate="豫C22222")
    make_vehicle(world.hq, world.B.street, plate="豫C33333")
    page = client_for(staff_a).get("/transfers/vehicles/").content.decode()
    assert "豫C22222" in page
    assert "豫C33333" not in page
    assert client_for(staff_a).get("/transfers/vehicles/new/").status_code == 403

    response = client_for(world.hq).post(
        "/transfers/vehicles/new/", {"plate": "豫c·44444", "kind": "bus", "seats": 30, "place": world.A.street.pk}
    )
    assert response.status_code == 302
    assert Vehicle.objects.get(plate="豫C44444").seats == 30


def test_vehicle_form_shows_a_bad_plate_and_zero_seats(world: World) -> None:
    client = client_for(world.hq)
    bad_plate = {"plate": "ABC123", "kind": "van", "seats": 4, "place": world.A.street.pk}
    assert "is not a mainland plate such as" in client.post("/transfers/vehicles/new/", bad_plate).content.decode()
    no_seats = {"plate": "豫C12345", "kind": "van", "seats": 0, "place": world.A.street.pk}
    assert "greater than or equal to 1" in client.post("/transfers/vehicles/new/", no_seats).content.decode()
    assert not Vehicle.objects.exists()


def test_site_staff_put_a_vehicle_out_of_service(world: World, staff_a: Any) -> None:
    vehicle = make_vehicle(world.hq, world.A.street)
    data = {"plate": vehicle.plate, "kind": "van", "seats": 4, "place": world.A.street.pk, "status": "out_of_service"}
    assert (
        client_for(world.user(Role.SITE_STAFF, "B")).post(f"/transfers/vehicles/{vehicle.pk}/", data).status_code == 404
    )
    assert (
        client_for(world.user(Role.STREET_ADMIN, "A")).post(f"/transfers/vehicles/{vehicle.pk}/", data).status_code
        == 403
    )
    client_for(staff_a).post(f"/transfers/vehicles/{vehicle.pk}/", data)
    vehicle.refresh_from_db()
    assert vehicle.status == VehicleStatus.OUT_OF_SERVICE
