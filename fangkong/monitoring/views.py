"""Monitoring pages: home-care list and export, a measure's monitoring page (team, seal, deliveries,
reports, alerts, the personal report link with its QR code), the reports-due board, the alert list,
and the person's own report page (public, mobile, reached by the signed link)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fangkong.audit.models import AuditAction
from fangkong.audit.services import record
from fangkong.core.errors import Conflict
from fangkong.core.exports import Column, xlsx_response
from fangkong.core.htmx import render_page_or_partial
from fangkong.core.masking import mask_name, mask_phone
from fangkong.core.paging import CountedPaginator
from fangkong.monitoring import slots
from fangkong.monitoring.forms import (
    AlertCloseForm,
    AlertFilterForm,
    CorrectReportForm,
    DeliveryForm,
    DeliveryStatusForm,
    DueFilterForm,
    HomeCareFilterForm,
    HomeCareForm,
    MemberForm,
    SelfReportForm,
    StaffReportForm,
)
from fangkong.monitoring.models import HomeCare, Slot, Symptom
from fangkong.monitoring.selectors import (
    alerts_for,
    care_contacts,
    deliveries_of,
    get_alert_for_user,
    get_delivery,
    get_home_care_for_measure,
    get_measure_for_user,
    get_member,
    get_report_for_user,
    home_cares_for,
    reports_due,
    reports_of,
    sites_for_board,
    slot_progress,
    team_candidates,
    team_of,
    todays_slots,
)
from fangkong.monitoring.services import (
    AlreadyReported,
    HomeCareInput,
    MemberInput,
    ReportingClosed,
    ReportInput,
    ReportRateLimited,
    add_team_member,
    close_alert,
    correct_report,
    record_report,
    remove_team_member,
    renew_link,
    request_delivery,
    set_delivery_status,
    submit_self_report,
    update_home_care,
)
from fangkong.places.forms import apply_service_error
from fangkong.protocols.models import MeasureKind
from fangkong.quarantine.models import Measure

EXPORT_CHUNK = 2000


def _report_url(request: HttpRequest, measure: Measure) -> str:
    from fangkong.quarantine.services import report_link_token

    return request.build_absolute_uri(reverse("monitoring:self_report", args=[report_link_token(measure)]))


# --- home care list ------------------------------------------------------------------------------


def _home_cares(request: HttpRequest) -> tuple[Any, HomeCareFilterForm, str]:
    form = HomeCareFilterForm(request.GET)
    qs = home_cares_for(request.user, **form.filters())
    query = urlencode({k: request.GET[k] for k in ("q", "kind", "status", "sealed", "gaps") if request.GET.get(k)})
    return qs, form, query


@login_required
@permission_required("monitoring.view_homecare", raise_exception=True)
@require_GET
def home_list(request: HttpRequest) -> HttpResponse:
    qs, form, query = _home_cares(request)
    page = CountedPaginator(qs, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    kinds = dict(MeasureKind.choices)
    for care in page.object_list:
        care.phase_label = kinds.get(care.phase_today, "")
    context = {"page": page, "form": form, "filter_query": query}
    return render_page_or_partial(
        request, context, page="monitoring/home_list.html", partial="monitoring/_home_list.html", target="home-results"
    )


@login_required
@permission_required("monitoring.view_homecare", raise_exception=True)
@require_GET
def home_export(request: HttpRequest) -> HttpResponseBase:
    qs, _form, _query = _home_cares(request)
    kinds = dict(MeasureKind.choices)
    yes, no = _("Yes"), _("No")
    columns = [
        Column(gettext_lazy("Name"), lambda c: c.measure.person.name, 10),
        Column(gettext_lazy("Mobile phone"), lambda c: mask_phone(c.measure.person.phone), 13),
        Column(gettext_lazy("Household"), lambda c: c.household.name, 16),
        Column(gettext_lazy("Community / grid"), lambda c: c.measure.place.name, 16),
        Column(gettext_lazy("Phase today"), lambda c: str(kinds.get(c.phase_today, "")), 14),
        Column(gettext_lazy("Ends"), lambda c: c.measure.ends_on, 11),
        Column(gettext_lazy("Care team"), lambda c: f"{c.team_count}/{c.team_size}", 8),
        Column(gettext_lazy("Door sealed"), lambda c: yes if c.sealed else no, 8),
        Column(gettext_lazy("Door sensor"), lambda c: c.sensor_id, 12),
        Column(gettext_lazy("Morning report"), lambda c: yes if c.morning_done else no, 8),
        Column(gettext_lazy("Afternoon report"), lambda c: yes if c.afternoon_done else no, 8),
        Column(gettext_lazy("Open alerts"), lambda c: c.open_alerts or 0, 8),
    ]
    response, rows = xlsx_response(columns, qs.iterator(chunk_size=EXPORT_CHUNK), filename="home-care")
    record(
        actor=request.user,
        action=AuditAction.EXPORT,
        object_type="monitoring.homecare",
        summary=f"home care exported (masked): {rows} rows",
        request=request,
    )
    return response


# --- a measure's monitoring page -----------------------------------------------------------------


def _initial_report(now: dt.datetime | None = None) -> dict[str, Any]:
    day, slot = slots.current_slot(now)
    return {"date": day, "slot": slot}


def _measure_context(request: HttpRequest, measure: Measure, **forms: Any) -> dict[str, Any]:
    user: Any = request.user
    care = get_home_care_for_measure(user, measure)
    can_link = user.has_perm("monitoring.change_homecare") and measure.is_active
    context: dict[str, Any] = {
        "measure": measure,
        "person": measure.person,
        "care": care,
        "reports": list(reports_of(measure)[:60]),
        "alerts": list(alerts_for(user, status="", measure=measure)[:50]),
        "report_form": forms.get("report_form") or StaffReportForm(initial=_initial_report()),
        "correct_form": forms.get("correct_form"),
        "symptoms": Symptom.choices,
        "can_link": can_link,
    }
    if care is not None:
        context |= {
            "team": team_of(care),
            "deliveries": list(deliveries_of(care)[:30]),
            "care_form": forms.get("care_form")
            or HomeCareForm(
                initial={
                    "team_size": care.team_size,
                    "seal_applied_at": care.seal_applied_at and timezone.localtime(care.seal_applied_at),
                    "seal_removed_at": care.seal_removed_at and timezone.localtime(care.seal_removed_at),
                    "sensor_id": care.sensor_id,
                    "sensor_notes": care.sensor_notes,
                }
            ),
            "member_form": forms.get("member_form") or MemberForm(candidates=team_candidates(measure)),
            "delivery_form": forms.get("delivery_form") or DeliveryForm(),
        }
    if can_link:
        url = _report_url(request, measure)
        svg = segno.make(url, error="m").svg_inline(scale=4, dark="#000", light="#fff")
        context |= {"report_url": url, "qr_svg": mark_safe(svg)}  # noqa: S308 - segno's own SVG
    return context


@login_required
@permission_required("monitoring.view_healthreport", raise_exception=True)
@require_GET
def measure_page(request: HttpRequest, pk: int) -> HttpResponse:
    measure = get_measure_for_user(request.user, pk)
    return render(request, "monitoring/measure.html", _measure_context(request, measure))


def _back(measure: Measure, anchor: str = "") -> HttpResponse:
    return redirect(reverse("monitoring:measure", args=[measure.pk]) + (f"#{anchor}" if anchor else ""))


def _report_input(data: dict[str, Any]) -> ReportInput:
    return ReportInput(
        temperature=data["temperature"],
        symptoms=list(data.get("symptoms") or []),
        other_symptom=data.get("other_symptom") or "",
        date=data.get("date"),
        slot=data.get("slot") or "",
    )


@login_required
@permission_required("monitoring.add_healthreport", raise_exception=True)
@require_POST
def report_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff entry of a report for a slot, or the correction of one (with `report`)."""
    measure = get_measure_for_user(request.user, pk)
    status = 200
    if request.POST.get("report"):
        correct = CorrectReportForm(request.POST)
        if correct.is_valid():
            report = get_report_for_user(request.user, correct.cleaned_data["report"])
            if report.measure_id != measure.pk:
                raise Http404
            try:
                correct_report(actor=request.user, report=report, data=_report_input(correct.cleaned_data))
            except ValidationError as exc:
                apply_service_error(correct, exc)
            else:
                messages.success(request, _("Report corrected."))
                return _back(measure, "reports")
        context = _measure_context(request, measure, correct_form=correct)
        return render(request, "monitoring/measure.html", context, status=200)
    form = StaffReportForm(request.POST)
    if form.is_valid():
        try:
            record_report(actor=request.user, measure=measure, data=_report_input(form.cleaned_data), request=request)
        except ValidationError as exc:
            apply_service_error(form, exc)
        except Conflict as exc:
            form.add_error(None, exc.message)
            status = 409
        else:
            messages.success(request, _("Report saved."))
            return _back(measure, "reports")
    return render(
        request, "monitoring/measure.html", _measure_context(request, measure, report_form=form), status=status
    )


def _home_care_or_404(request: HttpRequest, measure: Measure) -> HomeCare:
    care = get_home_care_for_measure(request.user, measure)
    if care is None:
        raise Http404
    return care


@login_required
@permission_required("monitoring.change_homecare", raise_exception=True)
@require_POST
def home_view(request: HttpRequest, pk: int) -> HttpResponse:
    measure = get_measure_for_user(request.user, pk)
    care = _home_care_or_404(request, measure)
    form = HomeCareForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            update_home_care(
                actor=request.user,
                home_care=care,
                data=HomeCareInput(
                    team_size=data["team_size"],
                    seal_applied_at=data["seal_applied_at"],
                    seal_removed_at=data["seal_removed_at"],
                    sensor_id=data["sensor_id"],
                    sensor_notes=data["sensor_notes"],
                ),
                request=request,
            )
        except ValidationError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("Home care record saved."))
            return _back(measure, "home")
    return render(request, "monitoring/measure.html", _measure_context(request, measure, care_form=form))


@login_required
@permission_required("monitoring.change_homecare", raise_exception=True)
@require_POST
def team_view(request: HttpRequest, pk: int) -> HttpResponse:
    measure = get_measure_for_user(request.user, pk)
    care = _home_care_or_404(request, measure)
    remove = request.POST.get("remove", "")
    if remove:
        if not remove.isdigit() or len(remove) > 18:
            raise Http404
        remove_team_member(actor=request.user, member=get_member(care, int(remove)), request=request)
        messages.success(request, _("Team member removed."))
        return _back(measure, "team")
    candidates = team_candidates(measure)
    form = MemberForm(request.POST, candidates=candidates)
    if form.is_valid():
        data = form.cleaned_data
        try:
            add_team_member(
                actor=request.user,
                home_care=care,
                data=MemberInput(
                    role=data["role"],
                    name=data["name"],
                    phone=data["phone"],
                    duty=data["duty"],
                    user=form.candidates.get(data["user"]) if data["user"] else None,
                ),
                request=request,
            )
        except ValidationError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("Team member added."))
            return _back(measure, "team")
    return render(request, "monitoring/measure.html", _measure_context(request, measure, member_form=form))


@login_required
@permission_required("monitoring.add_delivery", raise_exception=True)
@require_POST
def deliveries_view(request: HttpRequest, pk: int) -> HttpResponse:
    measure = get_measure_for_user(request.user, pk)
    care = _home_care_or_404(request, measure)
    if request.POST.get("delivery"):
        if not request.user.has_perm("monitoring.change_delivery"):
            raise PermissionDenied
        status_form = DeliveryStatusForm(request.POST)
        if not status_form.is_valid():
            raise Http404
        delivery = get_delivery(care, status_form.cleaned_data["delivery"])
        try:
            set_delivery_status(
                actor=request.user, delivery=delivery, status=status_form.cleaned_data["status"], request=request
            )
        except (Conflict, ValidationError) as exc:
            messages.error(request, getattr(exc, "message", "") or " ".join(getattr(exc, "messages", [])))
        else:
            messages.success(request, _("Delivery updated."))
        return _back(measure, "deliveries")
    form = DeliveryForm(request.POST)
    if form.is_valid():
        try:
            request_delivery(
                actor=request.user,
                home_care=care,
                items=form.cleaned_data["items"],
                note=form.cleaned_data["note"],
                request=request,
            )
        except ValidationError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("Delivery requested."))
            return _back(measure, "deliveries")
    return render(request, "monitoring/measure.html", _measure_context(request, measure, delivery_form=form))


@login_required
@permission_required("monitoring.change_homecare", raise_exception=True)
@require_POST
def renew_link_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A lost or shared link: the old one stops working at once, the page shows the new one."""
    measure = get_measure_for_user(request.user, pk)
    try:
        renew_link(actor=request.user, measure=measure, request=request)
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("A new report link was made; the old one no longer works."))
    return _back(measure, "link")


# --- the reports-due board -----------------------------------------------------------------------


def _due_params(request: HttpRequest) -> tuple[DueFilterForm, dict[str, Any]]:
    source = request.POST if request.method == "POST" else request.GET
    form = DueFilterForm(source)
    data = form.cleaned_data if form.is_valid() else {}
    default_day, default_slot = slots.current_slot()
    site = None
    if data.get("site"):
        site = sites_for_board(request.user).filter(pk=data["site"]).first()
        if site is None:
            raise Http404
    return form, {
        "day": data.get("date") or default_day,
        "slot": data.get("slot") or default_slot,
        "where": data.get("where") or "",
        "site": site,
    }


def _symptoms_of(request: HttpRequest, measure_id: int) -> list[str]:
    return [s for s in request.POST.getlist(f"s-{measure_id}") if s in Symptom.values]


@login_required
@permission_required("monitoring.view_healthreport", raise_exception=True)
@require_http_methods(["GET", "POST"])
def due_board(request: HttpRequest) -> HttpResponse:
    """Who has not reported in a slot; a medic types temperatures down the list and saves them at once."""
    form, params = _due_params(request)
    errors: dict[int, str] = {}
    typed: dict[int, dict[str, Any]] = {}
    saved = 0
    if request.method == "POST":
        if not request.user.has_perm("monitoring.add_healthreport"):
            raise PermissionDenied
        ids = [int(v) for v in request.POST.getlist("measure") if v.isdigit() and len(v) <= 18][: settings.PAGE_SIZE]
        for measure_id in ids:
            temperature = request.POST.get(f"t-{measure_id}", "").strip()
            symptoms = _symptoms_of(request, measure_id)
            if not temperature:
                continue
            measure = get_measure_for_user(request.user, measure_id)
            try:
                record_report(
                    actor=request.user,
                    measure=measure,
                    data=ReportInput(
                        temperature=temperature, symptoms=symptoms, date=params["day"], slot=params["slot"]
                    ),
                    request=request,
                )
            except ValidationError as exc:
                errors[measure_id] = " ".join(exc.messages)
                typed[measure_id] = {"t": temperature, "s": symptoms}
            except Conflict as exc:
                errors[measure_id] = exc.message
            else:
                saved += 1
        if saved:
            messages.success(request, _("%(n)d reports saved.") % {"n": saved})
        if not errors:
            query = urlencode(
                {"date": params["day"].isoformat(), "slot": params["slot"], "where": params["where"]}
                | ({"site": params["site"].pk} if params["site"] else {})
            )
            return redirect(reverse("monitoring:due") + "?" + query)
    qs = reports_due(request.user, day=params["day"], slot=params["slot"], where=params["where"], site=params["site"])
    page = CountedPaginator(qs, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"measure": m, "error": errors.get(m.pk, ""), "typed": typed.get(m.pk, {})} for m in page.object_list]
    return render(
        request,
        "monitoring/due.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "params": params,
            "slot_label": Slot(params["slot"]).label,
            "progress": slot_progress(request.user, day=params["day"], slot=params["slot"]),
            "sites": sites_for_board(request.user),
            "symptoms": Symptom.choices,
            "can_enter": request.user.has_perm("monitoring.add_healthreport")
            and slots.has_opened(params["day"], params["slot"]),
        },
        status=422 if errors else 200,
    )


# --- alerts --------------------------------------------------------------------------------------


def _alerts(request: HttpRequest) -> tuple[Any, AlertFilterForm, str]:
    form = AlertFilterForm(request.GET)
    qs = alerts_for(request.user, **form.filters())
    query = urlencode({k: request.GET[k] for k in ("status", "kind", "urgency", "mine", "since") if request.GET.get(k)})
    return qs, form, query


@login_required
@permission_required("monitoring.view_healthalert", raise_exception=True)
@require_http_methods(["GET", "POST"])
def alert_list(request: HttpRequest) -> HttpResponse:
    """Open alerts first; refreshed every 30 seconds; leads close them with what was done."""
    close_form = AlertCloseForm(request.POST or None)
    if request.method == "POST":
        if not request.user.has_perm("monitoring.change_healthalert"):
            raise PermissionDenied
        if close_form.is_valid():
            alert = get_alert_for_user(request.user, close_form.cleaned_data["alert"])
            try:
                close_alert(actor=request.user, alert=alert, note=close_form.cleaned_data["note"], request=request)
            except ValidationError as exc:
                apply_service_error(close_form, exc)
            except Conflict as exc:
                close_form.add_error(None, exc.message)
            else:
                messages.success(request, _("Alert closed."))
                if request.POST.get("back") == "measure":
                    return _back(alert.measure, "alerts")
                return redirect(reverse("monitoring:alerts") + "?" + request.GET.urlencode())
    qs, form, query = _alerts(request)
    page = CountedPaginator(qs, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "form": form, "close_form": close_form, "filter_query": query}
    return render_page_or_partial(
        request, context, page="monitoring/alerts.html", partial="monitoring/_alerts.html", target="alert-results"
    )


def _alert_rows(qs: Any) -> Iterator[Any]:
    yield from qs.iterator(chunk_size=EXPORT_CHUNK)


@login_required
@permission_required("monitoring.view_healthalert", raise_exception=True)
@require_GET
def alert_export(request: HttpRequest) -> HttpResponseBase:
    qs, _form, _query = _alerts(request)
    columns = [
        Column(gettext_lazy("Raised"), lambda a: a.created_at, 16),
        Column(gettext_lazy("Name"), lambda a: a.measure.person.name, 10),
        Column(gettext_lazy("Mobile phone"), lambda a: mask_phone(a.measure.person.phone), 13),
        Column(gettext_lazy("Alert"), lambda a: a.get_kind_display(), 10),
        Column(gettext_lazy("Urgency"), lambda a: a.get_urgency_display(), 8),
        Column(gettext_lazy("Date"), lambda a: a.date, 11),
        Column(gettext_lazy("Slot"), lambda a: a.get_slot_display(), 8),
        Column(gettext_lazy("Detail"), lambda a: a.detail, 30),
        Column(gettext_lazy("Responsible worker"), lambda a: str(a.assigned_to or ""), 12),
        Column(gettext_lazy("Status"), lambda a: a.get_status_display(), 8),
        Column(gettext_lazy("Closed"), lambda a: a.closed_at, 16),
        Column(gettext_lazy("What was done"), lambda a: a.close_note, 30),
    ]
    response, rows = xlsx_response(columns, _alert_rows(qs), filename="health-alerts")
    record(
        actor=request.user,
        action=AuditAction.EXPORT,
        object_type="monitoring.healthalert",
        summary=f"health alerts exported (masked): {rows} rows",
        request=request,
    )
    return response


# --- the person's own report page (public) ------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def self_report(request: HttpRequest, token: str) -> HttpResponse:
    """No login: the signed link is the key. A bad, renewed or expired link gets a clear page and a 410."""
    from fangkong.quarantine.services import ReportLinkInvalid, measure_for_report_token

    try:
        measure = measure_for_report_token(token)
    except ReportLinkInvalid as exc:
        return render(request, "monitoring/link_invalid.html", {"message": exc.message}, status=410)
    form = SelfReportForm(request.POST or None)
    status = 200
    done = None
    problem = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            done = submit_self_report(
                token=token,
                data=ReportInput(
                    temperature=data["temperature"],
                    symptoms=list(data["symptoms"]),
                    other_symptom=data["other_symptom"],
                ),
                request=request,
            )
        except ReportLinkInvalid as exc:
            return render(request, "monitoring/link_invalid.html", {"message": exc.message}, status=410)
        except ReportRateLimited:
            problem = _("Too many reports from this link or network; please call your care team.")
            status = 429
        except (AlreadyReported, ReportingClosed) as exc:
            problem = exc.message
            status = 409
        except ValidationError as exc:
            apply_service_error(form, exc)
        else:
            form = SelfReportForm()
    window = slots.open_window()
    today = todays_slots(measure)
    open_now = window is not None and not any(s["state"] == "done" and s["window"] == window for s in today)
    upcoming_day, upcoming = slots.next_window()
    return render(
        request,
        "monitoring/self_report.html",
        {
            "masked_name": mask_name(measure.person.name),
            "contacts": care_contacts(measure),
            "form": form,
            "today": today,
            "window": window,
            "open_now": open_now,
            "upcoming": upcoming,
            "upcoming_day": upcoming_day,
            "done": done,
            "problem": problem,
        },
        status=status,
    )
