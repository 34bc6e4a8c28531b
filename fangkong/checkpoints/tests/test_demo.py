from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from fangkong.accounts.models import User
from fangkong.checkpoints.models import Alert, Checkpoint, Registration
from fangkong.checkpoints.selectors import alerts_for, checkpoints_for, roster

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_in_tmp(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def test_demo_district_has_gates_with_registrations_alerts_and_rosters() -> None:
    call_command("demo_district", "--size", "tiny", "--seed", "2020", stdout=StringIO())
    assert set(Checkpoint.objects.values_list("type", flat=True)) == {"community_gate", "traffic", "venue"}
    assert Registration.objects.count() > 100
    assert Alert.objects.count() == 3
    staff = User.objects.get(username="checkpoint1")
    gates = list(checkpoints_for(staff))
    assert gates
    assert list(alerts_for(staff))  # the demo gate account sees its gate's alerts
    assert roster(gates[0]).shifts
