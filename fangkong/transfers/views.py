"""Transfer pages: the task list with export, a task's page with its run (depart, arrive, disinfect,
cancel), passengers and crew, the new-task form, and the vehicle pool."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fangkong.audit.models import AuditAction
from fangkong.audit.services import exported, record
from fangkong.core.errors import Conflict
from fangkong.core.exports import Column, xlsx_response
from fangkong.core.htmx import render_page_or_partial
from fangkong.core.masking import mask_document, mask_phone
from fangkong.core.paging import CountedPaginator
from fangkong.core.validators import search_term
from fangkong.places.forms import apply_service_error
from fangkong.places.labels import with_place_labels
from fangkong.places.selectors import get_place_for_user
from fangkong.quarantine.models import Measure
from fangkong.quarantine.selectors import get_measure_for_user
from fangkong.transfers.forms import (
    WHERE_CHOICES,
    CancelForm,
    CrewForm,
    TaskFilterForm,
    TaskForm,
    TimeForm,
    VehicleFilterForm,
    VehicleForm,
)
from fangkong.transfers.models import TransferKind, TransferPassenger, TransferTask, Vehicle
from fangkong.transfers.selectors import (
    booked_tasks,
    candidate_measures,
    crew_of,
    destination_sites,
    free_vehicles_for,
    get_task_for_user,
    get_vehicle_for_user,
    passengers_of,
    tasks_for,
    tasks_with_people,
    vehicle_counts,
    vehicles_for,
)
from fangkong.transfers.services import (
    CrewInput,
    TaskInput,
    VehicleInput,
    add_crew_member,
    add_passenger,
    arrive,
    assign_vehicle,
    cancel_task,
    create_task,
    create_vehicle,
    depart,
    record_disinfection,
    remove_crew_member,
    remove_passenger,
    update_vehicle,
)

EXPORT_CHUNK = 500
# The new-task form lists at most this many candidates; a name filter narrows them.
CANDIDATE_LIMIT = 200

VIEW_TASKS = "transfers.view_transfertask"
WORK_TASKS = "transfers.change_transfertask"


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


# --- tasks ------------------------------------------------------------------------------------------


@login_required
@permission_required(VIEW_TASKS, raise_exception=True)
@require_GET
def task_list(request: HttpRequest) -> HttpResponse:
    form = TaskFilterForm(request.GET)
    qs = tasks_for(request.user, **form.filters())
    page = CountedPaginator(qs, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode({k: request.GET[k] for k in ("status", "kind", "day") if request.GET.get(k)})
    context = {"page": page, "form": form, "filter_query": query}
    return render_page_or_partial(
        request, context, page="transfers/list.html", partial="transfers/_list.html", target="tr-results"
    )


def _task_columns() -> list[Column]:
    def people(task: TransferTask) -> str:
        return "、".join(f"{p.person.name}({mask_document(p.person.document_number)})" for p in task.passengers.all())

    def crew(task: TransferTask) -> str:
        return "、".join(f"{c.get_role_display()} {c.name} {mask_phone(c.phone)}".strip() for c in task.crew.all())

    return [
        Column(gettext_lazy("Task"), lambda t: t.pk, 8),
        Column(gettext_lazy("Transfer"), lambda t: t.get_kind_display(), 16),
        Column(gettext_lazy("Status"), lambda t: t.get_status_display(), 10),
        Column(gettext_lazy("From"), lambda t: t.from_address, 24),
        Column(gettext_lazy("Destination"), lambda t: t.destination, 24),
        Column(gettext_lazy("Vehicle"), lambda t: t.vehicle.plate if t.vehicle else "", 12),
        Column(gettext_lazy("Planned departure"), lambda t: t.planned_at, 18),
        Column(gettext_lazy("Departed"), lambda t: t.departed_at, 18),
        Column(gettext_lazy("Arrived"), lambda t: t.arrived_at, 18),
        Column(gettext_lazy("Vehicle disinfected"), lambda t: t.disinfected_at, 18),
        Column(gettext_lazy("Passengers"), people, 40),
        Column(gettext_lazy("Crew"), crew, 40),
    ]


@login_required
@permission_required(VIEW_TASKS, raise_exception=True)
@require_GET
def task_export(request: HttpRequest) -> HttpResponseBase:
    form = TaskFilterForm(request.GET)
    qs = tasks_with_people(tasks_for(request.user, **form.filters()))
    response, rows = xlsx_response(_task_columns(), qs.iterator(chunk_size=EXPORT_CHUNK), filename="transfers")
    record(
        actor=request.user,
        action=AuditAction.EXPORT,
        object_type="transfers.transfertask",
        summary=exported(gettext_lazy("Transfer tasks"), rows),
        request=request,
    )
    return response


def _measure_label(m: Measure) -> str:
    where = m.site.name if m.site_id and m.site else (_("at home") if m.at_home else _("waiting for a room"))
    return f"{m.person.name} · {mask_document(m.person.document_number)} · {m.place.name} · {where}"


def _task_form(request: HttpRequest, data: Any = None) -> tuple[TaskForm, str, str]:
    where = request.GET.get("where", "unplaced")
    if where not in dict(WHERE_CHOICES):
        where = "unplaced"
    q = search_term(request.GET.get("q"), limit=20)
    measures = candidate_measures(request.user, where=where, q=q)[:CANDIDATE_LIMIT]
    # Chosen persons stay chosen when the filter above the list changes (HTMX sends them along).
    source = data if data is not None else request.GET
    chosen = [int(raw) for raw in source.getlist("measures") if raw.isdigit()][:CANDIDATE_LIMIT]
    extra = candidate_measures(request.user, where="").filter(pk__in=chosen).exclude(pk__in=[m.pk for m in measures])
    vehicles = free_vehicles_for(request.user)
    form = TaskForm(
        data,
        sites=[(s.pk, s.name) for s in destination_sites(request.user)],
        vehicles=[(v.pk, f"{v.plate} · {v.get_kind_display()} · {v.seats}") for v in vehicles],
        measures=[(m.pk, _measure_label(m)) for m in [*extra, *measures]],
        initial={"measures": chosen},
    )
    return form, where, q


@login_required
@permission_required("transfers.add_transfertask", raise_exception=True)
@require_http_methods(["GET", "POST"])
def task_add(request: HttpRequest) -> HttpResponse:
    form, where, q = _task_form(request, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            measures = [get_measure_for_user(request.user, pk) for pk in data["measures"]]
            vehicle = get_vehicle_for_user(request.user, data["vehicle"]) if data["vehicle"] else None
            to_site = None
            if data["to_site"]:
                to_site = destination_sites(request.user).filter(pk=data["to_site"]).first()
                if to_site is None:
                    raise Http404
        except Http404:
            form.add_error(None, _("A chosen person, vehicle or site is not in your jurisdiction."))
        else:
            crew = [
                CrewInput(role=role, name=data[f"{role}_name"], phone=data[f"{role}_phone"])
                for role in ("driver", "medic")
                if data[f"{role}_name"]
            ]
            if not measures:
                form.add_error("measures", _("Choose at least one person to transfer."))
            else:
                try:
                    task = create_task(
                        actor=request.user,
                        data=TaskInput(
                            kind=data["kind"],
                            measures=measures,
                            planned_at=data["planned_at"],
                            vehicle=vehicle,
                            from_address=data["from_address"],
                            to_site=to_site,
                            to_text=data["to_text"],
                            reason=data["reason"],
                            crew=crew,
                        ),
                        request=request,
                    )
                except ValidationError as exc:
                    apply_service_error(form, exc)
                except Conflict as exc:
                    form.add_error(None, exc.message)
                else:
                    messages.success(request, _("Transfer task #%(task)d planned.") % {"task": task.pk})
                    return redirect("transfers:detail", task.pk)
    return render_page_or_partial(
        request,
        {"form": form, "where": where, "q": q, "where_choices": WHERE_CHOICES, "limit": CANDIDATE_LIMIT},
        page="transfers/add.html",
        partial="transfers/_candidates.html",
        target="tr-candidates",
    )


def _detail_context(request: HttpRequest, task: TransferTask, **extra: Any) -> dict[str, Any]:
    passengers = list(passengers_of(task))
    crew = list(crew_of(task))
    can_work = request.user.has_perm(WORK_TASKS)
    timeline = [
        (_("Created"), task.created_at, task.created_by),
        (_("Planned departure"), task.planned_at, None),
        (_("Departed"), task.departed_at, None),
        (_("Arrived"), task.arrived_at, None),
        (_("Vehicle disinfected"), task.disinfected_at, task.disinfected_by),
        (_("Cancelled"), task.cancelled_at, None),
    ]
    context: dict[str, Any] = {
        "task": task,
        "passengers": passengers,
        "aboard": sum(1 for p in passengers if p.is_active),
        "crew": crew,
        "timeline": [row for row in timeline if row[1] is not None],
        "can_work": can_work,
        "crew_form": extra.get("crew_form") or CrewForm(),
        "time_form": TimeForm(),
        "cancel_form": extra.get("cancel_form") or CancelForm(),
    }
    if can_work and task.status == "planned":
        context["vehicles"] = list(free_vehicles_for(request.user, task=task))
        context["candidates"] = [
            (m.pk, _measure_label(m)) for m in candidate_measures(request.user, where="")[:CANDIDATE_LIMIT]
        ]
    return context


@login_required
@permission_required(VIEW_TASKS, raise_exception=True)
@require_GET
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_task_for_user(request.user, pk)
    return render(request, "transfers/detail.html", _detail_context(request, task))


def _task_to_work_on(request: HttpRequest, pk: int) -> TransferTask:
    if not request.user.has_perm(WORK_TASKS):
        raise PermissionDenied
    return get_task_for_user(request.user, pk)


def _run_action(request: HttpRequest, task: TransferTask, action: Any, done: str) -> HttpResponse:
    try:
        result = action()
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    except Conflict as exc:
        messages.error(request, " ".join([exc.message, *exc.details]))
    else:
        message = getattr(result, "message", None) or done
        level = messages.WARNING if getattr(result, "unplaced", None) else messages.SUCCESS
        messages.add_message(request, level, message)
    return redirect("transfers:detail", task.pk)


def _at(request: HttpRequest) -> Any:
    form = TimeForm(request.POST)
    if not form.is_valid():
        raise ValidationError(_("Give the time as date and hour, e.g. 2026-11-02 14:30."))
    return form.cleaned_data


@login_required
@require_POST
def task_depart(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task_to_work_on(request, pk)

    def run() -> Any:
        return depart(actor=request.user, task=task, at=_at(request)["at"], request=request)

    return _run_action(request, task, run, _("Task #%(task)d has departed.") % {"task": task.pk})


@login_required
@require_POST
def task_arrive(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task_to_work_on(request, pk)

    def run() -> Any:
        data = _at(request)
        return arrive(
            actor=request.user,
            task=task,
            at=data["at"],
            place_passengers=not data["leave_unplaced"],
            request=request,
        )

    return _run_action(request, task, run, _("Task #%(task)d has arrived.") % {"task": task.pk})


@login_required
@require_POST
def task_disinfect(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task_to_work_on(request, pk)

    def run() -> Any:
        return record_disinfection(actor=request.user, task=task, at=_at(request)["at"], request=request)

    return _run_action(request, task, run, _("Disinfection recorded; the vehicle is available again."))


@login_required
@require_POST
def task_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task_to_work_on(request, pk)
    form = CancelForm(request.POST)
    if not form.is_valid():
        context = _detail_context(request, task, cancel_form=form)
        return render(request, "transfers/detail.html", context, status=422)

    def run() -> Any:
        return cancel_task(actor=request.user, task=task, reason=form.cleaned_data["reason"], request=request)

    return _run_action(request, task, run, _("Task #%(task)d cancelled.") % {"task": task.pk})


@login_required
@require_POST
def task_vehicle(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task_to_work_on(request, pk)
    raw = request.POST.get("vehicle", "")
    if not raw.isdigit():
        messages.error(request, _("Choose a vehicle."))
        return redirect("transfers:detail", task.pk)
    vehicle = get_vehicle_for_user(request.user, int(raw))

    def run() -> Any:
        return assign_vehicle(actor=request.user, task=task, vehicle=vehicle, request=request)

    return _run_action(request, task, run, _("Vehicle %(plate)s assigned.") % {"plate": vehicle.plate})


@login_required
@require_POST
def task_passengers(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a person (measure=<id>) or take one off (remove=<passenger id>)."""
    task = _task_to_work_on(request, pk)
    remove = request.POST.get("remove", "")
    raw = request.POST.get("measure", "")
    if remove.isdigit():
        passenger = get_object_or_404(TransferPassenger, pk=int(remove), task=task)

        def run() -> Any:
            return remove_passenger(actor=request.user, task=task, passenger=passenger, request=request)

        return _run_action(request, task, run, _("%(name)s taken off the task.") % {"name": passenger.person.name})
    if not raw.isdigit():
        messages.error(request, _("Choose a person to add."))
        return redirect("transfers:detail", task.pk)
    measure = get_measure_for_user(request.user, int(raw))

    def add() -> Any:
        return add_passenger(actor=request.user, task=task, measure=measure, request=request)

    return _run_action(request, task, add, _("%(name)s added to the task.") % {"name": measure.person.name})


@login_required
@require_POST
def task_crew(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task_to_work_on(request, pk)
    remove = request.POST.get("remove", "")
    if remove.isdigit():
        member = get_object_or_404(crew_of(task), pk=int(remove))

        def drop() -> Any:
            return remove_crew_member(actor=request.user, task=task, member=member, request=request)

        return _run_action(request, task, drop, _("Crew member removed."))
    form = CrewForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            add_crew_member(
                actor=request.user,
                task=task,
                data=CrewInput(role=data["role"], name=data["name"], phone=data["phone"]),
                request=request,
            )
        except ValidationError as exc:
            apply_service_error(form, exc)
        except Conflict as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Crew member added."))
            return redirect("transfers:detail", task.pk)
    return render(request, "transfers/detail.html", _detail_context(request, task, crew_form=form), status=422)


# --- vehicles ---------------------------------------------------------------------------------------


@login_required
@permission_required("transfers.view_vehicle", raise_exception=True)
@require_GET
def vehicle_list(request: HttpRequest) -> HttpResponse:
    form = VehicleFilterForm(request.GET)
    qs = vehicles_for(request.user, **form.filters())
    page = CountedPaginator(qs, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = with_place_labels(page.object_list, "place")
    booked = booked_tasks(list(page.object_list))
    for vehicle in page.object_list:
        vehicle.booked_task = booked.get(vehicle.pk)
    context = {"page": page, "form": form, "counts": vehicle_counts(request.user)}
    return render_page_or_partial(
        request, context, page="transfers/vehicles.html", partial="transfers/_vehicles.html", target="veh-results"
    )


def _vehicle_input(request: HttpRequest, form: VehicleForm) -> VehicleInput | None:
    data = form.cleaned_data
    try:
        place = get_place_for_user(request.user, data["place"])
    except Http404:
        form.add_error("place", _("No such place in your jurisdiction."))
        return None
    return VehicleInput(plate=data["plate"], seats=data["seats"], place=place, kind=data["kind"], note=data["note"])


@login_required
@permission_required("transfers.add_vehicle", raise_exception=True)
@require_http_methods(["GET", "POST"])
def vehicle_add(request: HttpRequest) -> HttpResponse:
    form = VehicleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = _vehicle_input(request, form)
        if data is not None:
            try:
                vehicle = create_vehicle(actor=request.user, data=data, request=request)
            except ValidationError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, _("Vehicle %(plate)s registered.") % {"plate": vehicle.plate})
                return redirect("transfers:vehicles")
    return render(request, "transfers/vehicle_form.html", {"form": form, "vehicle": None})


@login_required
@permission_required("transfers.view_vehicle", raise_exception=True)
@require_http_methods(["GET", "POST"])
def vehicle_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The vehicle's page: its runs, and (for those who manage vehicles) its details and status."""
    vehicle: Vehicle = get_vehicle_for_user(request.user, pk)
    can_edit = request.user.has_perm("transfers.change_vehicle")
    if request.method == "POST" and not can_edit:
        raise PermissionDenied
    initial = {
        "plate": vehicle.plate,
        "kind": vehicle.kind,
        "seats": vehicle.seats,
        "place": vehicle.place_id,
        "note": vehicle.note,
        "status": vehicle.status,
    }
    form = VehicleForm(request.POST or None, initial=initial, with_status=True)
    if request.method == "POST" and form.is_valid():
        data = _vehicle_input(request, form)
        if data is not None:
            try:
                update_vehicle(
                    actor=request.user,
                    vehicle=vehicle,
                    data=data,
                    status=form.cleaned_data.get("status") or None,
                    request=request,
                )
            except ValidationError as exc:
                apply_service_error(form, exc)
            except Conflict as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Vehicle %(plate)s saved.") % {"plate": vehicle.plate})
                return redirect("transfers:vehicle_edit", vehicle.pk)
    runs = tasks_for(request.user, vehicle=vehicle)[:20]
    return render(
        request,
        "transfers/vehicle_form.html",
        {"form": form, "vehicle": vehicle, "runs": runs, "can_edit": can_edit, "kinds": TransferKind},
    )


@login_required
@permission_required("transfers.add_transfertask", raise_exception=True)
@require_POST
def measure_request_site(request: HttpRequest, pk: int) -> HttpResponse:
    """The measure page's "request a transfer to a site" (a room came free after the person was controlled)."""
    from fangkong.transfers.requests import request_site_transfer

    measure = get_measure_for_user(request.user, pk)
    task = request_site_transfer(actor=request.user, measure=measure, request=request)
    if task is None:
        messages.error(request, _("No site in use has a free room; activate a reserve site first."))
    else:
        messages.success(
            request, _("Transfer task #%(task)d to %(site)s.") % {"task": task.pk, "site": task.destination}
        )
    return redirect("quarantine:measure_detail", measure.pk)
