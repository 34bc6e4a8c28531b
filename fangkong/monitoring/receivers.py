"""Monitoring's hooks into quarantine: a home record for every measure at home, open alerts
standing in the way of release, and the door seal noted as removed when a measure ends."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver
from django.utils import timezone

from fangkong.quarantine.models import Measure
from fangkong.quarantine.signals import measure_ended, measure_started, measure_went_home, release_blockers


@receiver(measure_started, dispatch_uid="monitoring_home_care_on_start")
def home_care_on_start(sender: Any, measure: Measure, **kwargs: Any) -> None:
    from fangkong.monitoring.services import ensure_home_care

    if measure.at_home:
        ensure_home_care(measure)


@receiver(measure_went_home, dispatch_uid="monitoring_home_care_on_move_home")
def home_care_on_move_home(sender: Any, measure: Measure, **kwargs: Any) -> None:
    """A person who leaves the site for the home phase gets their home record then."""
    from fangkong.monitoring.services import ensure_home_care

    ensure_home_care(measure)


@receiver(release_blockers, dispatch_uid="monitoring_open_alerts_block_release")
def open_alerts_block_release(sender: Any, measure: Measure, **kwargs: Any) -> list[str]:
    from fangkong.monitoring.services import open_alert_sentences

    return open_alert_sentences(measure)


@receiver(measure_ended, dispatch_uid="monitoring_seal_removed_on_end")
def seal_removed_on_end(sender: Any, measure: Measure, **kwargs: Any) -> None:
    from fangkong.monitoring.models import HomeCare

    HomeCare.objects.filter(measure=measure, seal_applied_at__isnull=False, seal_removed_at__isnull=True).update(
        seal_removed_at=timezone.now()
    )
