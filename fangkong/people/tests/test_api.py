import datetime as dt
import json

import pytest
from django.test import Client

from fangkong.accounts.models import Role
from fangkong.api.testing import bearer_client
from fangkong.audit.models import AuditAction, AuditEvent
from fangkong.conftest import make_person
from fangkong.core.testing.idnumbers import make_resident_id
from fangkong.core.validators import upgrade_id15
from fangkong.people.models import Person

pytestmark = pytest.mark.django_db

URL = "/api/v1/persons/"
LIST_KEYS = {"id", "name", "document_type", "document_number", "phone", "place_id"}
VALID_ID = make_resident_id("410402", dt.date(1990, 1, 1), 123, male=True)


def post_json(client: Client, url: str, data: object):
    return client.post(url, data=json.dumps(data), content_type="application/json")


def patch_json(client: Client, url: str, data: object):
    return client.patch(url, data=json.dumps(data), content_type="application/json")


def new_person(world, **overrides):
    body = {
        "name": "王小明",
        "document_type": "resident_id",
        "document_number": VALID_ID,
        "phone": "13912345678",
        "place_id": world.A.household.pk,
    }
    body.update(overrides)
    return body


@pytest.fixture
def grid_a(world):
    return bearer_client(world.user(Role.GRID_WORKER, "A"))


# --- list -----------------------------------------------------------------------


def test_list_has_exactly_the_published_keys_with_masked_values(world, grid_a):
    response = grid_a.get(URL)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"items", "count"}
    assert body["count"] == 1
    (item,) = body["items"]
    assert set(item) == LIST_KEYS
    person = world.A.person
    assert item["id"] == person.pk
    assert item["name"] == person.name
    assert item["document_type"] == "resident_id"
    assert item["document_number"] == person.document_number[:6] + "********" + person.document_number[-4:]
    assert item["phone"] == "138****0001"
    assert item["place_id"] == world.A.household.pk


def test_grid_worker_list_never_includes_the_other_grid(world, grid_a):
    ids = [item["id"] for item in grid_a.get(URL).json()["items"]]

    assert world.B.person.pk not in ids


def test_hq_list_covers_both_sides(world):
    body = bearer_client(world.hq).get(URL).json()

    assert {item["id"] for item in body["items"]} == {world.A.person.pk, world.B.person.pk}
    assert body["count"] == 2


def test_list_filtered_to_a_place_of_the_other_side_is_404(world, grid_a):
    response = grid_a.get(URL, {"place_id": world.B.household.pk})

    assert response.status_code == 404
    assert response.json() == {"message": "Not found"}


def test_list_filtered_by_place_and_searched_by_name(world):
    make_person(world.A.household, name="李四", seq=77)
    client = bearer_client(world.hq)

    by_place = client.get(URL, {"place_id": world.B.street.pk}).json()
    by_name = client.get(URL, {"q": "李"}).json()

    assert [i["id"] for i in by_place["items"]] == [world.B.person.pk]
    assert [i["name"] for i in by_name["items"]] == ["李四"]


def test_list_pages_with_limit_and_offset_while_count_stays_total(world):
    for seq in range(101, 111, 2):
        make_person(world.A.household, name=f"居民{seq}", seq=seq)
    client = bearer_client(world.hq)

    page = client.get(URL, {"limit": 2, "offset": 2}).json()

    assert page["count"] == 7
    assert len(page["items"]) == 2


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"offset": -1}, "offset"),
        ({"place_id": "x"}, "place_id"),
        ({"place_id": 10**30}, "place_id"),
        ({"q": "a\x00b"}, "q"),
    ],
)
def test_bad_list_parameters_are_422_naming_the_parameter(world, grid_a, params, field):
    response = grid_a.get(URL, params)

    assert response.status_code == 422
    assert field in response.json()["errors"]


# --- detail ---------------------------------------------------------------------


def test_detail_of_a_person_in_the_other_grid_is_404(world, grid_a):
    response = grid_a.get(f"{URL}{world.B.person.pk}")

    assert response.status_code == 404
    assert response.json() == {"message": "Not found"}
    assert not AuditEvent.objects.filter(action=AuditAction.VIEW_FULL).exists()


def test_detail_of_an_unknown_id_looks_the_same_as_another_grid(world, grid_a):
    assert grid_a.get(f"{URL}999999").json() == grid_a.get(f"{URL}{world.B.person.pk}").json()


def test_huge_id_is_422_not_a_server_error(world, grid_a):
    assert grid_a.get(f"{URL}{10**30}").status_code == 422


def test_full_detail_shows_full_values_and_writes_a_view_full_audit_row(world, grid_a):
    person = world.A.person

    response = grid_a.get(f"{URL}{person.pk}")

    assert response.status_code == 200
    body = response.json()
    assert body["document_number"] == person.document_number
    assert body["phone"] == person.phone
    assert body["address"] == person.address
    assert body["masked"] is False
    assert body["sex"] == "M"
    assert body["birth_date"] == "1985-03-14"
    assert body["version"] == 1
    assert body["merged_into_id"] is None
    assert body["tags"] == []
    event = AuditEvent.objects.get(action=AuditAction.VIEW_FULL)
    assert event.actor == world.user(Role.GRID_WORKER, "A")
    assert event.object_id == str(person.pk)
    assert person.document_number not in event.summary


def test_detail_without_full_view_permission_is_masked_and_not_a_full_view(world):
    client = bearer_client(world.user(Role.CHECKPOINT_STAFF, "A"))

    body = client.get(f"{URL}{world.A.person.pk}").json()

    assert body["masked"] is True
    assert body["document_number"] == world.A.person.masked_document
    assert body["phone"] == world.A.person.masked_phone
    assert body["address"] == world.A.person.masked_address
    assert not AuditEvent.objects.filter(action=AuditAction.VIEW_FULL).exists()


def test_account_without_any_role_is_refused(world):
    client = bearer_client(world.nobody)

    assert client.get(URL).status_code == 403
    assert client.get(f"{URL}{world.A.person.pk}").status_code == 403


def test_viewer_whose_membership_was_removed_sees_nothing_not_everything(world):
    viewer = world.user(Role.VIEWER, "A")
    viewer.memberships.all().delete()  # the role group (and its permissions) stays
    client = bearer_client(viewer)

    assert client.get(URL).json() == {"items": [], "count": 0}
    assert client.get(f"{URL}{world.A.person.pk}").status_code == 404


# --- create ---------------------------------------------------------------------


def test_create_returns_201_with_the_stored_person(world, grid_a):
    response = post_json(grid_a, URL, new_person(world, tags=["独居老人"]))

    assert response.status_code == 201
    body = response.json()
    stored = Person.objects.get(pk=body["id"])
    assert body["document_number"] == stored.document_number == VALID_ID
    assert body["sex"] == "M"
    assert body["birth_date"] == "1990-01-01"
    assert body["tags"] == ["独居老人"]
    assert body["place_id"] == world.A.household.pk
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, object_id=str(stored.pk)).exists()


def test_create_normalises_full_width_digits_lowercase_x_and_plus86_phone(world, grid_a):
    number = next(
        make_resident_id("410402", dt.date(1992, 5, 6), seq, male=False)
        for seq in range(0, 999, 2)
        if make_resident_id("410402", dt.date(1992, 5, 6), seq, male=False).endswith("X")
    )
    typed = number[:-1].translate(str.maketrans("0123456789", "０１２３４５６７８９")) + "x"

    response = post_json(grid_a, URL, new_person(world, document_number=typed, phone="+86 139-1234-5678"))

    assert response.status_code == 201
    body = response.json()
    assert body["document_number"] == number
    assert body["phone"] == "13912345678"
    assert Person.objects.get(pk=body["id"]).phone == "13912345678"


def test_create_converts_a_15_digit_id_to_18_digits(world, grid_a):
    response = post_json(grid_a, URL, new_person(world, document_number="410402850314123"))

    assert response.status_code == 201
    assert response.json()["document_number"] == upgrade_id15("410402850314123")
    assert len(response.json()["document_number"]) == 18


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"document_number": VALID_ID[:-1] + ("0" if VALID_ID[-1] != "0" else "1")}, "document_number", "check"),
        ({"document_number": "410402199902301234"}, "document_number", "birth date"),
        ({"phone": "1391234567"}, "phone", "11 digits"),
        ({"name": "王" * 51}, "name", "50"),
        ({"document_type": "driving_licence"}, "document_type", "passport"),
        ({"birth_date": "1990-02-30"}, "birth_date", "date"),
        ({"birth_date": "1991-01-01"}, "birth_date", "1990-01-01"),
        ({"place_id": "here"}, "place_id", "integer"),
        ({"tags": ["x" * 31]}, "tags", "30"),
        ({"name": "王\u0000明"}, "name", "invalid characters"),
    ],
)
def test_create_with_bad_field_is_422_with_a_message_for_that_field(world, grid_a, overrides, field, words):
    response = post_json(grid_a, URL, new_person(world, **overrides))

    assert response.status_code == 422
    body = response.json()
    assert body["message"]
    assert words in " ".join(body["errors"][field])
    assert not Person.objects.filter(name__startswith="王").exists()


def test_create_reports_every_bad_field_at_once(world, grid_a):
    response = post_json(grid_a, URL, new_person(world, phone="12", document_number="123"))

    assert response.status_code == 422
    assert {"phone", "document_number"} <= set(response.json()["errors"])


def test_create_without_required_fields_names_them(world, grid_a):
    response = post_json(grid_a, URL, {"name": "王小明"})

    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"document_type", "document_number", "place_id"}
    assert response.json()["errors"]["place_id"] == ["This field is required."]


def test_create_in_a_place_of_the_other_side_is_404_and_saves_nothing(world, grid_a):
    response = post_json(grid_a, URL, new_person(world, place_id=world.B.household.pk))

    assert response.status_code == 404
    assert response.json()["message"] == "Not found"
    assert "place_id" in response.json()["errors"]
    assert not Person.objects.filter(document_number=VALID_ID).exists()


def test_create_in_a_missing_place_answers_like_the_other_side(world, grid_a):
    other = post_json(grid_a, URL, new_person(world, place_id=world.B.household.pk))
    missing = post_json(grid_a, URL, new_person(world, place_id=987654))

    assert missing.status_code == other.status_code == 404
    assert missing.json() == other.json()


def test_duplicate_document_is_409_with_the_existing_id(world, grid_a):
    existing = world.A.person

    response = post_json(grid_a, URL, new_person(world, document_number=existing.document_number))

    assert response.status_code == 409
    assert response.json()["existing_id"] == existing.pk
    assert response.json()["message"]
    assert Person.objects.filter(document_number=existing.document_number).count() == 1


def test_duplicate_of_a_person_in_another_jurisdiction_does_not_reveal_its_id(world, grid_a):
    response = post_json(grid_a, URL, new_person(world, document_number=world.B.person.document_number))

    assert response.status_code == 409
    assert response.json()["existing_id"] is None
    # The same neutral words as for any document that cannot be registered here: no "already registered".
    assert response.json()["message"] == "This document cannot be registered here; ask the district HQ."


def test_create_needs_the_add_person_permission(world):
    client = bearer_client(world.user(Role.CHECKPOINT_STAFF, "A"))

    response = post_json(client, URL, new_person(world))

    assert response.status_code == 403
    assert response.json()["message"]
    assert not Person.objects.filter(document_number=VALID_ID).exists()


def test_non_utf8_body_is_400_not_500(world, grid_a):
    body = json.dumps(new_person(world), ensure_ascii=False).encode().replace("王小明".encode(), "王小明".encode("gbk"))

    response = grid_a.post(URL, data=body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["message"]


def test_malformed_json_is_400(world, grid_a):
    response = grid_a.post(URL, data=b"{'name': 1}", content_type="application/json")

    assert response.status_code == 400


def test_json_that_is_not_an_object_is_422(world, grid_a):
    response = grid_a.post(URL, data=b"[1, 2]", content_type="application/json")

    assert response.status_code == 422


def test_lone_surrogate_in_a_tag_is_422(world, grid_a):
    body = json.dumps(new_person(world, tags=["ok"])).replace('"ok"', '"\\ud800"')

    response = grid_a.post(URL, data=body, content_type="application/json")

    assert response.status_code == 422
    assert "tags" in response.json()["errors"]


# --- update ---------------------------------------------------------------------


def test_patch_changes_only_the_fields_sent_and_bumps_the_version(world, grid_a):
    person = world.A.person

    response = patch_json(grid_a, f"{URL}{person.pk}", {"version": 1, "phone": "+86 13700001111", "tags": ["发热"]})

    assert response.status_code == 200
    body = response.json()
    assert body["phone"] == "13700001111"
    assert body["version"] == 2
    assert body["name"] == person.name
    assert body["tags"] == ["发热"]
    person.refresh_from_db()
    assert person.phone == "13700001111"
    assert AuditEvent.objects.filter(action=AuditAction.UPDATE, object_id=str(person.pk)).exists()


def test_patch_with_a_stale_version_is_409_and_changes_nothing(world, grid_a):
    person = world.A.person
    patch_json(grid_a, f"{URL}{person.pk}", {"version": 1, "name": "新名字"})

    response = patch_json(grid_a, f"{URL}{person.pk}", {"version": 1, "name": "另一个名字"})

    assert response.status_code == 409
    assert response.json()["message"]
    person.refresh_from_db()
    assert person.name == "新名字"


def test_patch_without_version_is_422(world, grid_a):
    response = patch_json(grid_a, f"{URL}{world.A.person.pk}", {"name": "新名字"})

    assert response.status_code == 422
    assert "version" in response.json()["errors"]


def test_patch_with_null_for_a_required_field_is_422(world, grid_a):
    response = patch_json(grid_a, f"{URL}{world.A.person.pk}", {"version": 1, "name": None})

    assert response.status_code == 422
    assert "name" in response.json()["errors"]


def test_patch_with_a_new_resident_id_takes_sex_and_birth_date_from_it(world, grid_a):
    number = make_resident_id("410402", dt.date(2001, 7, 8), 200, male=False)

    response = patch_json(grid_a, f"{URL}{world.A.person.pk}", {"version": 1, "document_number": number})

    assert response.status_code == 200
    assert response.json()["sex"] == "F"
    assert response.json()["birth_date"] == "2001-07-08"


def test_patch_of_a_person_in_the_other_grid_is_404(world, grid_a):
    response = patch_json(grid_a, f"{URL}{world.B.person.pk}", {"version": 1, "name": "X"})

    assert response.status_code == 404
    world.B.person.refresh_from_db()
    assert world.B.person.name == "居民B"


def test_patch_moving_a_person_into_the_other_side_is_404(world, grid_a):
    response = patch_json(grid_a, f"{URL}{world.A.person.pk}", {"version": 1, "place_id": world.B.household.pk})

    assert response.status_code == 404
    world.A.person.refresh_from_db()
    assert world.A.person.place == world.A.household


def test_patch_needs_the_change_person_permission(world):
    client = bearer_client(world.user(Role.CHECKPOINT_STAFF, "A"))

    response = patch_json(client, f"{URL}{world.A.person.pk}", {"version": 1, "name": "X"})

    assert response.status_code == 403


def test_patch_that_changes_nothing_still_audits_the_full_values_it_returns(world, grid_a):
    response = patch_json(grid_a, f"{URL}{world.A.person.pk}", {"version": 1})

    assert response.status_code == 200
    assert response.json()["version"] == 1
    assert AuditEvent.objects.filter(action=AuditAction.VIEW_FULL, object_id=str(world.A.person.pk)).count() == 1
