"""Quarantine pages: sites with rooms and staff, the capacity board, measures with their calendar,
placement and release, the printable release certificate and its public verification."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fangkong.audit.models import AuditAction
from fangkong.audit.services import exported, record, say
from fangkong.core.errors import Conflict
from fangkong.core.exports import Column, xlsx_response
from fangkong.core.htmx import render_page_or_partial
from fangkong.core.masking import mask_document, mask_name
from fangkong.core.paging import CountedPaginator
from fangkong.places.forms import apply_service_error
from fangkong.places.labels import attach_place_labels
from fangkong.protocols.selectors import all_category_names
from fangkong.quarantine import selectors, services
from fangkong.quarantine.forms import (
    DailyForm,
    ExtendForm,
    LeaveForm,
    MeasureFilterForm,
    MoveForm,
    PlaceForm,
    ReleaseForm,
    RoomsForm,
    RoomStatusForm,
    SiteFilterForm,
    SiteForm,
    StaffForm,
    TestForm,
)
from fangkong.quarantine.models import Measure, MeasureStatus, Room, RoomStatus, SiteStaff, StaffRole

EXPORT_CHUNK = 2000


def _error_message(request: HttpRequest, exc: Exception) -> None:
    if isinstance(exc, Conflict):
        messages.error(request, " ".join([exc.message, *exc.details]))
    elif isinstance(exc, ValidationError):
        messages.error(request, " ".join(exc.messages))


# --- sites -----------------------------------------------------------------------------------


@login_required
@permission_required("quarantine.view_site", raise_exception=True)
@require_GET
def site_list(request: HttpRequest) -> HttpResponse:
    form = SiteFilterForm(request.GET)
    qs = selectors.sites_for(request.user, **form.filters()).select_related("place")
    page = CountedPaginator(qs, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    counts = selectors.room_counts([s.pk for s in page.object_list])
    for site in page.object_list:
        site.counts = counts.get(site.pk, {})
    query = urlencode({k: request.GET[k] for k in ("q", "status") if request.GET.get(k)})
    context = {"page": page, "form": form, "filter_query": query}
    return render_page_or_partial(
        request, context, page="quarantine/sites.html", partial="quarantine/_sites.html", target="site-results"
    )


@login_required
@permission_required("quarantine.view_site", raise_exception=True)
@require_GET
def site_export(request: HttpRequest) -> HttpResponseBase:
    form = SiteFilterForm(request.GET)
    qs = selectors.sites_for(request.user, **form.filters()).select_related("place")
    counts = selectors.room_counts(list(qs.values_list("pk", flat=True)))
    columns = [
        Column(gettext_lazy("Name"), lambda s: s.name, 20),
        Column(gettext_lazy("Type"), lambda s: s.get_kind_display(), 8),
        Column(gettext_lazy("Status"), lambda s: s.get_status_display(), 10),
        Column(gettext_lazy("Street / district"), lambda s: s.place.name, 14),
        Column(gettext_lazy("Address"), lambda s: s.address, 28),
        Column(gettext_lazy("Rooms"), lambda s: counts.get(s.pk, {}).get("rooms", 0), 8),
        Column(gettext_lazy("Free"), lambda s: counts.get(s.pk, {}).get("free", 0), 8),
        Column(gettext_lazy("Occupied"), lambda s: counts.get(s.pk, {}).get("occupied", 0), 8),
        Column(gettext_lazy("Contact person"), lambda s: s.contact_name, 10),
        Column(gettext_lazy("Contact phone"), lambda s: s.contact_phone, 14),
    ]
    response, _rows = xlsx_response(columns, qs.iterator(chunk_size=EXPORT_CHUNK), filename="quarantine-sites")
    return response


def _site_input(data: dict[str, Any]) -> services.SiteInput:
    return services.SiteInput(
        name=data["name"],
        kind=data["kind"],
        place=data["place"],
        address=data["address"],
        status=data["status"],
        contact_name=data["contact_name"],
        contact_phone=data["contact_phone"],
        free_rooms_warning=data["free_rooms_warning"],
    )


@login_required
@permission_required("quarantine.add_site", raise_exception=True)
@require_http_methods(["GET", "POST"])
def site_add(request: HttpRequest) -> HttpResponse:
    form = SiteForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            site = services.create_site(actor=request.user, data=_site_input(form.cleaned_data), request=request)
        except ValidationError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("Site saved. Add its rooms below."))
            return redirect("quarantine:site_detail", site.pk)
    return render(request, "quarantine/site_form.html", {"form": form, "site": None})


@login_required
@permission_required("quarantine.change_site", raise_exception=True)
@require_http_methods(["GET", "POST"])
def site_edit(request: HttpRequest, pk: int) -> HttpResponse:
    site = selectors.get_site_for_user(request.user, pk)
    initial = {f: getattr(site, f) for f in ("name", "kind", "address", "status", "contact_name", "contact_phone")}
    initial |= {"place": site.place, "free_rooms_warning": site.free_rooms_warning}
    form = SiteForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_site(actor=request.user, site=site, data=_site_input(form.cleaned_data), request=request)
        except ValidationError as exc:
            apply_service_error(form, exc)
        except Conflict as exc:
            form.add_error("status", exc.message)
        else:
            return redirect("quarantine:site_detail", site.pk)
    return render(request, "quarantine/site_form.html", {"form": form, "site": site})


@login_required
@permission_required("quarantine.view_site", raise_exception=True)
@require_GET
def site_detail(request: HttpRequest, pk: int) -> HttpResponse:
    site = selectors.get_site_for_user(request.user, pk)
    status = request.GET.get("status", "")
    if status not in RoomStatus.values:
        status = ""
    rooms = list(selectors.rooms_of(site, status=status))
    floors: dict[int, list[Room]] = {}
    for room in rooms:
        floors.setdefault(room.floor, []).append(room)
    guests = list(selectors.guests_of(site))
    for guest in guests:
        guest.masked_document = mask_document(guest.person.document_number)  # type: ignore[attr-defined]
    staff = list(SiteStaff.objects.filter(site=site))
    now = timezone.localtime().time()
    on_duty = {role: [s for s in staff if s.role == role and s.on_duty_at(now)] for role in StaffRole.values}
    context = {
        "site": site,
        "floors": sorted(floors.items()),
        "status": status,
        "statuses": RoomStatus.choices,
        "counts": selectors.room_counts([site.pk]).get(site.pk, {}),
        "guests": guests,
        "staff": staff,
        "gaps": [StaffRole(r).label for r, people in on_duty.items() if not people],
        "rooms_form": RoomsForm(),
        "staff_form": StaffForm(),
        "room_status_form": RoomStatusForm(),
    }
    return render(request, "quarantine/site_detail.html", context)


@login_required
@permission_required("quarantine.change_site", raise_exception=True)
@require_POST
def site_rooms(request: HttpRequest, pk: int) -> HttpResponse:
    site = selectors.get_site_for_user(request.user, pk)
    form = RoomsForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            numbers = services.parse_room_numbers(data["numbers"])
            rooms = services.add_rooms(
                actor=request.user,
                site=site,
                numbers=numbers,
                floor=data["floor"],
                room_type=data["room_type"],
                capacity=data["capacity"],
                request=request,
            )
        except ValidationError as exc:
            _error_message(request, exc)
        else:
            messages.success(request, _("%(n)d rooms added.") % {"n": len(rooms)})
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("quarantine:site_detail", site.pk)


@login_required
@permission_required("quarantine.change_site", raise_exception=True)
@require_POST
def site_staff(request: HttpRequest, pk: int) -> HttpResponse:
    site = selectors.get_site_for_user(request.user, pk)
    remove = request.POST.get("remove", "")
    if remove:
        if not remove.isdigit():
            raise Http404
        staff = get_object_or_404(SiteStaff, site=site, pk=int(remove))
        services.remove_staff(actor=request.user, staff=staff, request=request)
        return redirect("quarantine:site_detail", site.pk)
    form = StaffForm(request.POST)
    if form.is_valid():
        services.add_staff(actor=request.user, site=site, **form.cleaned_data, request=request)
        messages.success(request, _("Staff member added to the roster."))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("quarantine:site_detail", site.pk)


@login_required
@permission_required("quarantine.change_room", raise_exception=True)
@require_POST
def room_status(request: HttpRequest, pk: int) -> HttpResponse:
    room = selectors.get_room_for_user(request.user, pk)
    form = RoomStatusForm(request.POST)
    if form.is_valid():
        try:
            services.set_room_status(actor=request.user, room=room, status=form.cleaned_data["status"], request=request)
        except (Conflict, ValidationError) as exc:
            _error_message(request, exc)
    else:
        messages.error(request, _("Choose free, cleaning or out of service."))
    return redirect(reverse("quarantine:site_detail", args=[room.site_id]) + f"#room-{room.pk}")


@login_required
@permission_required("quarantine.activate_site", raise_exception=True)
@require_POST
def site_activate(request: HttpRequest, pk: int) -> HttpResponse:
    site = selectors.get_site_for_user(request.user, pk)
    try:
        services.activate_site(actor=request.user, site=site, request=request)
    except Conflict as exc:
        _error_message(request, exc)
    else:
        messages.success(request, _("%(site)s is in use and takes guests now.") % {"site": site.name})
    if request.POST.get("next") == "board":
        return redirect("quarantine:capacity")
    return redirect("quarantine:site_detail", site.pk)


# --- the capacity board and daily lists ------------------------------------------------------


@login_required
@permission_required("quarantine.view_capacity", raise_exception=True)
@require_GET
def capacity(request: HttpRequest) -> HttpResponse:
    board = selectors.capacity_board(request.user)
    return render(request, "quarantine/capacity.html", {"board": board})


def _day(form: DailyForm) -> dt.date:
    return (form.cleaned_data.get("day") if form.is_valid() else None) or timezone.localdate()


@login_required
@permission_required("quarantine.view_measure", raise_exception=True)
@require_GET
def daily(request: HttpRequest) -> HttpResponse:
    form = DailyForm(request.GET)
    day = _day(form)
    kind = (form.cleaned_data.get("kind") if form.is_valid() else "") or "start"
    qs = selectors.daily_rows(request.user, day=day, kind=kind)
    page = CountedPaginator(qs, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    _mask(page.object_list)
    due = selectors.tests_due(request.user, day=day).filter(outcome="")
    tests = list(due[:50])
    for test in tests:
        test.masked_document = mask_document(test.measure.person.document_number)  # type: ignore[attr-defined]
    context = {
        "tests": tests,
        "tests_total": due.count(),
        "summary": selectors.daily_summary(request.user),
        "form": form,
        "day": day,
        "kind": kind,
        "page": page,
        "filter_query": urlencode({"day": day.isoformat(), "kind": kind}),
    }
    return render_page_or_partial(
        request, context, page="quarantine/daily.html", partial="quarantine/_daily_rows.html", target="daily-results"
    )


def _measure_columns() -> list[Column]:
    names = all_category_names()
    return [
        Column(gettext_lazy("Name"), lambda m: m.person.name, 10),
        Column(gettext_lazy("Document"), lambda m: mask_document(m.person.document_number), 20),
        Column(gettext_lazy("Category"), lambda m: names.get(m.category, m.category), 14),
        Column(gettext_lazy("Started"), lambda m: m.started_on, 12),
        Column(gettext_lazy("Ends"), lambda m: m.ends_on, 12),
        Column(gettext_lazy("Site"), lambda m: m.site.name if m.site else "", 16),
        Column(gettext_lazy("At home"), lambda m: _("yes") if m.at_home else "", 6),
        Column(gettext_lazy("Community / grid"), lambda m: m.place.name, 14),
        Column(gettext_lazy("Status"), lambda m: m.get_status_display(), 10),
    ]


@login_required
@permission_required("quarantine.view_measure", raise_exception=True)
@require_GET
def daily_export(request: HttpRequest) -> HttpResponseBase:
    form = DailyForm(request.GET)
    day = _day(form)
    kind = (form.cleaned_data.get("kind") if form.is_valid() else "") or "start"
    qs = selectors.daily_rows(request.user, day=day, kind=kind)
    response, rows = xlsx_response(
        _measure_columns(), qs.iterator(chunk_size=EXPORT_CHUNK), filename=f"quarantine-{kind}-{day:%Y%m%d}"
    )
    record(
        actor=request.user,
        action=AuditAction.EXPORT,
        object_type="quarantine.measure",
        summary=exported(gettext_lazy("Daily list"), rows),
        request=request,
    )
    return response


# --- measures ----------------------------------------------------------------------------------


def _mask(measures: Any) -> None:
    names = all_category_names()
    attach_place_labels(m.place for m in measures)
    for m in measures:
        m.masked_document = mask_document(m.person.document_number)
        m.category_name = names.get(m.category, m.category)


@login_required
@permission_required("quarantine.view_measure", raise_exception=True)
@require_GET
def measure_list(request: HttpRequest) -> HttpResponse:
    form = MeasureFilterForm(request.GET)
    qs = selectors.measures_for(request.user, **form.filters())
    page = CountedPaginator(qs, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    _mask(page.object_list)
    query = urlencode({k: request.GET[k] for k in ("q", "status", "where") if k in request.GET})
    context = {"page": page, "form": form, "filter_query": query}
    return render_page_or_partial(
        request, context, page="quarantine/measures.html", partial="quarantine/_measures.html", target="measure-results"
    )


@login_required
@permission_required("quarantine.view_measure", raise_exception=True)
@require_GET
def measure_export(request: HttpRequest) -> HttpResponseBase:
    form = MeasureFilterForm(request.GET)
    qs = selectors.measures_for(request.user, **form.filters())
    response, rows = xlsx_response(_measure_columns(), qs.iterator(chunk_size=EXPORT_CHUNK), filename="measures")
    record(
        actor=request.user,
        action=AuditAction.EXPORT,
        object_type="quarantine.measure",
        summary=exported(gettext_lazy("Measures"), rows),
        request=request,
    )
    return response


def _calendar(measure: Measure, phases: list[Any], tests: list[Any]) -> list[dict[str, Any]]:
    """Month grids covering the measure, each day tagged with its phase and any test due."""
    test_days = {t.due_on: t for t in tests}
    today = timezone.localdate()
    months: list[dict[str, Any]] = []
    first = measure.started_on.replace(day=1)
    month = first
    while month <= measure.ends_on:
        weeks = []
        for week in calendar.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month):
            cells = []
            for day in week:
                phase = next((p for p in phases if p.starts_on <= day <= p.ends_on), None)
                cells.append(
                    {
                        "day": day,
                        "in_month": day.month == month.month,
                        "phase": phase,
                        "test": test_days.get(day),
                        "today": day == today,
                    }
                )
            weeks.append(cells)
        months.append({"month": month, "weeks": weeks})
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return months


@login_required
@permission_required("quarantine.view_measure", raise_exception=True)
@require_GET
def measure_detail(request: HttpRequest, pk: int) -> HttpResponse:
    measure = selectors.get_measure_for_user(request.user, pk)
    phases = list(measure.phases.all())
    tests = list(measure.tests.all())
    placement = selectors.current_placement(measure)
    free_rooms: list[Room] = []
    if measure.is_active and placement is None and request.user.has_perm("quarantine.place_person"):
        free_rooms = list(selectors.free_rooms_for(request.user)[:200])
    move_rooms: list[Room] = []
    if placement is not None and request.user.has_perm("quarantine.place_person"):
        move_rooms = list(selectors.free_rooms_for(request.user)[:200])
    unmet = selectors.unmet_release_conditions(measure) if measure.is_active else []
    # The release button only where pressing it can work: every condition met, or only those an early
    # release (with a reason, for whoever may give one) waives.
    can_release = measure.is_active and (
        not unmet
        or (
            request.user.has_perm("quarantine.extend_measure")
            and not selectors.unmet_release_conditions(measure, waive_end_date=True)
        )
    )
    today = timezone.localdate()
    context = {
        "measure": measure,
        "person": measure.person,
        "masked_document": mask_document(measure.person.document_number),
        "category_name": all_category_names().get(measure.category, measure.category),
        "phases": phases,
        "current_phase": measure.phase_on(today),
        "tests": tests,
        "today": today,
        "placement": placement,
        "history": measure.placements.select_related("room", "site").order_by("placed_at"),
        "events": measure.events.select_related("actor"),
        "free_rooms": free_rooms,
        "move_rooms": move_rooms,
        "unmet": unmet,
        "can_release": can_release,
        "todo": selectors.still_to_do(measure, request.user),
        "months": _calendar(measure, phases, tests),
        "extend_form": ExtendForm(),
        "release_form": ReleaseForm(),
        "leave_form": LeaveForm(),
    }
    return render(request, "quarantine/measure_detail.html", context)


def _back(measure: Measure) -> HttpResponse:
    return redirect("quarantine:measure_detail", measure.pk)


@login_required
@permission_required("quarantine.place_person", raise_exception=True)
@require_POST
def measure_place(request: HttpRequest, pk: int) -> HttpResponse:
    measure = selectors.get_measure_for_user(request.user, pk)
    form = PlaceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a room."))
        return _back(measure)
    try:
        if form.cleaned_data.get("room"):
            room = selectors.get_room_for_user(request.user, form.cleaned_data["room"])
            placement = services.place_person(actor=request.user, measure=measure, room=room, request=request)
        else:
            placement = services.place_in_next_free_room(actor=request.user, measure=measure, request=request)
    except services.AlreadyPlaced as exc:
        # A double click: the first click placed the person; say where.
        messages.info(request, exc.message)
    except (Conflict, ValidationError) as exc:
        _error_message(request, exc)
    else:
        messages.success(
            request,
            _("Placed in room %(room)s of %(site)s.")
            % {"room": placement.room.number, "site": placement.room.site.name},
        )
    return _back(measure)


@login_required
@permission_required("quarantine.place_person", raise_exception=True)
@require_POST
def measure_move(request: HttpRequest, pk: int) -> HttpResponse:
    measure = selectors.get_measure_for_user(request.user, pk)
    placement = selectors.current_placement(measure)
    form = MoveForm(request.POST)
    if placement is None or not form.is_valid():
        messages.error(request, _("Choose the new room and give a reason."))
        return _back(measure)
    room = selectors.get_room_for_user(request.user, form.cleaned_data["room"])
    try:
        services.move_person(
            actor=request.user, placement=placement, room=room, reason=form.cleaned_data["reason"], request=request
        )
    except (Conflict, ValidationError) as exc:
        _error_message(request, exc)
    return _back(measure)


@login_required
@permission_required("quarantine.place_person", raise_exception=True)
@require_POST
def measure_leave(request: HttpRequest, pk: int) -> HttpResponse:
    measure = selectors.get_measure_for_user(request.user, pk)
    form = LeaveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say where the person goes and why."))
        return _back(measure)
    try:
        services.leave_site(
            actor=request.user,
            measure=measure,
            reason=form.cleaned_data["reason"],
            to_home=form.cleaned_data["to_home"],
            request=request,
        )
    except (Conflict, ValidationError) as exc:
        _error_message(request, exc)
    return _back(measure)


@login_required
@permission_required("quarantine.change_measuretest", raise_exception=True)
@require_POST
def measure_test(request: HttpRequest, pk: int) -> HttpResponse:
    measure = selectors.get_measure_for_user(request.user, pk)
    form = TestForm(request.POST)
    if form.is_valid():
        try:
            services.record_test(actor=request.user, measure=measure, **form.cleaned_data, request=request)
        except (Conflict, ValidationError) as exc:
            _error_message(request, exc)
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect(reverse("quarantine:measure_detail", args=[measure.pk]) + "#tests")


@login_required
@permission_required("quarantine.extend_measure", raise_exception=True)
@require_POST
def measure_extend(request: HttpRequest, pk: int) -> HttpResponse:
    measure = selectors.get_measure_for_user(request.user, pk)
    form = ExtendForm(request.POST)
    if form.is_valid():
        try:
            services.extend_measure(actor=request.user, measure=measure, **form.cleaned_data, request=request)
        except (Conflict, ValidationError) as exc:
            _error_message(request, exc)
        else:
            messages.success(request, _("The measure now ends on %(date)s.") % {"date": measure.ends_on})
    else:
        messages.error(request, _("Give the number of days (1–60) and a reason."))
    return _back(measure)


@login_required
@permission_required("quarantine.release_measure", raise_exception=True)
@require_POST
def measure_release(request: HttpRequest, pk: int) -> HttpResponse:
    measure = selectors.get_measure_for_user(request.user, pk)
    form = ReleaseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The reason is too long."))
        return _back(measure)
    early_reason = form.cleaned_data["early_reason"]
    if early_reason and not request.user.has_perm("quarantine.extend_measure"):
        raise PermissionDenied
    try:
        services.release_measure(actor=request.user, measure=measure, early_reason=early_reason, request=request)
    except (Conflict, ValidationError) as exc:
        _error_message(request, exc)
        return _back(measure)
    messages.success(request, _("Released. Print the release notice for the person."))
    return redirect("quarantine:certificate", measure.pk)


def _verify_url(request: HttpRequest, code: str) -> str:
    return request.build_absolute_uri(reverse("quarantine:verify", args=[code]))


@login_required
@permission_required("quarantine.view_measure", raise_exception=True)
@require_GET
def certificate(request: HttpRequest, pk: int) -> HttpResponse:
    measure = selectors.get_measure_for_user(request.user, pk)
    if measure.status != MeasureStatus.RELEASED or not measure.certificate_code:
        raise Http404
    url = _verify_url(request, measure.certificate_code)
    svg = segno.make(url, error="m").svg_inline(scale=4, dark="#000", light="#fff")
    record(
        actor=request.user,
        action=AuditAction.VIEW_FULL,
        obj=measure,
        summary=say(gettext_lazy("Release certificate of measure %(id)s printed"), id=measure.pk),
        request=request,
    )
    context = {
        "measure": measure,
        "person": measure.person,
        "document": mask_document(measure.person.document_number),
        "phases": list(measure.phases.all()),
        "url": url,
        "qr_svg": mark_safe(svg),  # noqa: S308 - segno's own SVG
    }
    return render(request, "quarantine/certificate.html", context)


@never_cache
@require_GET
def verify(request: HttpRequest, code: str) -> HttpResponse:
    """Public: anyone holding the notice scans its code and sees whether it is genuine."""
    measure = selectors.measure_by_certificate(code)
    context: dict[str, Any] = {"measure": measure, "code": code}
    if measure is not None:
        context["name"] = mask_name(measure.person.name)
        context["document"] = mask_document(measure.person.document_number)
    # An unknown number is an answer ("not genuine"), not a missing page: 200 either way.
    return render(request, "quarantine/verify.html", context)
