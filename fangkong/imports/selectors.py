"""Reads of import jobs, always scoped to the user's jurisdiction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from fangkong.core.scoping import scope_to_user
from fangkong.imports.headers import HEADER_SEARCH_ROWS, detect_header_row, mapping_for
from fangkong.imports.kinds import KINDS
from fangkong.imports.models import ImportJob, ImportRowIssue, JobStatus
from fangkong.imports.services import FINISHED, job_sheet


def jobs_for(user: Any) -> QuerySet[ImportJob]:
    return scope_to_user(ImportJob.objects.select_related("target_place", "created_by"), user).order_by(
        "-created_at", "-pk"
    )


def get_job_for_user(user: Any, pk: int) -> ImportJob:
    # Outside the user's jurisdiction is indistinguishable from not existing.
    return get_object_or_404(jobs_for(user), pk=pk)


@dataclass
class Preview:
    sheets: list[str]
    sheet_name: str
    header_row: int
    headers: list[str]
    mapping: dict[int, str]
    unmapped_columns: list[int]
    missing_required: list[str]
    sample: list[list[str]]
    total_rows_estimate: int | None
    too_wide: bool = False


def preview(job: ImportJob, *, sheet_name: str | None = None, header_row: int | None = None, rows: int = 10) -> Preview:
    """The sheet's first rows with the detected (or given) header row and mapping. Raises ImportFileError."""
    sheet = job_sheet(job, sheet_name)
    head = sheet.head(max(HEADER_SEARCH_ROWS, (header_row or 0) + 1) + rows)
    if header_row is None:
        header_row = job.header_row if job.mapping and not sheet_name else detect_header_row(job.kind, head)
    headers = head[header_row] if header_row < len(head) else []
    if job.mapping and sheet.name == job.sheet_name and header_row == job.header_row:
        mapping = {int(col): name for col, name in job.mapping.items()}
    else:
        mapping = mapping_for(job.created_by, job.kind, headers)
    sample = [r for r in head[header_row + 1 :] if any(r)][:rows]
    width = max([len(headers), *(len(r) for r in sample)])
    mapped = set(mapping.values())
    return Preview(
        sheets=sheet.sheets,
        sheet_name=sheet.name,
        header_row=header_row,
        headers=headers,
        mapping=mapping,
        unmapped_columns=[c for c in range(width) if c not in mapping],
        missing_required=[f.name for f in KINDS[job.kind].fields if f.required and f.name not in mapped],
        sample=sample,
        total_rows_estimate=max(sheet.total_rows - header_row - 1, 0) if sheet.total_rows is not None else None,
        too_wide=sheet.too_wide,
    )


@dataclass
class Progress:
    status: str
    rows_total: int | None
    rows_done: int
    accepted: int
    warnings: int
    rejected: int
    percent: float
    eta_seconds: int | None
    finished: bool
    # Done, and its follow-up step (key persons from a push list, say) has not run yet.
    following_up: bool = False


def progress(job: ImportJob) -> Progress:
    done = job.checkpoint
    total = job.rows_total
    finished = job.status in FINISHED
    if job.status == JobStatus.DONE:
        percent = 100.0
    elif total:
        percent = min(100.0, round(100.0 * done / total, 1))
    else:
        percent = 0.0
    eta: int | None = None
    if job.status == JobStatus.RUNNING and job.started_at and total and done:
        elapsed = (timezone.now() - job.started_at).total_seconds()
        eta = max(0, int(elapsed / done * (total - done)))
    return Progress(
        status=job.status,
        rows_total=total,
        rows_done=done,
        accepted=job.accepted,
        warnings=job.warnings,
        rejected=job.rejected,
        percent=percent,
        eta_seconds=eta,
        finished=finished,
        following_up=job.status == JobStatus.DONE and job.followed_up_at is None,
    )


def issues_for(job: ImportJob) -> QuerySet[ImportRowIssue]:
    return job.issues.order_by("row_number")
