"""The public forms as a leak path of the access matrix (issue 16 A1).

An attacker types another jurisdiction's resident (their phone at a venue's check-in, their ID number on a
community's self-report page) under a wrong name. The receiving community's staff then walk every page,
export and API operation the matrix knows, plus the objects the submission made: the resident's stored ID
number, phone, address and real name never appear, and the real Person row is linked to nothing.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from fangkong.accounts.models import Role
from fangkong.accounts.services import issue_token
from fangkong.checkpoints.models import Alert, Registration
from fangkong.checkpoints.tests.factories import make_checkpoint
from fangkong.checkpoints.views import check_in_token
from fangkong.conftest import World
from fangkong.core.masking import mask_address, mask_document, mask_phone
from fangkong.core.tests.test_access_matrix import Principal, api_routes, page_routes, response_text
from fangkong.people.models import Person
from fangkong.screening.models import KeyPerson, SelfReport
from fangkong.screening.selectors import self_report_token

pytestmark = pytest.mark.django_db

WRONG_NAME = "冒名者"


def _self_report_body(number: str, *, name: str = WRONG_NAME, phone: str = "13766660001") -> dict[str, Any]:
    return {
        "reporter": "resident", "name": name, "document_type": "resident_id", "document_number": number,
        "phone": phone, "came_from": "北京市朝阳区", "arrived_on": timezone.localdate().isoformat(),
    }  # fmt: skip


def _stored(person: Person, *, typed: set[str]) -> list[str]:
    """The resident's stored values (full and masked) except those the attacker typed themselves."""
    values = {
        "document": [person.document_number, mask_document(person.document_number)],
        "phone": [person.phone, mask_phone(person.phone)],
        "address": [person.address, mask_address(person.address)],
        "name": [person.name],
    }
    return [m for field, markers in values.items() if field not in typed for m in markers if m]


def _principal(world: World, role: str) -> Principal:
    user = world.user(role, "B")
    who = Principal(f"{role}@B", role, user, sees_a=False, client=Client(headers={"Accept-Language": "en"}))
    who.login()
    who.bearer = issue_token(user=user, name="leak")[1]
    return who


def _walk(who: Principal, extra_paths: list[str]) -> dict[str, str]:
    """Every parameterless page and API read, and the given object pages, as `who` sees them."""
    seen: dict[str, str] = {}
    for route in page_routes()[0] + api_routes()[0]:
        if route.method != "get" or route.has_params or route.key.startswith("admin:"):
            continue
        path = route.path(None)  # type: ignore[arg-type]
        headers = {"Authorization": f"Bearer {who.bearer}"} if route.api else {}
        response = who.client.get(path, headers=headers)
        assert response.status_code < 500, f"{path}: {response.status_code}"
        seen[path] = response_text(response)
    for path in extra_paths:
        response = who.client.get(path)
        assert response.status_code < 500, f"{path}: {response.status_code}"
        seen[path] = response_text(response)
    return seen


def _assert_nothing_leaks(world: World, markers: list[str], extra_paths: list[str]) -> None:
    for role in (Role.COMMUNITY_WORKER, Role.GRID_WORKER, Role.STREET_ADMIN, Role.CHECKPOINT_STAFF):
        who = _principal(world, role)
        for path, text in _walk(who, extra_paths).items():
            leaked = [m for m in markers if m in text]
            assert not leaked, f"{who.key} sees {leaked} of a resident of A at {path}"


def _objects_in_b(world: World) -> list[str]:
    paths = [f"/screening/self-reports/{r.pk}/" for r in SelfReport.objects.filter(place=world.B.community)]
    paths += [f"/screening/{kp.pk}/" for kp in KeyPerson.objects.filter(place_path__startswith=world.B.street.path)]
    paths += ["/checkpoints/alerts/", "/checkpoints/registrations/", "/checkpoints/registrations/export/"]
    paths += ["/screening/self-reports/", "/screening/self-reports/?open=1", "/screening/export/"]
    return paths


def test_a_self_report_with_another_areas_id_and_a_wrong_name_reveals_and_links_nothing(world: World) -> None:
    cache.clear()
    resident = world.A.person
    persons = Person.objects.count()
    url = f"/screening/report/{self_report_token(world.B.community)}/"

    response = Client().post(url, _self_report_body(resident.document_number))

    assert response.status_code == 200
    report = SelfReport.objects.get(place=world.B.community)
    assert report.key_person is None
    assert report.name == WRONG_NAME
    assert not KeyPerson.objects.filter(person=resident).exists()
    assert Person.objects.count() == persons  # an anonymous report creates no register entry
    _assert_nothing_leaks(world, _stored(resident, typed={"document"}), _objects_in_b(world))


def test_a_check_in_with_another_areas_phone_and_a_fever_reveals_and_links_nothing(world: World) -> None:
    cache.clear()
    resident = world.A.person
    persons = Person.objects.count()
    gate = make_checkpoint(world.hq, world.B.community, name="B西门")
    body = {"client_id": str(uuid.uuid4()), "name": WRONG_NAME, "lookup": resident.phone, "temperature": "37.5"}

    response = Client().post(f"/checkpoints/check-in/{check_in_token(gate)}/", body)

    assert response.status_code == 200
    registration = Registration.objects.get(checkpoint=gate)
    assert registration.person is None
    assert registration.name == WRONG_NAME
    alert = Alert.objects.get(registration=registration)  # the fever still reaches the community
    assert alert.key_person is None
    assert not KeyPerson.objects.filter(person=resident).exists()
    assert Person.objects.count() == persons
    _assert_nothing_leaks(world, _stored(resident, typed={"phone"}), _objects_in_b(world))


def test_a_check_in_with_another_areas_id_number_links_nothing(world: World) -> None:
    cache.clear()
    resident = world.A.person
    gate = make_checkpoint(world.hq, world.B.community, name="B西门")
    body = {"client_id": str(uuid.uuid4()), "name": resident.name, "lookup": resident.document_number}

    Client().post(f"/checkpoints/check-in/{check_in_token(gate)}/", {**body, "temperature": "38.0"})

    # Even under the right name: the resident lives outside the checkpoint's place.
    assert Registration.objects.get(checkpoint=gate).person is None
    assert not KeyPerson.objects.filter(person=resident).exists()


def test_a_self_report_in_the_residents_own_community_under_their_name_links_them(world: World) -> None:
    cache.clear()
    resident = world.A.person
    url = f"/screening/report/{self_report_token(world.A.community)}/"

    Client().post(url, _self_report_body(resident.document_number, name=f" {resident.name} "))

    report = SelfReport.objects.get(place=world.A.community)
    kp = KeyPerson.objects.get(person=resident)
    assert report.key_person == kp
    assert kp.sources.get().kind == "self_report"


def test_a_self_report_in_the_residents_own_community_under_a_wrong_name_never_links(world: World) -> None:
    cache.clear()
    resident = world.A.person
    Client().post(
        f"/screening/report/{self_report_token(world.A.community)}/", _self_report_body(resident.document_number)
    )
    assert SelfReport.objects.get(place=world.A.community).key_person is None
    assert not KeyPerson.objects.filter(person=resident).exists()


def test_a_check_in_at_the_residents_own_gate_under_their_name_links_them(world: World) -> None:
    cache.clear()
    resident = world.A.person
    gate = make_checkpoint(world.hq, world.A.community, name="A东门")
    body = {"client_id": str(uuid.uuid4()), "name": resident.name, "lookup": resident.phone, "temperature": "38.0"}

    Client().post(f"/checkpoints/check-in/{check_in_token(gate)}/", body)

    registration = Registration.objects.get(checkpoint=gate)
    assert registration.person == resident
    key_person = Alert.objects.get(registration=registration).key_person
    assert key_person is not None
    assert key_person.person == resident


def _report_in_b(world: World, name: str) -> SelfReport:
    cache.clear()
    url = f"/screening/report/{self_report_token(world.B.community)}/"
    Client().post(url, _self_report_body(world.A.person.document_number, name=name))
    return SelfReport.objects.get(place=world.B.community)


def test_staff_whose_jurisdiction_holds_the_person_see_and_confirm_the_match(world: World) -> None:
    resident = world.A.person
    report = _report_in_b(world, resident.name)
    assert report.key_person is None  # the resident lives in A, the report was made in B
    b_worker = Client(headers={"Accept-Language": "en"})
    b_worker.force_login(world.user(Role.COMMUNITY_WORKER, "B"))
    page = b_worker.get(f"/screening/self-reports/{report.pk}/").content.decode()
    assert "Nobody in your jurisdiction holds this document" in page
    assert b_worker.post(f"/screening/self-reports/{report.pk}/confirm/", {"person": resident.pk}).status_code == 404

    hq = Client(headers={"Accept-Language": "en"})
    hq.force_login(world.hq)
    page = hq.get(f"/screening/self-reports/{report.pk}/").content.decode()
    assert "Possible match in your register" in page
    assert resident.masked_document in page
    response = hq.post(f"/screening/self-reports/{report.pk}/confirm/", {"person": resident.pk})

    report.refresh_from_db()
    assert report.key_person is not None
    assert report.key_person.person == resident
    assert report.key_person.place == world.B.community
    assert response["Location"] == f"/screening/{report.key_person.pk}/"


def test_a_match_under_another_name_is_never_offered_nor_confirmed(world: World) -> None:
    resident = world.A.person
    report = _report_in_b(world, WRONG_NAME)
    hq = Client(headers={"Accept-Language": "en"})
    hq.force_login(world.hq)
    page = hq.get(f"/screening/self-reports/{report.pk}/").content.decode()
    assert resident.masked_document not in page
    hq.post(f"/screening/self-reports/{report.pk}/confirm/", {"person": resident.pk})
    report.refresh_from_db()
    assert report.key_person is None
    assert not KeyPerson.objects.filter(person=resident).exists()


def test_registering_a_report_whose_document_is_held_elsewhere_does_not_say_so(world: World) -> None:
    report = _report_in_b(world, WRONG_NAME)
    worker = Client(headers={"Accept-Language": "en"})
    worker.force_login(world.user(Role.COMMUNITY_WORKER, "B"))
    page = worker.post(f"/screening/self-reports/{report.pk}/register/", follow=True).content.decode()
    assert "cannot be registered here" in page
    assert world.A.person.name not in page
    report.refresh_from_db()
    assert report.key_person is None
