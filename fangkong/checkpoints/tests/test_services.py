from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from fangkong.accounts.models import Role
from fangkong.checkpoints.models import Alert, Registration
from fangkong.checkpoints.selectors import alerts_for, gate_status, roster
from fangkong.checkpoints.services import ShiftInput, add_shift, register, set_kit
from fangkong.checkpoints.tests.factories import make_checkpoint, pass_gate, passage
from fangkong.core.testing.idnumbers import make_resident_id
from fangkong.people.models import Person
from fangkong.protocols.services import RiskAreaInput, save_risk_area
from fangkong.screening.models import KeyPerson
from fangkong.screening.tests.factories import make_key_person


@pytest.fixture
def gate(world: Any) -> Any:
    return make_checkpoint(world.hq, world.A.community)


def staff(world: Any) -> Any:
    return world.user(Role.CHECKPOINT_STAFF, "A")


def test_a_regular_resident_passes_without_alert(world: Any, gate: Any) -> None:
    result = pass_gate(
        staff(world), gate, document_number=world.A.person.document_number, temperature="36.5", health_code="green"
    )
    assert result.status == "created"
    assert result.registration.person == world.A.person
    assert result.registration.next_step == "pass"
    assert result.alert is None
    assert not KeyPerson.objects.filter(person=world.A.person).exists()


def test_a_replayed_client_id_is_a_duplicate_and_stored_once(world: Any, gate: Any) -> None:
    data = passage(gate, phone=world.A.person.phone, temperature="38.5")
    first = register(actor=staff(world), data=data)
    second = register(actor=staff(world), data=data)
    assert (first.status, second.status) == ("created", "duplicate")
    assert Registration.objects.filter(client_id=data.client_id).count() == 1
    assert Alert.objects.count() == 1


def test_a_fever_makes_a_key_person_from_the_checkpoint_and_an_alert_for_community_and_hq(
    world: Any, gate: Any
) -> None:
    result = pass_gate(staff(world), gate, document_number=world.A.person.document_number, temperature="37.3")
    assert result.registration.next_step == "fever_clinic"
    kp = KeyPerson.objects.get(person=world.A.person)
    assert list(kp.sources.values_list("kind", flat=True)) == ["checkpoint"]
    assert result.alert.key_person == kp
    assert result.alert.reasons == ["fever"]
    assert list(alerts_for(world.user(Role.COMMUNITY_WORKER, "A"))) == [result.alert]
    assert list(alerts_for(world.hq)) == [result.alert]
    assert list(alerts_for(world.user(Role.COMMUNITY_WORKER, "B"))) == []


def test_red_and_yellow_codes_hold_the_person(world: Any, gate: Any) -> None:
    red = pass_gate(staff(world), gate, phone=world.A.person.phone, health_code="red")
    assert red.registration.next_step == "hold"
    assert red.alert.reasons == ["red_code"]
    yellow = pass_gate(staff(world), gate, phone=world.B.person.phone, health_code="yellow")
    assert yellow.alert.reasons == ["yellow_code"]


def test_a_person_under_home_quarantine_leaving_is_refused(world: Any, gate: Any) -> None:
    kp = make_key_person(world.hq, world.A.person)
    KeyPerson.objects.filter(pk=kp.pk).update(measure_kind="home_quarantine")
    out = pass_gate(staff(world), gate, document_number=world.A.person.document_number, direction="out")
    assert out.registration.next_step == "refuse"
    assert out.alert.reasons == ["leaving_under_measure"]
    back_in = pass_gate(staff(world), gate, document_number=world.A.person.document_number, direction="in")
    assert back_in.alert is None


def test_an_unknown_returnee_from_a_risk_area_becomes_a_key_person(world: Any, gate: Any) -> None:
    save_risk_area(
        actor=world.hq,
        data=RiskAreaInput(name="某市某区", level="high", granularity="county", starts_on=timezone.localdate()),
    )
    number = make_resident_id("110101", dt.date(1990, 1, 1), 5, male=True)
    result = pass_gate(
        staff(world),
        gate,
        document_number=number,
        name="外来甲",
        came_from="某市某区",
        reason="探亲",
        destination="A1-101",
    )
    assert result.alert.reasons == ["risk_area_returnee"]
    person = Person.objects.get(document_number=number)
    assert person.resident_type == "floating"
    assert result.registration.person == person
    assert KeyPerson.objects.get(person=person).risk_level == "high"


def test_an_unknown_outsider_is_registered_with_what_was_given(world: Any, gate: Any) -> None:
    result = pass_gate(staff(world), gate, phone="13912345678", name="过路人", vehicle_plate="豫c12345", passengers=2)
    reg = result.registration
    assert (reg.person, reg.phone, reg.name, reg.vehicle_plate, reg.passengers) == (
        None,
        "13912345678",
        "过路人",
        "豫C12345",
        2,
    )
    assert not Person.objects.filter(phone="13912345678").exists()


@pytest.mark.parametrize("temperature", ["20", "45", "34.9", "42.1", "abc"])
def test_temperatures_out_of_human_range_are_rejected(world: Any, gate: Any, temperature: str) -> None:
    result = pass_gate(staff(world), gate, phone=world.A.person.phone, temperature=temperature)
    assert result.status == "rejected"
    assert "temperature" in result.errors
    assert not Registration.objects.exists()


@pytest.mark.parametrize("temperature", ["35.0", "42.0", "36.6"])
def test_temperatures_in_human_range_are_accepted(world: Any, gate: Any, temperature: str) -> None:
    assert pass_gate(staff(world), gate, phone=world.A.person.phone, temperature=temperature).status == "created"


def test_unknown_codes_a_bad_id_and_no_identity_are_rejected_with_reasons(world: Any, gate: Any) -> None:
    result = pass_gate(
        staff(world), gate, document_number="410402198503140000", health_code="blue", direction="sideways"
    )
    assert result.status == "rejected"
    assert set(result.errors) == {"document_number", "health_code", "direction"}
    nobody = pass_gate(staff(world), gate)
    assert "document_number" in nobody.errors


def test_times_in_the_future_or_too_old_are_flagged_not_dropped(world: Any, gate: Any) -> None:
    now = timezone.now()
    future = pass_gate(
        staff(world), gate, phone=world.A.person.phone, occurred_at=(now + dt.timedelta(hours=2)).isoformat()
    )
    old = pass_gate(
        staff(world), gate, phone=world.A.person.phone, occurred_at=(now - dt.timedelta(days=30)).isoformat()
    )
    assert future.registration.flags == ["future_time"]
    assert old.registration.flags == ["older_than_queue"]


def test_a_closed_checkpoint_takes_no_registrations(world: Any) -> None:
    closed = make_checkpoint(world.hq, world.A.community, status="closed")
    result = pass_gate(staff(world), closed, phone=world.A.person.phone)
    assert result.status == "rejected"
    assert "checkpoint_id" in result.errors


def test_staff_cannot_register_at_a_checkpoint_of_another_jurisdiction(world: Any) -> None:
    other = make_checkpoint(world.hq, world.B.community)
    result = pass_gate(staff(world), other, phone=world.A.person.phone)
    assert result.status == "rejected"
    assert result.errors["checkpoint_id"]
    bad_uuid = register(actor=staff(world), data=passage(other, client_id="not-a-uuid", phone=world.A.person.phone))
    assert "client_id" in bad_uuid.errors


def test_gate_status_shows_key_person_measure_and_overdue_test(world: Any, gate: Any) -> None:
    assert gate_status(world.A.person.document_number).test_overdue
    pass_gate(staff(world), gate, phone=world.A.person.phone, latest_test_on=timezone.localdate().isoformat())
    fresh = gate_status(world.A.person.phone)
    assert fresh.person == world.A.person
    assert fresh.regular
    assert not fresh.test_overdue
    kp = make_key_person(world.hq, world.A.person)
    KeyPerson.objects.filter(pk=kp.pk).update(measure_kind="home_monitoring", risk_level="medium")
    status = gate_status(world.A.person.document_number)
    assert status.under_measure
    assert status.risk_returnee
    assert not status.regular
    assert gate_status("12345").error


def test_gate_status_finds_a_travel_permit_holder_by_the_number_alone(world: Any) -> None:
    Person.objects.filter(pk=world.A.person.pk).update(document_type="hk_macau_pass", document_number="H00005681")
    status = gate_status("h0000 5681")
    assert status.person == world.A.person
    assert not status.error


def test_kit_and_roster_show_what_is_missing_and_the_gaps(world: Any, gate: Any) -> None:
    set_kit(actor=world.hq, checkpoint=gate, present={"team", "thermometer"})
    present = set(gate.kit.filter(present=True).values_list("item", flat=True))
    assert present == {"team", "thermometer"}
    assert gate.kit.filter(present=False).count() == 8
    now = timezone.now()
    add_shift(
        actor=world.hq,
        checkpoint=gate,
        data=ShiftInput("张三", "测温岗", now - dt.timedelta(hours=1), now + dt.timedelta(hours=7)),
    )
    add_shift(
        actor=world.hq,
        checkpoint=gate,
        data=ShiftInput("李四", "测温岗", now + dt.timedelta(hours=10), now + dt.timedelta(hours=30)),
    )
    add_shift(
        actor=world.hq,
        checkpoint=gate,
        data=ShiftInput("王五", "登记岗", now - dt.timedelta(hours=1), now + dt.timedelta(hours=2), is_backup=True),
    )
    r = roster(gate, now=now)
    assert [s.staff_name for s in r.on_duty] == ["张三", "王五"]
    assert r.gaps == [(now + dt.timedelta(hours=7), now + dt.timedelta(hours=10))]
    with pytest.raises(ValidationError, match="end after"):
        add_shift(actor=world.hq, checkpoint=gate, data=ShiftInput("赵六", "岗", now, now))


def test_two_concurrent_replays_are_answered_by_the_constraint(world: Any, gate: Any) -> None:
    data = passage(gate, phone=world.A.person.phone)
    # The pre-check cannot see the other request's row yet: the unique constraint decides.
    Registration.objects.create(
        client_id=uuid.UUID(data.client_id),
        checkpoint=gate,
        place_path=gate.place_path,
        direction="in",
        occurred_at=timezone.now(),
    )
    from unittest import mock

    with mock.patch("fangkong.checkpoints.services.registration._already_registered", return_value=False):
        result = register(actor=staff(world), data=data)
    assert result.status == "duplicate"
    assert Registration.objects.filter(client_id=data.client_id).count() == 1
