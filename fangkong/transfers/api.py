"""Transfers over the API: vehicles, tasks, and the run (depart, arrive, disinfect, cancel)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from fangkong.api.errors import AUTH_ERRORS, INPUT_ERRORS, NOT_FOUND, ErrorOut
from fangkong.quarantine.selectors import get_measure_for_user
from fangkong.transfers import services
from fangkong.transfers.models import TransferTask
from fangkong.transfers.schemas import (
    ArrivalOut,
    ArriveIn,
    CancelIn,
    TaskFilters,
    TaskIn,
    TaskList,
    TaskOut,
    TimeIn,
    VehicleFilters,
    VehicleList,
)
from fangkong.transfers.selectors import (
    crew_of,
    destination_sites,
    get_task_for_user,
    get_vehicle_for_user,
    passengers_of,
    tasks_for,
    vehicles_for,
)

router = Router(tags=["transfers"])

READ_ERRORS: dict[int, Any] = {**AUTH_ERRORS, **NOT_FOUND, 422: ErrorOut}
WRITE_ERRORS: dict[int, Any] = {**AUTH_ERRORS, **NOT_FOUND, **INPUT_ERRORS, 409: ErrorOut}
TASK_FIELDS = (
    "id",
    "kind",
    "status",
    "place_id",
    "from_address",
    "to_site_id",
    "to_text",
    "vehicle_id",
    "planned_at",
    "departed_at",
    "arrived_at",
    "disinfected_at",
)


def _user(request: HttpRequest, permission: str) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    if not user.has_perm(permission):
        raise PermissionDenied
    return user


def _task_out(task: TransferTask) -> dict[str, Any]:
    passengers = list(passengers_of(task))
    out = {name: getattr(task, name) for name in TASK_FIELDS}
    out.update(
        reason=task.reason,
        arrival_note=task.arrival_note,
        cancel_reason=task.cancel_reason,
        passenger_count=sum(1 for p in passengers if p.is_active) if task.is_active else len(passengers),
        passengers=[
            {
                "measure_id": p.measure_id,
                "person_id": p.person_id,
                "name": p.person.name,
                "document_number": p.masked_document,
                "is_active": p.is_active,
                "outcome": p.outcome,
            }
            for p in passengers
        ],
        crew=[{"id": c.pk, "role": c.role, "name": c.name, "phone": c.masked_phone} for c in crew_of(task)],
    )
    return out


@router.get("/vehicles/", response={200: VehicleList, **READ_ERRORS}, summary="Vehicles in your jurisdiction")
def list_vehicles(request: HttpRequest, filters: Query[VehicleFilters]) -> Any:
    user = _user(request, "transfers.view_vehicle")
    qs = vehicles_for(user, status=filters.status)
    page = qs.values("id", "plate", "kind", "seats", "status", "place_id")[
        filters.offset : filters.offset + filters.limit
    ]
    return {"items": list(page), "count": qs.count()}


@router.get("/tasks/", response={200: TaskList, **READ_ERRORS}, summary="Transfer tasks in your jurisdiction")
def list_tasks(request: HttpRequest, filters: Query[TaskFilters]) -> Any:
    user = _user(request, "transfers.view_transfertask")
    qs = tasks_for(user, status=filters.status, kind=filters.kind, day=filters.day)
    rows = qs.values(*TASK_FIELDS, "passenger_count")[filters.offset : filters.offset + filters.limit]
    return {"items": list(rows), "count": qs.count()}


@router.post(
    "/tasks/",
    response={201: TaskOut, **WRITE_ERRORS},
    summary="Plan a transfer: 409 when the vehicle is busy or too small, or a person is on another active task",
)
def create_task(request: HttpRequest, payload: TaskIn) -> Any:
    user = _user(request, "transfers.add_transfertask")
    measures = []
    for pk in payload.measure_ids:
        try:
            measures.append(get_measure_for_user(user, pk))
        except Http404:
            raise ValidationError(
                {"measure_ids": [_("No measure %(id)d in your jurisdiction.") % {"id": pk}]}
            ) from None
    vehicle = None
    if payload.vehicle_id is not None:
        try:
            vehicle = get_vehicle_for_user(user, payload.vehicle_id)
        except Http404:
            raise ValidationError({"vehicle_id": [_("No such vehicle in your jurisdiction.")]}) from None
    to_site = None
    if payload.to_site_id is not None:
        to_site = destination_sites(user).filter(pk=payload.to_site_id).first()
        if to_site is None:
            raise ValidationError({"to_site_id": [_("No such quarantine site in use in your jurisdiction.")]})
    task = services.create_task(
        actor=user,
        data=services.TaskInput(
            kind=payload.kind,
            measures=measures,
            planned_at=payload.planned_at,
            vehicle=vehicle,
            from_address=payload.from_address,
            to_site=to_site,
            to_text=payload.to_text,
            reason=payload.reason,
            crew=[services.CrewInput(role=c.role, name=c.name, phone=c.phone) for c in payload.crew],
        ),
        request=request,
    )
    return Status(201, _task_out(get_task_for_user(user, task.pk)))


@router.get("/tasks/{task_id}", response={200: TaskOut, **READ_ERRORS}, summary="One transfer task")
def get_task(request: HttpRequest, task_id: int) -> Any:
    user = _user(request, "transfers.view_transfertask")
    return _task_out(get_task_for_user(user, task_id))


def _task_to_work_on(request: HttpRequest, task_id: int) -> tuple[Any, TransferTask]:
    user = _user(request, "transfers.change_transfertask")
    return user, get_task_for_user(user, task_id)


@router.post("/tasks/{task_id}/depart", response={200: TaskOut, **WRITE_ERRORS}, summary="The vehicle leaves")
def depart_task(request: HttpRequest, task_id: int, payload: TimeIn | None = None) -> Any:
    user, task = _task_to_work_on(request, task_id)
    services.depart(actor=user, task=task, at=payload.at if payload else None, request=request)
    return _task_out(get_task_for_user(user, task.pk))


@router.post(
    "/tasks/{task_id}/arrive",
    response={200: ArrivalOut, **WRITE_ERRORS},
    summary="The run ends: passengers placed (to a site) or leave their room (to hospital, home)",
)
def arrive_task(request: HttpRequest, task_id: int, payload: ArriveIn | None = None) -> Any:
    user, task = _task_to_work_on(request, task_id)
    result = services.arrive(
        actor=user,
        task=task,
        at=payload.at if payload else None,
        place_passengers=payload.place_passengers if payload else True,
        request=request,
    )
    out = _task_out(get_task_for_user(user, task.pk))
    out.update(message=result.message, unplaced_measure_ids=[p.measure_id for p in result.unplaced])
    return out


@router.post(
    "/tasks/{task_id}/disinfect",
    response={200: TaskOut, **WRITE_ERRORS},
    summary="The vehicle is disinfected after the run and available again",
)
def disinfect_vehicle(request: HttpRequest, task_id: int, payload: TimeIn | None = None) -> Any:
    user, task = _task_to_work_on(request, task_id)
    services.record_disinfection(actor=user, task=task, at=payload.at if payload else None, request=request)
    return _task_out(get_task_for_user(user, task.pk))


@router.post("/tasks/{task_id}/cancel", response={200: TaskOut, **WRITE_ERRORS}, summary="Cancel a planned task")
def cancel_task(request: HttpRequest, task_id: int, payload: CancelIn) -> Any:
    user, task = _task_to_work_on(request, task_id)
    services.cancel_task(actor=user, task=task, reason=payload.reason, request=request)
    return _task_out(get_task_for_user(user, task.pk))
