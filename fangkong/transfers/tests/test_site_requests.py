"""The third clear for central quarantine: controlling the person asks for the run to a site, once, and the
measure and key-person pages show what is still to do, never a release button that must fail."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from fangkong.conftest import World, make_person
from fangkong.quarantine.models import Room, SiteStatus
from fangkong.quarantine.selectors import still_to_do, unmet_release_conditions
from fangkong.quarantine.services import activate_site, place_person, start_measure
from fangkong.transfers.models import TransferKind, TransferPassenger, TransferStatus, TransferTask
from fangkong.transfers.requests import request_site_transfer
from fangkong.transfers.tests.factories import make_measure, make_site, new_measure

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(user)
    return client


def test_controlling_a_close_contact_requests_one_transfer_to_the_site_of_the_next_free_room(world: World) -> None:
    site = make_site(world.hq, world.A.street)
    measure = new_measure(world)
    task = TransferTask.objects.get()
    assert (task.kind, task.status, task.to_site_id, task.vehicle_id, task.is_request) == (
        TransferKind.TO_SITE,
        TransferStatus.PLANNED,
        site.pk,
        None,
        True,
    )
    assert list(task.passengers.values_list("measure_id", "is_active")) == [(measure.pk, True)]
    assert task.place_path == measure.place_path


def test_asking_again_or_retrying_the_control_adds_no_second_transfer(world: World) -> None:
    make_site(world.hq, world.A.street)
    measure = new_measure(world)
    first = TransferTask.objects.get()
    assert request_site_transfer(actor=world.hq, measure=measure) == first
    start_measure(actor=world.hq, key_person=measure.key_person)  # a retried "controlled"
    assert TransferTask.objects.count() == 1
    assert TransferPassenger.objects.filter(person_id=measure.person_id).count() == 1


def test_a_home_quarantine_measure_asks_for_no_transfer(world: World) -> None:
    make_site(world.hq, world.A.street)
    make_measure(world.hq, make_person(world.A.household, name="次密接", seq=901), category="secondary_contact")
    assert not TransferTask.objects.exists()


def test_without_a_free_room_the_measure_waits_and_asks_once_a_site_opens(world: World) -> None:
    reserve = make_site(world.hq, world.A.street, status=SiteStatus.RESERVE)
    measure = new_measure(world)
    assert not TransferTask.objects.exists()
    [todo] = still_to_do(measure, world.hq)
    assert "no site in use has a free room" in todo.text
    page = client_for(world.hq).get(f"/quarantine/measures/{measure.pk}/").content.decode()
    assert "Waiting for a room" in page

    activate_site(actor=world.hq, site=reserve)
    [todo] = still_to_do(measure, world.hq)
    assert todo.action_url == f"/transfers/measure/{measure.pk}/request-site/"
    client_for(world.hq).post(todo.action_url)
    client_for(world.hq).post(todo.action_url)  # a double click
    task = TransferTask.objects.get()
    assert task.to_site_id == reserve.pk
    [todo] = still_to_do(measure, world.hq)
    assert f"Transfer task #{task.pk}" in todo.text
    assert todo.url == f"/transfers/{task.pk}/"


def test_placing_the_person_directly_withdraws_the_request(world: World) -> None:
    site = make_site(world.hq, world.A.street)
    measure = new_measure(world)
    task = TransferTask.objects.get()
    place_person(actor=world.hq, measure=measure, room=Room.objects.filter(site=site).order_by("id")[0])
    task.refresh_from_db()
    assert task.status == TransferStatus.CANCELLED
    assert not TransferPassenger.objects.filter(person_id=measure.person_id, is_active=True).exists()
    assert not any("transfer task" in u for u in unmet_release_conditions(measure, waive_end_date=True))
    measure.refresh_from_db()
    assert still_to_do(measure, world.hq) == []


def test_the_measure_page_shows_the_transfer_still_to_do_and_no_release_button_that_would_fail(
    world: World,
) -> None:
    make_site(world.hq, world.A.street)
    measure = new_measure(world)
    task = TransferTask.objects.get()
    page = client_for(world.hq).get(f"/quarantine/measures/{measure.pk}/").content.decode()
    assert f"Transfer task #{task.pk}" in page
    assert 'id="release-button"' not in page
    assert 'id="release-unavailable"' in page


def test_the_key_person_page_offers_no_released_step_while_a_measure_holds_the_person(world: World) -> None:
    make_site(world.hq, world.A.street)
    measure = new_measure(world)
    page = client_for(world.hq).get(f"/screening/{measure.key_person_id}/").content.decode()
    assert 'name="to" value="released"' not in page
    assert 'id="release-note"' in page
    assert f"/quarantine/measures/{measure.pk}/" in page


def test_a_hospital_transfer_calls_off_the_request_to_a_site(world: World) -> None:
    from fangkong.transfers.services import request_hospital_transfer

    make_site(world.hq, world.A.street)
    measure = new_measure(world)
    request = TransferTask.objects.get()
    hospital = request_hospital_transfer(actor=None, measure=measure, reason="发热")
    request.refresh_from_db()
    assert request.status == TransferStatus.CANCELLED
    assert list(TransferPassenger.objects.filter(is_active=True).values_list("task_id", flat=True)) == [hospital.pk]
