"""Every read of transfers: scoped vehicles and tasks, a task's passengers and crew, what a new task may take."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from fangkong.core.scoping import scope_to_user
from fangkong.quarantine.models import Measure, Site, SiteStatus
from fangkong.quarantine.selectors import measures_for
from fangkong.transfers.models import (
    ACTIVE_STATUSES,
    CrewMember,
    TransferPassenger,
    TransferTask,
    Vehicle,
    VehicleStatus,
)
from fangkong.transfers.requests import UNTOUCHED_SITE_REQUEST


def vehicles_for(user: Any, *, status: str = "", q: str = "") -> QuerySet[Vehicle]:
    qs = scope_to_user(Vehicle.objects.select_related("place"), user)
    if status:
        qs = qs.filter(status=status)
    q = (q or "").strip().upper()
    if q:
        qs = qs.filter(plate__contains=q)
    return qs.order_by("id")


def get_vehicle_for_user(user: Any, pk: int) -> Vehicle:
    # Outside the user's jurisdiction is indistinguishable from not existing.
    return get_object_or_404(scope_to_user(Vehicle.objects.select_related("place"), user), pk=pk)


def free_vehicles_for(user: Any, *, task: TransferTask | None = None) -> QuerySet[Vehicle]:
    """Available vehicles no planned or running task has booked (the task's own one aside)."""
    booked = TransferTask.objects.filter(vehicle__isnull=False, status__in=ACTIVE_STATUSES)
    if task is not None:
        booked = booked.exclude(pk=task.pk)
    return vehicles_for(user, status=VehicleStatus.AVAILABLE).exclude(pk__in=booked.values("vehicle_id"))


def booked_tasks(vehicles: list[Vehicle]) -> dict[int, int]:
    """vehicle id → the planned or running task that holds it."""
    rows = TransferTask.objects.filter(vehicle__in=vehicles, status__in=ACTIVE_STATUSES).values_list("vehicle_id", "pk")
    return {vehicle_id: pk for vehicle_id, pk in rows if vehicle_id is not None}


def tasks_for(
    user: Any,
    *,
    status: str = "",
    kind: str = "",
    day: dt.date | None = None,
    vehicle: Vehicle | None = None,
) -> QuerySet[TransferTask]:
    qs = scope_to_user(TransferTask.objects.all(), user)
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if day is not None:
        start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
        qs = qs.filter(planned_at__gte=start, planned_at__lt=start + dt.timedelta(days=1))
    if vehicle is not None:
        qs = qs.filter(vehicle=vehicle)
    return (
        qs.select_related("vehicle", "to_site", "place")
        .annotate(passenger_count=Count("passengers"))
        .order_by("-planned_at", "-id")
    )


def get_task_for_user(user: Any, pk: int) -> TransferTask:
    qs = scope_to_user(
        TransferTask.objects.select_related("vehicle", "to_site", "place", "created_by", "disinfected_by"), user
    )
    return get_object_or_404(qs, pk=pk)


def passengers_of(task: TransferTask) -> QuerySet[TransferPassenger]:
    return TransferPassenger.objects.filter(task=task).select_related("person", "measure").order_by("id")


def crew_of(task: TransferTask) -> QuerySet[CrewMember]:
    return CrewMember.objects.filter(task=task).order_by("role", "id")


def tasks_with_people(qs: QuerySet[TransferTask]) -> QuerySet[TransferTask]:
    """For the export: passengers and crew in two queries per chunk, not per row."""
    return qs.prefetch_related(
        Prefetch("passengers", queryset=TransferPassenger.objects.select_related("person").order_by("id")),
        Prefetch("crew", queryset=CrewMember.objects.order_by("role", "id")),
    )


def candidate_measures(user: Any, *, where: str = "unplaced", q: str = "") -> QuerySet[Measure]:
    """Persons under an active measure in scope who are on no active transfer task (a request nobody acted
    on yet aside: the run planned for them takes them off it)."""
    on_task = TransferPassenger.objects.filter(is_active=True).exclude(UNTOUCHED_SITE_REQUEST).values("person_id")
    return measures_for(user, where=where, q=q).exclude(person_id__in=on_task)


def destination_sites(user: Any) -> QuerySet[Site]:
    return (
        scope_to_user(Site.objects.all(), user)
        .filter(status__in=[SiteStatus.IN_USE, SiteStatus.RESERVE])
        .order_by("name", "id")
    )


def vehicle_counts(user: Any) -> dict[str, int]:
    """How many vehicles in scope are in each status: one aggregate query."""
    qs = scope_to_user(Vehicle.objects.all(), user)
    agg = qs.aggregate(**{s: Count("id", filter=Q(status=s)) for s in VehicleStatus.values})
    return {s: agg[s] or 0 for s in VehicleStatus.values}
