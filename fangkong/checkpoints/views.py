"""Checkpoint pages: list/detail with kit and roster, the gate page (a PWA that queues offline), alerts,
registrations with export, and the venue's public self check-in with its QR poster."""

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
from django.core.signing import BadSignature, Signer
from django.db.models import Max
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from fangkong.audit.models import AuditAction
from fangkong.audit.services import exported, record, say
from fangkong.checkpoints.forms import (
    AlertHandleForm,
    CheckInForm,
    CheckpointFilterForm,
    CheckpointForm,
    GateForm,
    KitForm,
    RegistrationFilterForm,
    ShiftForm,
)
from fangkong.checkpoints.models import Checkpoint, CheckpointStatus, Direction, HealthCode, NextStep
from fangkong.checkpoints.selectors import (
    alerts_for,
    checkpoint_for_check_in,
    checkpoints_for,
    daily_rollup,
    day_counts,
    gate_status,
    get_alert_for_user,
    get_checkpoint_for_user,
    get_shift,
    kit_of,
    parse_lookup,
    registrations_for,
    roster,
    street_names,
    submitted_report,
)
from fangkong.checkpoints.services import (
    CheckpointInput,
    RegistrationInput,
    RegistrationResult,
    SelfCheckInLimited,
    ShiftInput,
    add_shift,
    handle_alert,
    reason_label,
    register,
    remove_shift,
    report_due_at,
    save_checkpoint,
    self_check_in,
    set_kit,
    submit_daily_report,
)
from fangkong.core import fields
from fangkong.core.exports import Column, xlsx_response
from fangkong.core.htmx import is_htmx_target, render_page_or_partial, vary_on_htmx
from fangkong.core.masking import mask_document, mask_phone
from fangkong.core.paging import CountedPaginator
from fangkong.core.validators import search_term
from fangkong.places.labels import with_place_labels
from fangkong.places.models import Place
from fangkong.places.selectors import get_place_for_user

CHECK_IN_SALT = "fangkong.checkpoints.check_in"
EXPORT_CHUNK = 2000


# Service fields the gate's form shows under another name.
FIELD_ON_FORM = {"document_number": "lookup", "document_type": "lookup", "phone": "lookup"}


def _form_errors(form: Any, exc: ValidationError) -> None:
    items = exc.message_dict.items() if hasattr(exc, "error_dict") else [("__all__", exc.messages)]
    for name, errors in items:
        name = FIELD_ON_FORM.get(name, name)
        form.add_error(name if name in form.fields else None, errors)


# --- checkpoints ----------------------------------------------------------------------------------


@login_required
@permission_required("checkpoints.view_checkpoint", raise_exception=True)
@require_GET
def checkpoint_list(request: HttpRequest) -> HttpResponse:
    form = CheckpointFilterForm(request.GET)
    qs = checkpoints_for(request.user, **form.filters()).select_related("place")
    page = CountedPaginator(qs, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = with_place_labels(page.object_list, "place")
    query = urlencode({k: request.GET[k] for k in ("q", "type", "status") if request.GET.get(k)})
    context = {"page": page, "form": form, "filter_query": query}
    return render_page_or_partial(
        request, context, page="checkpoints/list.html", partial="checkpoints/_list.html", target="cp-results"
    )


def _checkpoint_columns() -> list[Column]:
    return [
        Column(gettext_lazy("Name"), lambda c: c.name, 20),
        Column(gettext_lazy("Type"), lambda c: c.get_type_display(), 14),
        Column(gettext_lazy("Place"), lambda c: c.place.name, 20),
        Column(gettext_lazy("Location"), lambda c: c.location, 24),
        Column(gettext_lazy("Opening hours"), lambda c: c.opening_hours, 14),
        Column(gettext_lazy("Status"), lambda c: c.get_status_display(), 10),
    ]


@login_required
@permission_required("checkpoints.view_checkpoint", raise_exception=True)
@require_GET
def checkpoint_export(request: HttpRequest) -> HttpResponseBase:
    form = CheckpointFilterForm(request.GET)
    qs = checkpoints_for(request.user, **form.filters()).select_related("place")
    response, rows = xlsx_response(_checkpoint_columns(), qs.iterator(chunk_size=EXPORT_CHUNK), filename="checkpoints")
    record(
        actor=request.user,
        action=AuditAction.EXPORT,
        object_type="checkpoints.checkpoint",
        summary=exported(gettext_lazy("Checkpoints"), rows),
        request=request,
    )
    return response


@login_required
@permission_required("checkpoints.add_checkpoint", raise_exception=True)
@require_http_methods(["GET", "POST"])
def checkpoint_add(request: HttpRequest) -> HttpResponse:
    form = CheckpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            place = get_place_for_user(request.user, data["place"])
        except Http404:
            form.add_error("place", _("No such place in your jurisdiction."))
        else:
            try:
                checkpoint = save_checkpoint(
                    actor=request.user,
                    data=CheckpointInput(
                        name=data["name"],
                        type=data["type"],
                        place=place,
                        location=data["location"],
                        opening_hours=data["opening_hours"],
                        status=data["status"],
                    ),
                    request=request,
                )
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                return redirect("checkpoints:detail", checkpoint.pk)
    return render(request, "checkpoints/add.html", {"form": form})


@login_required
@permission_required("checkpoints.view_checkpoint", raise_exception=True)
@require_GET
def checkpoint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    checkpoint = get_checkpoint_for_user(request.user, pk)
    return render(request, "checkpoints/detail.html", _detail_context(request, checkpoint))


def _detail_context(request: HttpRequest, checkpoint: Checkpoint, **extra: Any) -> dict[str, Any]:
    today = timezone.localdate()
    kit = kit_of(checkpoint)
    return {
        "checkpoint": checkpoint,
        "today": day_counts(checkpoint, today),
        "kit": kit,
        "kit_form": extra.get("kit_form") or KitForm(initial={"present": [k["item"] for k in kit if k["present"]]}),
        "missing": [k for k in kit if not k["present"]],
        "roster": roster(checkpoint),
        "shift_form": extra.get("shift_form") or ShiftForm(),
        "alerts": alerts_for(request.user, checkpoint=checkpoint, handled=False)[:10],
    }


@login_required
@permission_required("checkpoints.change_checkpoint", raise_exception=True)
@require_http_methods(["POST"])
def kit_view(request: HttpRequest, pk: int) -> HttpResponse:
    checkpoint = get_checkpoint_for_user(request.user, pk)
    form = KitForm(request.POST)
    if form.is_valid():
        set_kit(actor=request.user, checkpoint=checkpoint, present=set(form.cleaned_data["present"]), request=request)
        messages.success(request, _("Kit checklist saved."))
        return redirect("checkpoints:detail", checkpoint.pk)
    return render(request, "checkpoints/detail.html", _detail_context(request, checkpoint, kit_form=form))


@login_required
@permission_required("checkpoints.change_checkpoint", raise_exception=True)
@require_http_methods(["POST"])
def shift_view(request: HttpRequest, pk: int) -> HttpResponse:
    checkpoint = get_checkpoint_for_user(request.user, pk)
    remove = request.POST.get("remove", "")
    if remove:
        if not remove.isdigit():
            raise Http404
        shift = get_shift(checkpoint, int(remove))
        remove_shift(actor=request.user, shift=shift, request=request)
        messages.success(request, _("Shift removed."))
        return redirect("checkpoints:detail", checkpoint.pk)
    form = ShiftForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            add_shift(
                actor=request.user,
                checkpoint=checkpoint,
                data=ShiftInput(
                    staff_name=data["staff_name"],
                    post=data["post"],
                    starts_at=data["starts_at"],
                    ends_at=data["ends_at"],
                    staff_phone=data["staff_phone"],
                    is_backup=data["is_backup"],
                ),
                request=request,
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Shift added."))
            return redirect("checkpoints:detail", checkpoint.pk)
    return render(request, "checkpoints/detail.html", _detail_context(request, checkpoint, shift_form=form))


# --- the gate -------------------------------------------------------------------------------------


def _input_from(form_data: dict[str, Any], checkpoint: Checkpoint) -> RegistrationInput:
    raw = form_data.get("lookup", "")
    try:
        document_type, number, phone = parse_lookup(raw)
    except ValidationError:
        document_type, number, phone = "resident_id", raw, ""
    return RegistrationInput(
        client_id=form_data["client_id"],
        checkpoint_id=checkpoint.pk,
        direction=form_data.get("direction", "in"),
        document_type=document_type,
        document_number=number,
        phone=phone,
        name=form_data.get("name", ""),
        temperature=form_data.get("temperature", ""),
        health_code=form_data.get("health_code", ""),
        itinerary_code=form_data.get("itinerary_code", ""),
        vaccination=form_data.get("vaccination", ""),
        latest_test_on=form_data.get("latest_test_on", ""),
        vehicle_plate=form_data.get("vehicle_plate", ""),
        passengers=form_data.get("passengers", ""),
        came_from=form_data.get("came_from", ""),
        reason=form_data.get("reason", ""),
        destination=form_data.get("destination", ""),
    )


def _outcome(result: RegistrationResult) -> dict[str, Any]:
    registration = result.registration
    step = registration.next_step if registration else NextStep.PASS
    return {
        "status": result.status,
        "next_step": step,
        "next_step_label": NextStep(step).label,
        "reasons": [reason_label(r) for r in (result.alert.reasons if result.alert else [])],
    }


def _step_labels() -> dict[str, str]:
    return {f"data-step-{value.replace('_', '-')}": str(label) for value, label in NextStep.choices}


@never_cache
@login_required
@permission_required("checkpoints.add_registration", raise_exception=True)
@require_http_methods(["GET", "POST"])
def gate(request: HttpRequest, pk: int) -> HttpResponse:
    """The gate's form on a phone; without JavaScript it posts here, with it the queue posts to the batch API."""
    checkpoint = get_checkpoint_for_user(request.user, pk)
    form = GateForm(request.POST or None)
    outcome = None
    if request.method == "POST" and form.is_valid():
        result = register(actor=request.user, data=_input_from(form.cleaned_data, checkpoint), request=request)
        if result.status == "rejected":
            _form_errors(form, ValidationError(result.errors))
        else:
            outcome = _outcome(result)
            form = GateForm()
    return render(
        request,
        "checkpoints/gate.html",
        {
            "checkpoint": checkpoint,
            "form": form,
            "outcome": outcome,
            "is_open": checkpoint.status == CheckpointStatus.OPEN,
            "step_labels": _step_labels(),
        },
    )


@login_required
@permission_required("checkpoints.add_registration", raise_exception=True)
@require_GET
def lookup(request: HttpRequest, pk: int) -> HttpResponse:
    """The person's status as the gate types: key person, measure, risk area, test overdue (HTMX partial)."""
    checkpoint = get_checkpoint_for_user(request.user, pk)
    raw = search_term(request.GET.get("lookup"), limit=40)
    # Wait for a whole number: an ID or phone has 11+ characters, a passport 6+ with a letter.
    whole = len(raw) >= 11 or (len(raw) >= 6 and any(ch.isalpha() for ch in raw[:-1]))
    status = gate_status(raw) if whole else None
    if status is not None and status.person is not None:
        record(
            actor=request.user,
            action=AuditAction.SEARCH,
            object_type="people.person",
            object_id=status.person.pk,
            summary=say(gettext_lazy("Status looked up at %(checkpoint)s"), checkpoint=checkpoint.name),
            request=request,
        )
    return render(request, "checkpoints/_status.html", {"status": status, "checkpoint": checkpoint})


@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    import json

    body = {
        "name": _("Fangkong gate registration"),
        "short_name": _("Gate"),
        "start_url": reverse("checkpoints:list"),
        "scope": reverse("checkpoints:list"),
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#b02a37",
        "icons": [{"src": static("fangkong/favicon.svg"), "sizes": "any", "type": "image/svg+xml"}],
    }
    return HttpResponse(json.dumps(body, ensure_ascii=False), content_type="application/manifest+json")


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """Served under /checkpoints/ (not /static/) so it may control the gate pages."""
    path = settings.BASE_DIR / "static" / "checkpoints" / "sw.js"
    response = HttpResponse(path.read_text(encoding="utf-8"), content_type="application/javascript")
    response["Cache-Control"] = "no-cache"
    return response


# --- alerts ---------------------------------------------------------------------------------------


@login_required
@permission_required("checkpoints.view_alert", raise_exception=True)
@require_http_methods(["GET", "POST"])
def alert_list(request: HttpRequest) -> HttpResponse:
    """The community's and the HQ duty desk's list of abnormal passages; leads record what was done."""
    form = AlertHandleForm(request.POST or None)
    if request.method == "POST":
        if not request.user.has_perm("checkpoints.change_alert"):
            raise PermissionDenied
        if form.is_valid():
            alert = get_alert_for_user(request.user, form.cleaned_data["alert"])
            try:
                handle_alert(actor=request.user, alert=alert, outcome=form.cleaned_data["outcome"], request=request)
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("Alert handled."))
                return redirect(reverse("checkpoints:alerts") + "?" + request.GET.urlencode())
    if is_htmx_target(request, "alert-news"):
        return vary_on_htmx(_alert_news(request))
    handled_raw = request.GET.get("handled", "0")
    handled = None if handled_raw == "" else handled_raw == "1"
    qs = alerts_for(request.user, handled=handled)
    page = CountedPaginator(qs, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    for alert in page.object_list:
        alert.reason_labels = [reason_label(r) for r in alert.reasons]
    return render(
        request,
        "checkpoints/alerts.html",
        {"page": page, "form": form, "handled": handled_raw, "newest": _newest_alert_id(request.user)},
    )


def _newest_alert_id(user: Any) -> int:
    return alerts_for(user).aggregate(newest=Max("id"))["newest"] or 0


def _alert_news(request: HttpRequest) -> HttpResponse:
    """The open page asks every few seconds: how many alerts arrived after the newest it showed (the list itself
    stays put, so an outcome being typed is never wiped). Ids, not clock times, so no alert slips between two."""
    try:
        after = int(request.GET.get("after", ""))
    except ValueError:
        after = _newest_alert_id(request.user)
    fresh = alerts_for(request.user, handled=False).filter(pk__gt=after)
    return render(request, "checkpoints/_alert_news.html", {"count": fresh.count()})


# --- registrations --------------------------------------------------------------------------------


def _registrations(request: HttpRequest) -> tuple[Any, RegistrationFilterForm, str]:
    form = RegistrationFilterForm(request.GET)
    filters = form.filters()
    checkpoint = get_checkpoint_for_user(request.user, filters["checkpoint"]) if filters["checkpoint"] else None
    since = until = None
    if filters["day"]:
        since = timezone.make_aware(dt.datetime.combine(filters["day"], dt.time.min))
        until = since + dt.timedelta(days=1)
    qs = registrations_for(
        request.user,
        checkpoint=checkpoint,
        direction=filters["direction"],
        abnormal=filters["abnormal"],
        since=since,
        until=until,
    ).select_related("checkpoint")
    query = urlencode({k: request.GET[k] for k in ("direction", "abnormal", "day", "checkpoint") if request.GET.get(k)})
    return qs, form, query


@login_required
@permission_required("checkpoints.view_registration", raise_exception=True)
@require_GET
def registration_list(request: HttpRequest) -> HttpResponse:
    qs, form, query = _registrations(request)
    page = CountedPaginator(qs, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    return render_page_or_partial(
        request,
        {"page": page, "form": form, "filter_query": query},
        page="checkpoints/registrations.html",
        partial="checkpoints/_registrations.html",
        target="reg-results",
    )


def _registration_rows(qs: Any) -> Iterator[dict[str, Any]]:
    rows = qs.values(
        "occurred_at",
        "checkpoint__name",
        "direction",
        "name",
        "document_number",
        "phone",
        "temperature",
        "health_code",
        "vehicle_plate",
        "passengers",
        "came_from",
        "reason",
        "destination",
        "is_abnormal",
        "next_step",
        "source",
    )
    yield from rows.iterator(chunk_size=EXPORT_CHUNK)


@login_required
@permission_required("checkpoints.view_registration", raise_exception=True)
@require_GET
def registration_export(request: HttpRequest) -> HttpResponseBase:
    qs, _form, _query = _registrations(request)
    yes, no = _("Yes"), _("No")
    directions = {k: str(v) for k, v in Direction.choices}
    codes = {k: str(v) for k, v in HealthCode.choices}
    columns = [
        Column(gettext_lazy("Time"), lambda r: r["occurred_at"], 18),
        Column(gettext_lazy("Checkpoint"), lambda r: r["checkpoint__name"], 16),
        Column(gettext_lazy("Direction"), lambda r: directions.get(r["direction"], r["direction"]), 6),
        Column(gettext_lazy("Name"), lambda r: r["name"], 10),
        Column(gettext_lazy("Document number"), lambda r: mask_document(r["document_number"]), 20),
        Column(gettext_lazy("Mobile phone"), lambda r: mask_phone(r["phone"]), 13),
        Column(gettext_lazy("Temperature (°C)"), lambda r: r["temperature"], 8),
        Column(gettext_lazy("Health code"), lambda r: codes.get(r["health_code"], r["health_code"]), 8),
        Column(gettext_lazy("Vehicle plate"), lambda r: r["vehicle_plate"], 10),
        Column(gettext_lazy("Passengers"), lambda r: r["passengers"], 6),
        Column(gettext_lazy("Came from"), lambda r: r["came_from"], 14),
        Column(gettext_lazy("Reason"), lambda r: r["reason"], 12),
        Column(gettext_lazy("Destination"), lambda r: r["destination"], 12),
        Column(gettext_lazy("Abnormal"), lambda r: yes if r["is_abnormal"] else no, 6),
        Column(gettext_lazy("Next step"), lambda r: str(NextStep(r["next_step"]).label), 16),
    ]
    response, rows = xlsx_response(columns, _registration_rows(qs), filename="registrations")
    record(
        actor=request.user,
        action=AuditAction.EXPORT,
        object_type="checkpoints.registration",
        summary=exported(gettext_lazy("Registrations"), rows),
        request=request,
    )
    return response


# --- venue self check-in (扫码登记) ----------------------------------------------------------------


def check_in_token(checkpoint: Checkpoint) -> str:
    """Signed, so ids cannot be walked to post into other checkpoints."""
    return Signer(salt=CHECK_IN_SALT).sign(str(checkpoint.pk)).replace(":", ".")


def _checkpoint_for_token(token: str) -> Checkpoint:
    try:
        pk = Signer(salt=CHECK_IN_SALT).unsign(token.replace(".", ":"))
    except BadSignature:
        raise Http404 from None
    return checkpoint_for_check_in(int(pk))


@login_required
@permission_required("checkpoints.view_checkpoint", raise_exception=True)
@require_GET
def poster(request: HttpRequest, pk: int) -> HttpResponse:
    checkpoint = get_checkpoint_for_user(request.user, pk)
    url = request.build_absolute_uri(reverse("checkpoints:check_in", args=[check_in_token(checkpoint)]))
    svg = segno.make(url, error="m").svg_inline(scale=8, dark="#000", light="#fff")
    return render(request, "checkpoints/poster.html", {"checkpoint": checkpoint, "url": url, "qr_svg": mark_safe(svg)})  # noqa: S308 - segno's own SVG


@never_cache
@require_http_methods(["GET", "POST"])
def check_in(request: HttpRequest, token: str) -> HttpResponse:
    checkpoint = _checkpoint_for_token(token)
    form = CheckInForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        item = _input_from({**data, "direction": "in"}, checkpoint)
        try:
            result = self_check_in(checkpoint=checkpoint, data=item, request=request)
        except SelfCheckInLimited:
            form.add_error(None, _("Too many check-ins from this phone or network; please register with the staff."))
            status = 429
        else:
            if result.status == "rejected":
                _form_errors(form, ValidationError(result.errors))
            else:
                return render(
                    request, "checkpoints/check_in_done.html", {"checkpoint": checkpoint, "outcome": _outcome(result)}
                )
    return render(request, "checkpoints/check_in.html", {"checkpoint": checkpoint, "form": form}, status=status)


# --- daily checkpoint report (卡点日报) -----------------------------------------------------------


def _figure_labels() -> list[tuple[str, Any]]:
    return [
        ("total", _("Registered")),
        ("inbound", _("In")),
        ("outbound", _("Out")),
        ("vehicles", _("Vehicles")),
        ("abnormal", _("Abnormal")),
        ("abnormal_handled", _("Abnormal, handled")),
        ("risk_returnees", _("Returnees from risk areas")),
        ("controlled_passed", _("Persons under control who passed")),
    ]


def _day_param(request: HttpRequest) -> tuple[dt.date, str]:
    """The day asked for, or today and the reason the one asked for cannot be shown."""
    raw = request.POST.get("day") or request.GET.get("day") or ""
    try:
        day = fields.DateField(required=False).clean(raw)
    except ValidationError as exc:
        return timezone.localdate(), " ".join(exc.messages)
    return day or timezone.localdate(), ""


@login_required
@permission_required("checkpoints.view_checkpoint", raise_exception=True)
@require_http_methods(["GET", "POST"])
def daily_report(request: HttpRequest, pk: int) -> HttpResponse:
    """The day's figures, compiled on the fly; staff confirm and submit; printable for posting at the gate."""
    checkpoint = get_checkpoint_for_user(request.user, pk)
    day, error = _day_param(request)
    can_submit = request.user.has_perm("checkpoints.add_registration")
    if request.method == "POST" and not can_submit:
        raise PermissionDenied
    if request.method == "POST" and not error:
        try:
            submit_daily_report(actor=request.user, checkpoint=checkpoint, day=day, request=request)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("Daily report submitted."))
            return redirect(reverse("checkpoints:daily", args=[checkpoint.pk]) + f"?day={day.isoformat()}")
    report = submitted_report(checkpoint, day)
    figures = day_counts(checkpoint, day)
    due = report_due_at(day)
    return render(
        request,
        "checkpoints/daily.html",
        {
            "checkpoint": checkpoint,
            "day": day,
            "rows": [(label, figures[key]) for key, label in _figure_labels()],
            "report": report,
            "late": report is not None and report.submitted_at > due,
            "due_at": due,
            "can_submit": can_submit,
            "error": error,
        },
        status=422 if error else 200,
    )


@login_required
@permission_required("checkpoints.view_checkpoint", raise_exception=True)
@require_GET
def daily_rollup_view(request: HttpRequest) -> HttpResponseBase:
    """Every checkpoint's submitted report of a day, by street, with the district's sums; Excel export."""
    day, error = _day_param(request)
    rows, totals = daily_rollup(request.user, day=day)
    streets = street_names([r.checkpoint.place_path for r in rows])
    labelled = _figure_labels()
    table: list[dict[str, Any]] = sorted(
        (
            {
                "street": streets.get(r.checkpoint.place_path[: 2 * Place.steplen], ""),
                "checkpoint": r.checkpoint,
                "report": r.report,
                "values": [r.report.figures.get(key, 0) if r.report else "" for key, _label in labelled],
            }
            for r in rows
        ),
        key=lambda row: (str(row["street"]), str(getattr(row["checkpoint"], "name", ""))),
    )
    table = _with_street_subtotals(table, len(labelled))
    if request.GET.get("format") == "xlsx" and not error:
        columns = [
            Column(gettext_lazy("Street"), lambda row: row["street"], 14),
            Column(gettext_lazy("Checkpoint"), lambda row: row["checkpoint"].name if row["checkpoint"] else "", 20),
            *[
                Column(label, lambda row, i=i: row["values"][i], 10)  # type: ignore[misc]
                for i, (_key, label) in enumerate(labelled)
            ],
            Column(gettext_lazy("Submitted"), lambda row: row["report"].submitted_at if row.get("report") else "", 16),
        ]
        response, _rows = xlsx_response(columns, iter(table), filename=f"checkpoint-reports-{day.isoformat()}")
        return response
    return render(
        request,
        "checkpoints/rollup.html",
        {
            "day": day,
            "rows": table,
            "totals": totals,
            "labels": [label for _key, label in labelled],
            "total_values": [totals[key] for key, _label in labelled],
            "error": error,
        },
        status=422 if error else 200,
    )


def _with_street_subtotals(table: list[dict[str, Any]], width: int) -> list[dict[str, Any]]:
    """After each street's checkpoints, one row with the street's sums over the submitted reports."""
    out: list[dict[str, Any]] = []
    for index, row in enumerate(table):
        out.append(row)
        last_of_street = index + 1 == len(table) or table[index + 1]["street"] != row["street"]
        if last_of_street:
            rows = [r for r in table if r["street"] == row["street"]]
            sums = [sum(int(r["values"][i] or 0) for r in rows) for i in range(width)]
            out.append({"street": row["street"], "checkpoint": None, "report": None, "values": sums, "subtotal": True})
    return out
