from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from fangkong.accounts.models import User
from fangkong.screening.models import ClearState, KeyPerson, PushBatch
from fangkong.screening.selectors import key_persons_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_in_tmp(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def test_demo_district_has_key_persons_in_every_state_and_a_push_list() -> None:
    call_command("demo_district", "--size", "tiny", "--seed", "2020", stdout=StringIO())
    states = set(KeyPerson.objects.values_list("clear_state", flat=True))
    assert states == set(ClearState.values)
    batch = PushBatch.objects.get()
    assert batch.created >= 1
    assert KeyPerson.objects.filter(sources__kind="pushlist").count() == batch.created
    controlled = KeyPerson.objects.filter(clear_state="controlled").first()
    assert controlled is not None
    assert controlled.schedule
    assert controlled.controlled_at is not None
    grid1 = User.objects.get(username="grid1")
    visible = key_persons_for(grid1)
    grid_path = grid1.memberships.get().place.path
    assert all(kp.place_path.startswith(grid_path) for kp in visible)
