"""Transfers' hooks: a person on an unfinished transfer is not released; a fever at a gate asks for a transfer."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver
from django.urls import reverse
from django.utils.translation import gettext as _

from fangkong.checkpoints.models import Alert
from fangkong.checkpoints.signals import alert_raised, is_fever_alert
from fangkong.quarantine.models import Measure
from fangkong.quarantine.selectors import Todo
from fangkong.quarantine.signals import measure_started, measure_todo, person_placed, release_blockers


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


@receiver(measure_started, sender=Measure, dispatch_uid="transfers_site_request")
def central_quarantine_requests_transfer(sender: Any, measure: Measure, actor: Any, **kwargs: Any) -> None:
    """Controlling a person for central quarantine asks for the run to a site (once; none while no room is free)."""
    from fangkong.transfers.requests import request_site_transfer, starts_in_central_quarantine

    if starts_in_central_quarantine(measure):
        request_site_transfer(actor=actor, measure=measure)


@receiver(person_placed, sender=Measure, dispatch_uid="transfers_placed_withdraws_request")
def placed_person_leaves_request(sender: Any, measure: Measure, actor: Any, **kwargs: Any) -> None:
    from fangkong.transfers.requests import withdraw_when_placed

    withdraw_when_placed(actor=actor, measure=measure)


@receiver(measure_todo, sender=Measure, dispatch_uid="transfers_measure_todo")
def transfer_still_to_do(sender: Any, measure: Measure, user: Any, **kwargs: Any) -> list[Todo]:
    """The person's transfer task (planned or en route), or for transfer staff a way to ask for one."""
    from fangkong.transfers.models import TransferPassenger

    passenger = (
        TransferPassenger.objects.select_related("task", "task__to_site", "task__vehicle")
        .filter(person_id=measure.person_id, is_active=True)
        .first()
    )
    if passenger is not None:
        task = passenger.task
        waiting = _("waiting for a vehicle") if task.vehicle_id is None else task.get_status_display()
        text = _("Transfer task #%(task)d to %(to)s: %(state)s.") % {
            "task": task.pk,
            "to": task.destination,
            "state": waiting,
        }
        url = reverse("transfers:detail", args=[task.pk]) if user.has_perm("transfers.view_transfertask") else ""
        return [Todo(text, url=url)]
    if measure.needs_room and user.has_perm("transfers.add_transfertask"):
        from fangkong.places.models import Place
        from fangkong.quarantine.selectors import site_with_free_room

        if site_with_free_room(measure.place_path[: Place.steplen]) is not None:
            return [
                Todo(
                    _("Waiting for a room: no transfer to a site yet."),
                    action_url=reverse("transfers:request_site", args=[measure.pk]),
                    action_label=_("Request a transfer to a site"),
                )
            ]
    return []
