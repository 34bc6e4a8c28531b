"""A fever at a gate makes a fever patient with the protocol's deadline (issue 16, B9)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from fangkong.accounts.models import Role
from fangkong.checkpoints.tests.factories import make_checkpoint, pass_gate
from fangkong.protocols.models import Category
from fangkong.screening.models import KeyPerson
from fangkong.screening.tests.factories import make_key_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def gate(world: Any) -> Any:
    return make_checkpoint(world.hq, world.A.community)


def test_the_presets_make_fever_patients_identified_within_two_hours() -> None:
    fever = Category.objects.filter(is_fever_default=True, protocol__is_preset=True)
    assert {(c.code, c.identify_within_hours) for c in fever} == {("fever_patient", 2)}
    assert fever.count() == 2  # one in each preset


def test_a_fever_at_a_gate_makes_a_fever_patient_to_identify_within_the_protocols_hours(world: Any, gate: Any) -> None:
    before = timezone.now()
    result = pass_gate(
        world.user(Role.CHECKPOINT_STAFF, "A"), gate, document_number=world.A.person.document_number, temperature="38.5"
    )
    kp = KeyPerson.objects.get(person=world.A.person)
    assert result.alert.key_person == kp
    assert kp.category == "fever_patient"
    assert kp.due_at is not None
    assert before + dt.timedelta(hours=2) <= kp.due_at <= timezone.now() + dt.timedelta(hours=2)


def test_a_fever_brings_forward_the_deadline_of_an_open_record_not_yet_identified(world: Any, gate: Any) -> None:
    kp = make_key_person(world.hq, world.A.person, category="returnee_medium_risk")
    KeyPerson.objects.filter(pk=kp.pk).update(due_at=timezone.now() + dt.timedelta(hours=24))
    pass_gate(world.hq, gate, document_number=world.A.person.document_number, temperature="38.5")
    kp.refresh_from_db()
    assert kp.category == "returnee_medium_risk"  # the record's own category stays
    assert kp.due_at is not None
    assert kp.due_at <= timezone.now() + dt.timedelta(hours=2)


def test_a_red_code_without_fever_keeps_the_default_category_and_no_deadline(world: Any, gate: Any) -> None:
    pass_gate(world.hq, gate, document_number=world.A.person.document_number, health_code="red")
    kp = KeyPerson.objects.get(person=world.A.person)
    assert kp.category != "fever_patient"
    assert kp.due_at is None
