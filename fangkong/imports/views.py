"""Import pages: upload, preview and mapping, confirm, live progress, result download."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fangkong.audit.models import AuditAction
from fangkong.audit.services import exported, record
from fangkong.core.exports import Column, xlsx_response
from fangkong.core.htmx import is_htmx_target
from fangkong.core.masking import mask_address, mask_document, mask_phone
from fangkong.imports import services
from fangkong.imports.categories import push_categories
from fangkong.imports.forms import ConfirmForm, JobFilterForm, UploadForm
from fangkong.imports.kinds import KINDS
from fangkong.imports.models import ImportJob, JobStatus
from fangkong.imports.readers import ImportFileError
from fangkong.imports.results import result_available, result_response
from fangkong.imports.selectors import Preview, get_job_for_user, issues_for, jobs_for, preview, progress
from fangkong.places.labels import with_place_labels
from fangkong.places.selectors import jurisdiction_roots, places_for

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ISSUES_PAGE_SIZE = 50
# The preview is seen by everyone in the jurisdiction, so personal columns are masked like any list.
MASKED_FIELDS = {"document_number": mask_document, "phone": mask_phone, "address": mask_address}


def _filtered_jobs(request: HttpRequest) -> tuple[Any, dict[str, str], JobFilterForm]:
    """The job list's queryset for the query string; shared by the page and the export."""
    form = JobFilterForm(request.GET)
    filters = form.filters()
    qs = jobs_for(request.user)
    if filters["kind"]:
        qs = qs.filter(kind=filters["kind"])
    if filters["status"]:
        qs = qs.filter(status=filters["status"])
    return qs, filters, form


def _default_place(user: Any) -> Any:
    roots = jurisdiction_roots(user)
    return roots[0] if roots else None


@login_required
@permission_required("imports.view_importjob", raise_exception=True)
@require_http_methods(["GET", "POST"])
def job_list(request: HttpRequest) -> HttpResponse:
    qs, filters, filter_form = _filtered_jobs(request)
    can_upload = request.user.has_perm("imports.add_importjob")
    upload_form: UploadForm | None = None
    if can_upload:
        default = _default_place(request.user)
        upload_form = UploadForm(
            request.POST or None,
            request.FILES or None,
            places=places_for(request.user),
            categories=push_categories(default),
            initial={"kind": "population", "place": default.pk if default else None},
        )
    if request.method == "POST":
        if upload_form is None:
            return HttpResponse(status=403)
        if upload_form.is_valid():
            try:
                job = services.create_job(
                    actor=request.user,
                    upload=upload_form.cleaned_data["file"],
                    kind=upload_form.cleaned_data["kind"],
                    target_place=upload_form.cleaned_data["place"],
                    options=upload_form.options(),
                    request=request,
                )
            except ImportFileError as exc:
                upload_form.add_error("file", exc.message)
            else:
                if getattr(job, "reused", False):
                    messages.info(request, _("This file was already uploaded; here is its import."))
                return redirect("imports:detail", pk=job.pk)
    page = Paginator(qs, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = with_place_labels(page.object_list, "target_place")
    query = urlencode({k: v for k, v in filters.items() if v})
    context = {
        "page": page,
        "filter_form": filter_form,
        "filters": filters,
        "filter_query": query,
        "form": upload_form,
        "chosen_place": upload_form.chosen_place() if upload_form is not None else None,
    }
    if is_htmx_target(request, "import-jobs"):
        response = render(request, "imports/_jobs.html", context)
    else:
        response = render(request, "imports/list.html", context, status=400 if request.method == "POST" else 200)
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


EXPORT_COLUMNS = [
    Column(gettext_lazy("Uploaded"), lambda j: j.created_at, 18),
    Column(gettext_lazy("Kind"), lambda j: str(j.get_kind_display()), 16),
    Column(gettext_lazy("File name"), lambda j: j.original_name, 28),
    Column(gettext_lazy("Import into"), lambda j: j.target_place.name, 18),
    Column(gettext_lazy("Uploaded by"), lambda j: j.created_by.get_username(), 14),
    Column(gettext_lazy("Status"), lambda j: str(j.get_status_display()), 16),
    Column(gettext_lazy("Rows in file"), lambda j: j.rows_total if j.rows_total is not None else "", 10),
    Column(gettext_lazy("Accepted"), lambda j: j.accepted, 10),
    Column(gettext_lazy("Accepted with warnings"), lambda j: j.warnings, 10),
    Column(gettext_lazy("Rejected"), lambda j: j.rejected, 10),
]


@login_required
@permission_required("imports.view_importjob", raise_exception=True)
@require_GET
def job_export(request: HttpRequest) -> HttpResponseBase:
    qs, filters, _form = _filtered_jobs(request)
    response, count = xlsx_response(EXPORT_COLUMNS, qs.iterator(chunk_size=2000), filename="imports")
    record(
        actor=request.user,
        action=AuditAction.EXPORT,
        object_type="imports.importjob",
        summary=exported(gettext_lazy("Imports"), count),
        changes={"filters": filters, "rows": count},
        request=request,
    )
    return response


def _header_row_param(request: HttpRequest) -> int | None:
    raw = request.GET.get("header_row", "").strip()
    if raw.isdigit() and 1 <= int(raw) <= 1000:
        return int(raw) - 1
    return None


def _width(shown: Preview) -> int:
    return max([len(shown.headers), *(len(r) for r in shown.sample)])


def _preview_context(job: ImportJob, shown: Preview, form: ConfirmForm | None) -> dict[str, Any]:
    spec = KINDS[job.kind]
    labels = {f.name: f.label for f in spec.fields}
    width = _width(shown)
    columns = []
    for col in range(width):
        selected = form.data.get(f"col_{col}", "") if form is not None and form.is_bound else shown.mapping.get(col, "")
        columns.append(
            {
                "index": col,
                "header": shown.headers[col] if col < len(shown.headers) else "",
                "selected": selected,
                "extra": not selected,
            }
        )
    masks = {col: MASKED_FIELDS[name] for col, name in shown.mapping.items() if name in MASKED_FIELDS}
    sample = [
        [masks[c](cell) if c in masks and cell else cell for c, cell in enumerate(row)] + [""] * (width - len(row))
        for row in shown.sample
    ]
    return {
        "preview": shown,
        "columns": columns,
        "sample": sample,
        "field_choices": [(f.name, f.label) for f in spec.fields],
        "missing_labels": [labels[name] for name in shown.missing_required],
        "header_row_display": shown.header_row + 1,
        "header_row_choices": range(1, max(shown.header_row + 2, 11) + 1),
    }


def _issues_page(request: HttpRequest, job: ImportJob) -> Any:
    return Paginator(issues_for(job), ISSUES_PAGE_SIZE).get_page(request.GET.get("page"))


def _issue_rows(job: ImportJob, page: Any) -> list[dict[str, Any]]:
    labels = {f.name: str(f.label) for f in KINDS[job.kind].fields}
    rows = []
    for issue in page.object_list:
        reasons = [
            f"{labels.get(field, field)}: {text}" if field else text
            for field, texts in (issue.messages or {}).items()
            for text in texts
        ]
        rows.append(
            {
                "row_number": issue.row_number,
                "status": issue.get_status_display(),
                "rejected": issue.status == "rejected",
                "reasons": reasons,
            }
        )
    return rows


def _duration(seconds: int | None) -> str:
    if seconds is None:
        return ""
    if seconds < 60:
        return _("%(s)d s") % {"s": seconds}
    if seconds < 3600:
        return _("%(m)d min %(s)d s") % {"m": seconds // 60, "s": seconds % 60}
    return _("%(h)d h %(m)d min") % {"h": seconds // 3600, "m": seconds % 3600 // 60}


def _progress_context(request: HttpRequest, job: ImportJob) -> dict[str, Any]:
    state = progress(job)
    context: dict[str, Any] = {
        "eta": _duration(state.eta_seconds),
        "job": job,
        "progress": state,
        "can_cancel": request.user.has_perm("imports.add_importjob"),
    }
    if state.finished:
        page = _issues_page(request, job)
        context.update({"issues_page": page, "issues": _issue_rows(job, page)})
    return context


def _job_context(job: ImportJob) -> dict[str, Any]:
    context: dict[str, Any] = {"job": job, "kind_label": KINDS[job.kind].label, "category_name": ""}
    code = str((job.options or {}).get("category") or "")
    if code:
        choices = push_categories(job.target_place)
        context["category_name"] = choices.name_of(code) if choices is not None else code
    return context


@login_required
@permission_required("imports.view_importjob", raise_exception=True)
@require_GET
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_job_for_user(request.user, pk)
    if is_htmx_target(request, "import-issues"):
        response = render(request, "imports/_issues.html", _progress_context(request, job))
        patch_vary_headers(response, ("HX-Request", "HX-Target"))
        return response
    context = _job_context(job)
    if job.status == JobStatus.UPLOADED:
        sheet = request.GET.get("sheet") or None
        try:
            shown = preview(job, sheet_name=sheet, header_row=_header_row_param(request))
        except ImportFileError as exc:
            context["preview_error"] = exc.message
        else:
            context.update(_preview_context(job, shown, None))
    else:
        context.update(_progress_context(request, job))
    response = render(request, "imports/detail.html", context)
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


@login_required
@permission_required("imports.add_importjob", raise_exception=True)
@require_POST
def job_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_job_for_user(request.user, pk)
    if job.status != JobStatus.UPLOADED:
        return redirect("imports:detail", pk=job.pk)
    sheet = request.POST.get("sheet_name") or None
    raw_header = request.POST.get("header_row", "")
    header_row = int(raw_header) - 1 if raw_header.isdigit() and 1 <= int(raw_header) <= 1000 else None
    try:
        shown = preview(job, sheet_name=sheet, header_row=header_row)
    except ImportFileError as exc:
        messages.error(request, exc.message)
        return redirect("imports:detail", pk=job.pk)
    width = _width(shown)
    form = ConfirmForm(request.POST, kind=job.kind, columns=width)
    errors: list[str] = []
    if form.is_valid():
        try:
            services.confirm_job(
                actor=request.user,
                job=job,
                sheet_name=shown.sheet_name,
                header_row=shown.header_row,
                mapping=form.mapping(),
                save_mapping_as=form.cleaned_data.get("save_mapping_as") or None,
            )
        except ValidationError as exc:
            errors = list(exc.messages)
        else:
            return redirect("imports:detail", pk=job.pk)
    else:
        errors = [str(e) for errs in form.errors.values() for e in errs]
    context = {**_job_context(job), "confirm_errors": errors, "form": form}
    context.update(_preview_context(job, shown, form))
    return render(request, "imports/detail.html", context, status=400)


@login_required
@permission_required("imports.view_importjob", raise_exception=True)
@require_GET
def job_progress(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_job_for_user(request.user, pk)
    # The status badge above the bar is refreshed out of band, so "Queued" turns into "Done" with it.
    context = {**_progress_context(request, job), "oob_status": True}
    response = render(request, "imports/_progress.html", context)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@permission_required("imports.add_importjob", raise_exception=True)
@require_POST
def job_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_job_for_user(request.user, pk)
    services.cancel_job(actor=request.user, job=job)
    messages.info(request, _("The import was cancelled; rows already committed stay imported."))
    return redirect("imports:detail", pk=job.pk)


@login_required
@permission_required("imports.view_importjob", raise_exception=True)
@require_GET
def job_result(request: HttpRequest, pk: int) -> HttpResponseBase:
    job = get_job_for_user(request.user, pk)
    if not result_available(job):
        messages.error(request, _("The result file is available once the import has finished."))
        return redirect("imports:detail", pk=job.pk)
    try:
        return result_response(actor=request.user, job=job, request=request)
    except ImportFileError as exc:
        messages.error(request, exc.message)
        return redirect("imports:detail", pk=job.pk)
