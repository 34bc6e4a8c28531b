"""The result file: the original sheet plus a status and a reason column per row."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import quote

import xlsxwriter
from django.core.files import File
from django.http import FileResponse, HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.audit.models import AuditAction
from fangkong.audit.services import record, say
from fangkong.core.exports import safe_cell
from fangkong.imports.kinds import KINDS
from fangkong.imports.models import ImportJob, JobStatus, RowStatus
from fangkong.imports.services import job_sheet


def _reason(kind: str, messages: dict[str, list[str]]) -> str:
    labels = {f.name: str(f.label) for f in KINDS[kind].fields}
    parts: list[str] = []
    for fieldname, texts in messages.items():
        prefix = f"{labels.get(fieldname, fieldname)}: " if fieldname else ""
        parts.extend(prefix + text for text in texts)
    return "; ".join(parts)


def result_path(job: ImportJob) -> Path:
    """Build the result workbook once (streamed, constant memory) and cache it on the job."""
    if job.result_file:
        path = Path(job.result_file.path)
        if path.exists():
            return path
    statuses = {
        RowStatus.ACCEPTED: _("Accepted"),
        RowStatus.WARNING: _("Accepted with warnings"),
        RowStatus.REJECTED: _("Rejected"),
    }
    issues = {
        row: (status, messages) for row, status, messages in job.issues.values_list("row_number", "status", "messages")
    }
    sheet = job_sheet(job)
    with tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False) as tmp:
        tmp_path = Path(tmp.name)
    try:
        workbook = xlsxwriter.Workbook(str(tmp_path), {"constant_memory": True, "strings_to_numbers": False})
        ws = workbook.add_worksheet(sheet.name[:31] or "Sheet1")
        bold = workbook.add_format({"bold": True})
        status_col = max(sheet.width, 1)
        for index, cells in sheet.rows():
            for col, value in enumerate(cells):
                ws.write_string(index, col, str(safe_cell(value)))
            if index == job.header_row:
                ws.write_string(index, status_col, _("Import status"), bold)
                ws.write_string(index, status_col + 1, _("Reason"), bold)
            elif index > job.header_row and index < job.header_row + 1 + job.checkpoint and any(cells):
                status, messages = issues.get(index + 1, (RowStatus.ACCEPTED, {}))
                ws.write_string(index, status_col, str(statuses[RowStatus(status)]))
                if messages:
                    ws.write_string(index, status_col + 1, str(safe_cell(_reason(job.kind, messages))))
        workbook.close()
        with tmp_path.open("rb") as fh:
            job.result_file.save(f"result-{job.pk}.xlsx", File(fh), save=False)
        job.save(update_fields=["result_file", "updated_at"])
    finally:
        tmp_path.unlink(missing_ok=True)
    return Path(job.result_file.path)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def result_available(job: ImportJob) -> bool:
    return job.status in (JobStatus.DONE, JobStatus.CANCELLED)


def result_response(*, actor: Any, job: ImportJob, request: HttpRequest | None = None, via: Any = "") -> FileResponse:
    """The result workbook as a download; the rows hold personal data as uploaded, so the download is audited."""
    path = result_path(job)
    record(
        actor=actor,
        action=AuditAction.EXPORT,
        obj=job,
        summary=say(
            gettext_lazy("Result of import %(id)s (%(name)s) downloaded%(via)s"),
            id=job.pk,
            name=job.original_name,
            via=via,
        ),
        request=request,
    )
    stem = job.original_name.rsplit(".", 1)[0] or "import"
    response = FileResponse(path.open("rb"), content_type=XLSX)
    response["Content-Disposition"] = (
        f"attachment; filename=\"result-{job.pk}.xlsx\"; filename*=UTF-8''{quote(stem + '-result.xlsx')}"
    )
    return response
