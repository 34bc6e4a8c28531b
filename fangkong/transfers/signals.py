"""Transfers' hooks: a person on an unfinished transfer is not released; a fever at a gate asks for a transfer."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver
from django.utils.translation import gettext as _

from fangkong.checkpoints.models import Alert
from fangkong.checkpoints.signals import alert_raised, is_fever_alert
from fangkong.quarantine.models import Measure
from fangkong.quarantine.signals import release_blockers


@receiver(release_blockers, sender=Measure, dispatch_uid="transfers_release_blocker")
def unfinished_transfer_blocks_release(sender: Any, measure: Measure, **kwargs: Any) -> list[str]:
    from fangkong.transfers.models import TransferPassenger

    task_ids = TransferPassenger.objects.filter(person_id=measure.person_id, is_active=True).values_list(
        "task_id", flat=True
    )
    return [_("On transfer task #%(task)d, not yet arrived.") % {"task": pk} for pk in task_ids]


@receiver(alert_raised, sender=Alert, dispatch_uid="transfers_fever_clinic_request")
def fever_at_gate_requests_transfer(sender: Any, alert: Alert, actor: Any, request: Any = None, **kwargs: Any) -> None:
    """The gate's "transfer to the fever clinic" becomes a task transfer staff can dispatch at once."""
    from fangkong.transfers.services import request_fever_clinic_transfer

    person = alert.registration.person
    if not is_fever_alert(alert) or person is None:
        return
    request_fever_clinic_transfer(actor=actor, alert=alert, person=person, request=request)
