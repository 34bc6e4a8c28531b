"""Monitoring's hooks into quarantine: a home record for every measure at home, open alerts
standing in the way of release, and the door seal noted as removed when a measure ends."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

from fangkong.quarantine.models import Measure, MeasureStatus
from fangkong.quarantine.signals import measure_ended, measure_started, release_blockers


@receiver(measure_started, dispatch_uid="monitoring_home_care_on_start")
def home_care_on_start(sender: Any, measure: Measure, **kwargs: Any) -> None:
    from fangkong.monitoring.services import ensure_home_care

    if measure.at_home:
        ensure_home_care(measure)


@receiver(post_save, sender=Measure, dispatch_uid="monitoring_home_care_on_move_home")
def home_care_on_move_home(
    sender: Any, instance: Measure, created: bool, update_fields: Any = None, **kwargs: Any
) -> None:
    """A person who leaves the site for the home phase gets their home record then."""
    from fangkong.monitoring.services import ensure_home_care

    if created or not instance.at_home or instance.status != MeasureStatus.ACTIVE:
        return  # a new measure is handled by measure_started, once its phases exist
    if update_fields is not None and "at_home" not in update_fields:
        return
    ensure_home_care(instance)


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
