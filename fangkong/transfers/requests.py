"""The transfer a central-quarantine measure asks for: controlling a person who must go to a site
(管控措施清 for 集中隔离) requests a run to the site of the next free room, so nobody is left at home
with nothing to do but a release that must fail.

A request is a planned task without a vehicle, like the fever clinic's: transfer staff assign a
vehicle and crew and dispatch it. It is made once per person (the person's active task is returned),
withdrawn when site staff place the person directly, and absorbed when staff plan a run that takes
the person anyway.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.audit.models import AuditAction
from fangkong.audit.services import record, say
from fangkong.places.models import Place
from fangkong.protocols.models import MeasureKind
from fangkong.quarantine.models import Measure, MeasurePhase, MeasureStatus, Placement
from fangkong.quarantine.selectors import site_with_free_room
from fangkong.transfers.models import TransferKind, TransferPassenger, TransferStatus, TransferTask

# is_site_request as a filter on passengers (the same rule: keep the two side by side).
UNTOUCHED_SITE_REQUEST = Q(
    task__is_request=True,
    task__kind=TransferKind.TO_SITE,
    task__status=TransferStatus.PLANNED,
    task__vehicle__isnull=True,
)


def starts_in_central_quarantine(measure: Measure) -> bool:
    first = MeasurePhase.objects.filter(measure=measure).order_by("order").values_list("kind", flat=True).first()
    return first == MeasureKind.CENTRAL_QUARANTINE


def is_site_request(task: TransferTask) -> bool:
    """A request nobody has acted on yet: planned, no vehicle, to a site."""
    return (
        task.is_request
        and task.kind == TransferKind.TO_SITE
        and task.status == TransferStatus.PLANNED
        and task.vehicle_id is None
    )


def from_address_of(measure: Measure) -> str:
    """Where a run picks the person up: their present room, else their address."""
    placement = Placement.objects.select_related("room", "site").filter(measure=measure, ended_at__isnull=True).first()
    if placement is not None:
        return f"{placement.site.name} {placement.room.number}"
    return (measure.person.address or "")[:200]


@transaction.atomic
def request_site_transfer(*, actor: Any, measure: Measure, request: HttpRequest | None = None) -> TransferTask | None:
    """A planned transfer to the site of the next free room, vehicle assigned later; None while no room is free.

    Idempotent: the person's active task (this request or any other run) is returned, and a person
    already placed needs none. The measure row serialises two requests for the same person.
    """
    user = actor if getattr(actor, "is_authenticated", False) else None
    measure = Measure.objects.select_for_update().select_related("person", "place").get(pk=measure.pk)
    if measure.status != MeasureStatus.ACTIVE:
        return None
    current = TransferPassenger.objects.select_related("task").filter(person_id=measure.person_id, is_active=True)
    if (passenger := current.first()) is not None:
        return passenger.task
    if Placement.objects.filter(person_id=measure.person_id, ended_at__isnull=True).exists():
        return None
    site = site_with_free_room(measure.place_path[: Place.steplen])
    if site is None:
        return None
    return open_request(
        actor=user,
        passenger=(measure, measure.person_id),
        summary=lambda task: say(
            gettext_lazy("Transfer task %(id)s: to %(site)s for measure %(measure)s"),
            id=task.pk,
            site=site.name,
            measure=measure.pk,
        ),
        request=request,
        kind=TransferKind.TO_SITE,
        place=measure.place,
        place_path=measure.place_path,
        from_address=from_address_of(measure) or "-",
        to_site=site,
        reason=(_("Central quarantine (measure #%(measure)d)") % {"measure": measure.pk})[:300],
    )


def open_request(
    *,
    actor: Any,
    passenger: tuple[Measure | None, int],
    summary: Callable[[TransferTask], Any],
    request: HttpRequest | None,
    **fields: Any,
) -> TransferTask:
    """A transfer request (a planned task a dispatcher gives a vehicle later) with its one passenger, audited.

    The caller holds the locks and has checked that the person is on no other task.
    """
    measure, person_id = passenger
    task = TransferTask.objects.create(planned_at=timezone.now(), is_request=True, created_by=actor, **fields)
    TransferPassenger.objects.create(task=task, measure=measure, person_id=person_id)
    record(actor=actor, action=AuditAction.CREATE, obj=task, summary=summary(task), request=request)
    return task


def withdraw_from_site_request(*, actor: Any, passenger: TransferPassenger, reason: str) -> None:
    """Take the person off a request nobody acted on (the caller holds its lock); an emptied request is cancelled."""
    task = passenger.task
    TransferPassenger.objects.filter(pk=passenger.pk).delete()
    if not TransferPassenger.objects.filter(task=task).exists():
        task.status = TransferStatus.CANCELLED
        task.cancelled_at = timezone.now()
        task.cancel_reason = reason[:200]
        task.save(update_fields=["status", "cancelled_at", "cancel_reason", "updated_at"])
    record(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=AuditAction.UPDATE,
        obj=task,
        summary=say(
            gettext_lazy("Transfer task %(id)s: person %(person)s withdrawn (%(reason)s)"),
            id=task.pk,
            person=passenger.person_id,
            reason=reason[:200],
        ),
    )


def withdraw_when_placed(*, actor: Any, measure: Measure) -> None:
    """Site staff placed the person directly: the request that was to take them there is no longer needed."""
    passenger = (
        TransferPassenger.objects.select_related("task")
        .select_for_update(of=("self",))
        .filter(person_id=measure.person_id, is_active=True)
        .first()
    )
    if passenger is not None and is_site_request(passenger.task):
        withdraw_from_site_request(actor=actor, passenger=passenger, reason=_("Placed directly"))
