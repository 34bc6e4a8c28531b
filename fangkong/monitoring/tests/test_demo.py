from __future__ import annotations

import random
from typing import Any

import pytest
from django.db.models import Count, F

from fangkong.conftest import World
from fangkong.monitoring.demo import seed_monitoring
from fangkong.monitoring.models import CareTeamMember, HealthAlert, HealthReport, HomeCare
from fangkong.monitoring.tests.factories import at, central_measure, home_measure, set_clock
from fangkong.quarantine.models import Measure

pytestmark = pytest.mark.django_db


def test_demo_monitoring_covers_every_measure_at_home_and_runs_twice(world: World, monkeypatch: Any) -> None:
    homes = [home_measure(world, days_ago=1) for _n in range(6)]
    central_measure(world, days_ago=1)
    # Demo measures are written in bulk, without the signal that makes the home record.
    HomeCare.objects.all().delete()
    set_clock(monkeypatch, at(15, 0))

    first = seed_monitoring(world.district, random.Random(7))
    second = seed_monitoring(world.district, random.Random(7))

    assert first["home_cares"] == len(homes)
    assert second["home_cares"] == 0
    assert set(HomeCare.objects.values_list("measure_id", flat=True)) == {m.pk for m in homes}
    teams = HomeCare.objects.annotate(n=Count("team"))
    assert all(care.n in (care.team_size, care.team_size - 1) for care in teams)
    assert not CareTeamMember.objects.values("home_care", "phone").annotate(n=Count("id")).filter(n__gt=1).exists()
    reports = HealthReport.objects.count()
    assert reports > 0
    assert HealthReport.objects.filter(date__lt=F("measure__started_on")).count() == 0
    assert HealthAlert.objects.filter(kind="fever", urgency="urgent").count() == first["fevers"] > 0
    assert Measure.objects.count() == 7
