import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from fangkong.audit.models import AuditAction, AuditEvent
from fangkong.core.testing.idnumbers import make_resident_id
from fangkong.people.models import Person
from fangkong.people.services import (
    DuplicatePerson,
    PersonInput,
    PlaceOutsideJurisdiction,
    StaleVersion,
    create_person,
    merge_persons,
    update_person,
)

NEW_ID = make_resident_id("410402", dt.date(1990, 7, 1), 17, male=False)


def person_input(place, **overrides):
    values = {
        "name": "王芳",
        "document_type": "resident_id",
        "document_number": NEW_ID,
        "place": place,
        "phone": "+86 139-1234-5678",
    }
    values.update(overrides)
    return PersonInput(**values)


def test_create_stores_normalised_values_and_derives_sex_and_birth(world):
    messy = NEW_ID[:17].translate(str.maketrans("0123456789", "０１２３４５６７８９")) + NEW_ID[17].lower()
    person = create_person(
        actor=world.user("grid_worker", "A"), data=person_input(world.A.household, document_number=messy)
    )
    person.refresh_from_db()
    assert person.document_number == NEW_ID
    assert person.phone == "13912345678"
    assert person.sex == "F"
    assert person.birth_date == dt.date(1990, 7, 1)
    assert person.place_path == world.A.household.path
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, object_id=str(person.pk)).exists()


def test_create_reports_every_bad_field_and_saves_nothing(world):
    bad = person_input(world.A.household, name="", document_number=NEW_ID[:17] + "0", phone="1391234567")
    with pytest.raises(ValidationError) as exc:
        create_person(actor=world.hq, data=bad)
    assert set(exc.value.message_dict) == {"name", "document_number", "phone"}
    assert not Person.objects.filter(phone="1391234567").exists()


def test_sex_that_contradicts_the_id_number_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        create_person(actor=world.hq, data=person_input(world.A.household, sex="M"))
    assert "sex" in exc.value.message_dict


def test_second_person_with_same_document_is_refused_with_the_existing_one(world):
    existing = world.A.person
    with pytest.raises(DuplicatePerson) as exc:
        create_person(actor=world.hq, data=person_input(world.B.household, document_number=existing.document_number))
    assert exc.value.existing == existing


def test_grid_worker_cannot_create_person_in_other_grid(world):
    with pytest.raises(PlaceOutsideJurisdiction):
        create_person(actor=world.user("grid_worker", "A"), data=person_input(world.B.household))
    assert not Person.objects.filter(document_number=NEW_ID).exists()


def test_update_with_stale_version_is_refused(world):
    person = world.A.person
    update_person(
        actor=world.hq,
        person=person,
        data=person_input(person.place, document_number=person.document_number, phone="13700000001"),
        expected_version=1,
    )
    with pytest.raises(StaleVersion):
        update_person(
            actor=world.hq,
            person=person,
            data=person_input(person.place, document_number=person.document_number),
            expected_version=1,
        )


def test_update_audits_changes_with_personal_values_masked(world):
    person = world.A.person
    update_person(
        actor=world.hq,
        person=person,
        data=person_input(person.place, document_number=person.document_number, name=person.name, phone="13700000001"),
    )
    event = AuditEvent.objects.get(action=AuditAction.UPDATE, object_id=str(person.pk))
    assert event.changes["phone"] == ["138****0001", "137****0001"]
    assert "13700000001" not in str(event.changes)


def test_merge_keeps_survivor_and_points_duplicate_to_it(world):
    survivor = world.A.person
    duplicate = create_person(
        actor=world.hq,
        data=person_input(
            world.A.household, name=survivor.name, document_type="passport", document_number="e1234567", phone=""
        ),
    )
    merge_persons(actor=world.hq, survivor=survivor, duplicate=duplicate)
    duplicate.refresh_from_db()
    assert duplicate.merged_into == survivor
    assert AuditEvent.objects.filter(action=AuditAction.MERGE, object_id=str(survivor.pk)).exists()
    with pytest.raises(ValidationError):
        merge_persons(actor=world.hq, survivor=survivor, duplicate=duplicate)
