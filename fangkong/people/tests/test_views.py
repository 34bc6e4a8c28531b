import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from fangkong.audit.models import AuditAction, AuditEvent
from fangkong.conftest import make_person
from fangkong.core.testing.idnumbers import make_resident_id
from fangkong.people.models import Person, Tag
from fangkong.people.services import PersonInput, update_person

NEW_ID = make_resident_id("410402", dt.date(1992, 5, 20), 33, male=True)


@pytest.fixture
def client():
    # Assertions read the English source strings; Chinese is the default for real browsers.
    return Client(headers={"Accept-Language": "en"})


def login(client, user):
    client.force_login(user)
    return client


def person_form(place, **overrides):
    values = {
        "name": "新居民",
        "document_type": "resident_id",
        "document_number": NEW_ID,
        "phone": "139 1234 5678",
        "place": place.pk,
        "resident_type": "floating",
        "tags": "",
        "sex": "",
        "birth_date": "",
        "address": "",
        "registered_residence": "",
    }
    values.update(overrides)
    return values


# --- list ---------------------------------------------------------------------------------


def test_list_shows_masked_document_and_phone_only(client, world):
    person = world.A.person
    body = login(client, world.hq).get("/people/").content.decode()
    assert person.masked_document in body
    assert person.masked_phone in body
    assert person.document_number not in body
    assert person.phone not in body


def test_grid_worker_lists_only_persons_of_their_grid(client, world):
    page = login(client, world.user("grid_worker", "A")).get("/people/").context["page"]
    assert [p.pk for p in page.object_list] == [world.A.person.pk]


def test_grid_worker_gets_404_when_filtering_by_a_place_of_the_other_side(client, world):
    login(client, world.user("grid_worker", "A"))
    assert client.get("/people/", {"place": world.B.grid.pk}).status_code == 404
    assert client.get("/people/", {"place": "not-a-number"}).status_code == 404


def test_list_filters_by_name_prefix_document_phone_resident_type_and_tag(client, world):
    other = make_person(world.A.household, name="张三", seq=77, phone="13700000077")
    Person.objects.filter(pk=other.pk).update(resident_type="floating")
    other.tags.add(Tag.objects.create(name="冷链"))
    login(client, world.hq)

    def listed(**params):
        return [p.pk for p in client.get("/people/", params).context["page"].object_list]

    assert listed(q="张") == [other.pk]
    assert listed(q=other.document_number) == [other.pk]
    assert listed(q="137-0000-0077") == [other.pk]
    assert listed(resident_type="floating") == [other.pk]
    assert listed(tag="冷链") == [other.pk]
    assert listed(place=world.B.street.pk) == [world.B.person.pk]


def test_filter_form_swaps_only_the_table_for_htmx(client, world):
    login(client, world.hq)
    response = client.get("/people/", {"q": "居民A"}, headers={"HX-Request": "true", "HX-Target": "person-results"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert "<table" in body
    assert "居民A" in body
    assert "居民B" not in body
    assert "/people/export/?q=" in body


def test_unfiltered_list_takes_its_total_from_the_rollup_and_pages_in_one_query(client, world, settings):
    settings.PAGE_SIZE = 2
    for i in range(5):
        make_person(world.A.household, name=f"翻页{i}", seq=101 + 2 * i)
    login(client, world.hq)
    client.get("/people/")  # session and permission caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/people/", {"page": 2})
    person_queries = [q["sql"] for q in queries.captured_queries if "people_person" in q["sql"]]
    assert len(person_queries) == 1
    assert "COUNT(" not in person_queries[0].upper()
    assert "LIMIT" in person_queries[0].upper()
    assert "places_place" in person_queries[0]  # the place column comes with the page, not per row
    assert response.context["page"].paginator.count == 7  # 5 new + one on each side
    assert response.context["page"].paginator.num_pages == 4


def test_filtered_list_counts_the_matching_rows(client, world, settings):
    settings.PAGE_SIZE = 2
    for i in range(5):
        make_person(world.A.household, name=f"翻页{i}", seq=101 + 2 * i)
    login(client, world.user("grid_worker", "A"))
    client.get("/people/")
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/people/", {"q": "翻页", "page": 2})
    person_queries = [q["sql"] for q in queries.captured_queries if "people_person" in q["sql"]]
    assert len(person_queries) == 2
    assert "COUNT(" in person_queries[0].upper()
    assert response.context["page"].paginator.count == 5


def test_unassigned_user_cannot_open_the_person_list(client, world):
    assert login(client, world.nobody).get("/people/").status_code == 403


# --- detail -------------------------------------------------------------------------------


def test_grid_worker_cannot_open_person_in_other_grid(client, world):
    response = login(client, world.user("grid_worker", "A")).get(f"/people/{world.B.person.pk}/")
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action=AuditAction.VIEW_FULL).exists()


def test_full_view_shows_full_values_and_writes_one_audit_row(client, world):
    person = world.A.person
    response = login(client, world.user("grid_worker", "A")).get(f"/people/{person.pk}/")
    body = response.content.decode()
    assert response.status_code == 200
    assert person.document_number in body
    assert person.phone in body
    assert person.address in body
    events = AuditEvent.objects.filter(action=AuditAction.VIEW_FULL)
    assert events.count() == 1
    event = events.get()
    assert event.object_id == str(person.pk)
    assert event.actor == world.user("grid_worker", "A")
    assert person.document_number not in event.summary


def test_masked_role_sees_masked_values_and_writes_no_audit_row(client, world):
    person = world.A.person
    response = login(client, world.user("checkpoint_staff", "A")).get(f"/people/{person.pk}/")
    body = response.content.decode()
    assert response.status_code == 200
    assert person.masked_document in body
    assert person.document_number not in body
    assert person.phone not in body
    assert not AuditEvent.objects.filter(action=AuditAction.VIEW_FULL).exists()


def test_detail_shows_breadcrumb_tags_and_merge_notice(client, world):
    survivor = world.A.person
    duplicate = make_person(world.A.household, name="居民A", seq=91)
    Person.objects.filter(pk=duplicate.pk).update(merged_into=survivor)
    survivor.tags.add(Tag.objects.create(name="独居老人"))
    login(client, world.hq)
    body = client.get(f"/people/{survivor.pk}/").content.decode()
    assert "独居老人" in body
    assert "街道A" in body
    merged = client.get(f"/people/{duplicate.pk}/").content.decode()
    assert "merged into another person" in merged
    assert f"/people/{survivor.pk}/" in merged


# --- create and edit ------------------------------------------------------------------------


def test_grid_worker_registers_a_person_with_normalised_values(client, world):
    login(client, world.user("grid_worker", "A"))
    messy = NEW_ID[:17].translate(str.maketrans("0123456789", "０１２３４５６７８９")) + NEW_ID[17].lower()
    response = client.post("/people/new/", person_form(world.A.household, document_number=messy, tags="独居, 冷链"))
    person = Person.objects.get(document_number=NEW_ID)
    assert response.status_code == 302
    assert response["Location"] == f"/people/{person.pk}/"
    assert person.phone == "13912345678"
    assert person.birth_date == dt.date(1992, 5, 20)
    assert person.place_path == world.A.household.path
    assert sorted(person.tags.values_list("name", flat=True)) == ["冷链", "独居"]


def test_create_with_bad_check_digit_shows_the_message_and_saves_nothing(client, world):
    bad = NEW_ID[:17] + ("0" if NEW_ID[17] != "0" else "1")
    login(client, world.user("grid_worker", "A"))
    response = client.post("/people/new/", person_form(world.A.household, document_number=bad))
    body = response.content.decode()
    assert response.status_code == 200
    assert "check character" in body
    assert "is-invalid" in body
    assert not Person.objects.filter(name="新居民").exists()
    assert not AuditEvent.objects.filter(action=AuditAction.CREATE, object_type="people.person").exists()


def test_ten_digit_phone_is_refused_inline(client, world):
    login(client, world.user("grid_worker", "A"))
    response = client.post("/people/new/", person_form(world.A.household, phone="1391234567"))
    assert "phone" in response.context["form"].errors
    assert not Person.objects.filter(name="新居民").exists()


def test_duplicate_document_is_refused_with_a_link_to_the_existing_person(client, world):
    existing = world.A.person
    login(client, world.user("grid_worker", "A"))
    response = client.post("/people/new/", person_form(world.A.household, document_number=existing.document_number))
    body = response.content.decode()
    assert response.status_code == 200
    assert f'href="/people/{existing.pk}/"' in body
    assert Person.objects.filter(document_number=existing.document_number).count() == 1


def test_duplicate_in_another_jurisdiction_is_refused_without_revealing_it(client, world):
    other_side = world.B.person
    login(client, world.user("grid_worker", "A"))
    response = client.post("/people/new/", person_form(world.A.household, document_number=other_side.document_number))
    body = response.content.decode()
    assert response.status_code == 200
    assert "This document cannot be registered here; ask the district HQ." in body
    assert "already registered" not in body
    assert "another jurisdiction" not in body
    assert f"/people/{other_side.pk}/" not in body
    assert Person.objects.filter(document_number=other_side.document_number).count() == 1


def test_create_at_a_place_outside_the_jurisdiction_is_refused(client, world):
    login(client, world.user("grid_worker", "A"))
    response = client.post("/people/new/", person_form(world.B.household))
    assert "place" in response.context["form"].errors
    assert not Person.objects.filter(name="新居民").exists()


def test_checkpoint_staff_may_not_register_persons(client, world):
    login(client, world.user("checkpoint_staff", "A"))
    assert client.get("/people/new/").status_code == 403
    assert client.post("/people/new/", person_form(world.A.household)).status_code == 403
    assert not Person.objects.filter(name="新居民").exists()


def test_edit_saves_changes_and_bumps_the_version(client, world):
    person = world.A.person
    login(client, world.user("grid_worker", "A"))
    form = client.get(f"/people/{person.pk}/edit/").context["form"]
    data = {**{k: v if v is not None else "" for k, v in form.initial.items()}, "phone": "13911112222"}
    response = client.post(f"/people/{person.pk}/edit/", data)
    person.refresh_from_db()
    assert response.status_code == 302
    assert person.phone == "13911112222"
    assert person.version == 2


def test_stale_edit_is_refused(client, world):
    person = world.A.person
    worker = world.user("grid_worker", "A")
    login(client, worker)
    form = client.get(f"/people/{person.pk}/edit/").context["form"]
    data = {**{k: v if v is not None else "" for k, v in form.initial.items()}, "name": "我的改动"}
    # Someone else saves first.
    update_person(
        actor=world.hq,
        person=person,
        data=PersonInput(
            name="别人的改动",
            document_type=person.document_type,
            document_number=person.document_number,
            place=person.place,
            phone=person.phone,
        ),
    )
    response = client.post(f"/people/{person.pk}/edit/", data)
    person.refresh_from_db()
    assert response.status_code == 200
    assert "Someone else changed this record" in response.content.decode()
    assert person.name == "别人的改动"


def test_opening_the_edit_form_is_an_audited_full_view(client, world):
    person = world.A.person
    body = login(client, world.user("grid_worker", "A")).get(f"/people/{person.pk}/edit/").content.decode()
    assert person.document_number in body
    assert AuditEvent.objects.filter(action=AuditAction.VIEW_FULL, object_id=str(person.pk)).count() == 1


def test_grid_worker_cannot_edit_person_in_other_grid(client, world):
    login(client, world.user("grid_worker", "A"))
    response = client.post(f"/people/{world.B.person.pk}/edit/", person_form(world.A.household, name="篡改"))
    assert response.status_code == 404
    assert Person.objects.get(pk=world.B.person.pk).name == "居民B"


# --- merge --------------------------------------------------------------------------------


def test_merge_finds_the_duplicate_and_merges_on_confirmation(client, world):
    person = world.A.person
    passport = Person.objects.create(
        name="居民A",
        document_type="passport",
        document_number="E12345678",
        phone="13955556666",
        place=world.A.household,
        place_path=world.A.household.path,
    )
    login(client, world.user("street_admin", "A"))
    found = client.post(f"/people/{person.pk}/merge/", {"document_type": "passport", "document_number": "e1234 5678"})
    body = found.content.decode()
    assert found.context["other"] == passport
    assert passport.masked_document in body
    assert "E12345678" not in body
    response = client.post(f"/people/{person.pk}/merge/", {"other": passport.pk, "keep": "this"})
    passport.refresh_from_db()
    assert response.status_code == 302
    assert passport.merged_into_id == person.pk
    assert AuditEvent.objects.filter(action=AuditAction.MERGE, object_id=str(person.pk)).count() == 1


def test_merge_does_not_find_or_accept_a_person_of_the_other_side(client, world):
    login(client, world.user("street_admin", "A"))
    found = client.post(
        f"/people/{world.A.person.pk}/merge/",
        {"document_type": "resident_id", "document_number": world.B.person.document_number},
    )
    assert found.context["other"] is None
    response = client.post(f"/people/{world.A.person.pk}/merge/", {"other": world.B.person.pk, "keep": "this"})
    assert response.status_code == 404
    assert Person.objects.get(pk=world.B.person.pk).merged_into_id is None


def test_grid_worker_may_not_merge(client, world):
    response = login(client, world.user("grid_worker", "A")).get(f"/people/{world.A.person.pk}/merge/")
    assert response.status_code == 403
