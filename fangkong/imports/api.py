"""Imports over the API: upload a file, follow its progress, fetch the result workbook."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponseBase
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import File, Form, Path, Router, Status
from ninja.files import UploadedFile

from fangkong.api.errors import AUTH_ERRORS, INPUT_ERRORS, NOT_FOUND, ErrorOut, PlaceNotFound, error_response
from fangkong.api.types import MAX_DB_ID
from fangkong.imports import services
from fangkong.imports.categories import push_categories
from fangkong.imports.kinds import KINDS
from fangkong.imports.models import MAX_DEADLINE_HOURS, ImportJob, ImportKind, JobStatus
from fangkong.imports.readers import ImportFileError
from fangkong.imports.results import result_available, result_response
from fangkong.imports.schemas import ImportCreated, ImportStatus
from fangkong.imports.selectors import get_job_for_user, preview, progress
from fangkong.places.models import Place
from fangkong.places.selectors import get_place_for_user, jurisdiction_roots

router = Router(tags=["imports"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
READ_ERRORS: dict[int, Any] = {**AUTH_ERRORS, **NOT_FOUND, 422: ErrorOut}
WRITE_ERRORS: dict[int, Any] = {**AUTH_ERRORS, **NOT_FOUND, **INPUT_ERRORS}


def _user(request: HttpRequest, permission: str) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    if not user.has_perm(permission):
        raise PermissionDenied
    return user


def _target(user: Any, place_id: int | None) -> Place:
    if place_id is not None:
        if not 1 <= place_id <= MAX_DB_ID:
            raise PlaceNotFound("place_id")
        try:
            return get_place_for_user(user, place_id)
        except Http404:
            raise PlaceNotFound("place_id") from None
    roots = jurisdiction_roots(user)
    if len(roots) != 1:
        # Several jurisdictions (or none): the caller must say where the rows go.
        raise ValidationError({"place_id": [_("Choose the place to import into.")]})
    return roots[0]


def _issued_on(raw: str) -> str:
    raw = raw.strip()
    if not raw:
        return ""
    try:
        return dt.date.fromisoformat(raw).isoformat()
    except ValueError:
        raise ValidationError({"issued_on": [_("Enter the date as YYYY-MM-DD.")]}) from None


def _category(place: Place, raw: str) -> str:
    """The category code `raw` names (a code or a name of the place's protocol); 422 naming the choices if none."""
    choices = push_categories(place)
    code = choices.resolve(raw) if choices is not None else None
    if code is None:
        names = choices.names if choices is not None else ""
        raise ValidationError({"category": [_("Unknown category; use one of: %(names)s.") % {"names": names}]})
    return code


@router.post(
    "/",
    response={201: ImportCreated, **WRITE_ERRORS},
    summary="Upload a spreadsheet (multipart) and start importing it",
    description=(
        "When every required column is recognised the import is confirmed at once and runs in the background; "
        "otherwise the job waits with status `uploaded` and `missing_required` lists the fields to map on its "
        "page. Uploading the same file again into the same place returns the earlier job with `reused: true`. "
        "A push list's `category` (a code or a name of the protocol's categories; empty: the protocol's default) "
        "is given to every row whose own category column is blank."
    ),
)
def upload(
    request: HttpRequest,
    file: File[UploadedFile],
    kind: Form[str],
    place_id: Form[int | None] = None,
    issuer: Form[str] = "",
    issued_on: Form[str] = "",
    deadline_hours: Form[int | None] = None,
    category: Form[str] = "",
) -> Any:
    user = _user(request, "imports.add_importjob")
    if kind not in KINDS:
        choices = ", ".join(ImportKind.values)
        raise ValidationError({"kind": [_("Choose one of: %(choices)s.") % {"choices": choices}]})
    place = _target(user, place_id)
    options: dict[str, Any] = {}
    if kind == ImportKind.PUSHLIST:
        options = {"issuer": issuer.strip()[:100], "issued_on": _issued_on(issued_on)}
        if deadline_hours is not None:
            if not 1 <= deadline_hours <= MAX_DEADLINE_HOURS:
                message = _("Give between 1 and %(n)d hours.") % {"n": MAX_DEADLINE_HOURS}
                raise ValidationError({"deadline_hours": [message]})
            options["deadline_hours"] = deadline_hours
        if category.strip():
            options["category"] = _category(place, category)
    try:
        job = services.create_job(
            actor=user, upload=file, kind=kind, target_place=place, options=options, request=request
        )
    except ImportFileError as exc:
        return error_response(422, exc.message, {"file": [exc.message]})
    reused = bool(getattr(job, "reused", False))
    missing: list[str] = []
    if job.status == JobStatus.UPLOADED:
        missing = _auto_confirm(user, job)
        job.refresh_from_db()
    return Status(201, {"id": job.pk, "status": job.status, "reused": reused, "missing_required": missing})


def _auto_confirm(user: Any, job: ImportJob) -> list[str]:
    """Confirm the detected mapping when it covers every required field; else name the fields still missing."""
    try:
        shown = preview(job)
    except ImportFileError:
        return list(KINDS[job.kind].required)
    if shown.missing_required:
        return shown.missing_required
    services.confirm_job(
        actor=user,
        job=job,
        sheet_name=shown.sheet_name,
        header_row=shown.header_row,
        mapping={str(col): name for col, name in shown.mapping.items()},
    )
    return []


@router.get("/{job_id}", response={200: ImportStatus, **READ_ERRORS}, summary="An import's status, counts and progress")
def status(request: HttpRequest, job_id: int = Path(..., ge=1, le=MAX_DB_ID)) -> Any:
    user = _user(request, "imports.view_importjob")
    job = get_job_for_user(user, job_id)
    state = progress(job)
    result_url = None
    if job.status in (JobStatus.DONE, JobStatus.CANCELLED):
        result_url = request.build_absolute_uri(reverse("api:import_result", args=[job.pk]))
    return {
        "id": job.pk,
        "kind": job.kind,
        "status": state.status,
        "rows_total": state.rows_total,
        "rows_done": state.rows_done,
        "accepted": state.accepted,
        "warnings": state.warnings,
        "rejected": state.rejected,
        "percent": state.percent,
        "eta_seconds": state.eta_seconds,
        "following_up": state.following_up,
        "result_url": result_url,
    }


@router.get(
    "/{job_id}/result",
    response={200: None, **READ_ERRORS, 409: ErrorOut},
    url_name="import_result",
    summary="The result workbook: the original rows plus a status and a reason column",
)
def result(request: HttpRequest, job_id: int = Path(..., ge=1, le=MAX_DB_ID)) -> HttpResponseBase:
    user = _user(request, "imports.view_importjob")
    job = get_job_for_user(user, job_id)
    if not result_available(job):
        return error_response(409, _("The result file is available once the import has finished."))
    try:
        return result_response(actor=user, job=job, request=request, via=gettext_lazy(" over the API"))
    except ImportFileError as exc:
        return error_response(422, exc.message)
