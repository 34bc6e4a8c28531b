"""Transfers' hooks into quarantine: a person on an unfinished transfer is not released."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver
from django.utils.translation import gettext as _

from fangkong.quarantine.models import Measure
from fangkong.quarantine.signals import release_blockers


@receiver(release_blockers, sender=Measure, dispatch_uid="transfers_release_blocker")
def unfinished_transfer_blocks_release(sender: Any, measure: Measure, **kwargs: Any) -> list[str]:
    from fangkong.transfers.models import TransferPassenger

    task_ids = TransferPassenger.objects.filter(person_id=measure.person_id, is_active=True).values_list(
        "task_id", flat=True
    )
    return [_("On transfer task #%(task)d, not yet arrived.") % {"task": pk} for pk in task_ids]
