"""The fever threshold and the accepted readings are protocol data, read by checkpoints and monitoring alike."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from fangkong.accounts.models import Role
from fangkong.checkpoints.services import register_batch
from fangkong.checkpoints.tests.factories import make_checkpoint, pass_gate, passage
from fangkong.protocols.selectors import active_protocol, body_temperature

pytestmark = pytest.mark.django_db


def _protocol(world: Any) -> Any:
    return active_protocol(world.district).protocol


def test_the_defaults_are_todays_rules(world: Any) -> None:
    rules = body_temperature(world.A.grid.path)
    assert rules.fever_at == Decimal("37.3")
    assert rules.gate_range == (Decimal("35.0"), Decimal("42.0"))
    assert rules.report_range == (Decimal("34.0"), Decimal("43.0"))
    assert body_temperature(None) == rules


def test_a_checkpoint_follows_its_districts_protocol(world: Any) -> None:
    protocol = _protocol(world)
    protocol.fever_at, protocol.gate_temperature_min = Decimal("37.5"), Decimal("34.5")
    protocol.save()
    gate = make_checkpoint(world.hq, world.A.community)
    staff = world.user(Role.CHECKPOINT_STAFF, "A")
    number = world.A.person.document_number
    assert pass_gate(staff, gate, document_number=number, temperature="37.4").registration.next_step == "pass"
    assert pass_gate(staff, gate, document_number=number, temperature="34.6").registration.next_step == "pass"
    feverish = pass_gate(staff, gate, document_number=number, temperature="37.5")
    assert feverish.registration.next_step == "fever_clinic"
    [refused] = register_batch(actor=staff, items=[passage(gate, document_number=number, temperature="34.4")])
    assert "34.5-42.0" in refused.errors["temperature"][0]


def test_a_protocol_cannot_accept_readings_no_thermometer_gives(world: Any) -> None:
    protocol = _protocol(world)
    protocol.report_temperature_max = Decimal("45.0")
    with pytest.raises(IntegrityError), transaction.atomic():
        protocol.save()


def test_health_reports_follow_the_measures_districts_protocol(world: Any) -> None:
    from types import SimpleNamespace

    from django.core.exceptions import ValidationError

    from fangkong.monitoring.services import clean_temperature

    protocol = _protocol(world)
    protocol.report_temperature_min = Decimal("35.0")
    protocol.save()
    measure: Any = SimpleNamespace(place_path=world.A.grid.path)
    assert clean_temperature("35.0", measure=measure) == Decimal("35.0")
    with pytest.raises(ValidationError, match=r"35\.0–43\.0"):
        clean_temperature("34.9", measure=measure)
