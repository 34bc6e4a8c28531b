"""Every write of the import pipeline: accepting a file, confirming its mapping, running it in chunks."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.dispatch import Signal
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong import celery_app
from fangkong.audit.models import AuditAction
from fangkong.audit.services import record, say
from fangkong.core.bulk import insert_rows
from fangkong.core.scoping import path_in_jurisdiction
from fangkong.imports.headers import headers_key
from fangkong.imports.kinds import KINDS, KindHandler, Row
from fangkong.imports.models import ImportJob, ImportKind, ImportRowIssue, JobStatus, RowStatus, SavedMapping
from fangkong.imports.readers import MAX_COLUMNS, ImportFileError, Sheet, file_format, open_sheet, read_ahead
from fangkong.places.models import Place

__all__ = ["ImportFileError", "cancel_job", "confirm_job", "create_job", "import_rows", "run_followups", "run_import"]

# Rows per transaction: big enough that per-chunk work (matching query, count upsert) is amortised,
# small enough that a crash loses little and the progress bar moves.
CHUNK_SIZE = 10_000
FINISHED = (JobStatus.DONE, JobStatus.FAILED, JobStatus.CANCELLED)

# Sent with `job` once a job is done, as the job's follow-up step (key persons from a push list,
# say): in its own transaction, after the rows are committed, together with the job's
# `followed_up_at` mark, so a crash in a receiver leaves the step to be run again (receivers are
# idempotent) and never undoes the import.
import_finished = Signal()
# The background task that runs a queued job (fangkong.imports.tasks): queued by name, so these
# services never import the task module that calls them.
RUN_IMPORT_TASK = "fangkong.imports.run_import"


class JobNotRunnable(Exception):
    pass


def _kind_label(kind: str) -> Any:
    return dict(ImportKind.choices).get(kind, kind)


def _copy_upload(upload: UploadedFile | Path, dest: Any) -> tuple[str, int]:
    """Copy into `dest`, returning (sha256, size) computed on the way."""
    digest = hashlib.sha256()
    size = 0
    limit = settings.IMPORT_MAX_BYTES
    chunks = upload.chunks() if isinstance(upload, UploadedFile) else _path_chunks(upload)
    for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise ImportFileError(
                _("The file is larger than %(mb)d MB; split it into smaller files.") % {"mb": limit // (1024 * 1024)}
            )
        digest.update(chunk)
        dest.write(chunk)
    return digest.hexdigest(), size


def _path_chunks(path: Path) -> Any:
    with path.open("rb") as fh:
        while block := fh.read(1024 * 1024):
            yield block


def create_job(
    *,
    actor: Any,
    upload: UploadedFile | Path,
    kind: str,
    target_place: Place,
    options: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> ImportJob:
    """Check and store an uploaded file as a job awaiting confirmation (or return the earlier job for it)."""
    if kind not in KINDS:
        raise ImportFileError(_("Unknown kind of import."))
    if not path_in_jurisdiction(actor, target_place.path):
        raise ImportFileError(_("You can only import into places in your jurisdiction."))
    name = Path(getattr(upload, "name", None) or str(upload)).name[:255]
    if isinstance(upload, Path) and not upload.is_file():
        raise ImportFileError(_("The file %(name)s does not exist.") % {"name": name})
    with tempfile.NamedTemporaryFile(suffix=Path(name).suffix.lower(), delete=False) as tmp:
        tmp_path = Path(tmp.name)
        try:
            content_hash, size = _copy_upload(upload, tmp)
        except BaseException:
            tmp.close()
            tmp_path.unlink(missing_ok=True)
            raise
    try:
        fmt = file_format(tmp_path, name)
        sheet = open_sheet(tmp_path, fmt)
        earlier = (
            ImportJob.objects.filter(kind=kind, content_hash=content_hash, target_place=target_place)
            .exclude(status__in=[JobStatus.FAILED, JobStatus.CANCELLED])
            .order_by("-created_at")
            .first()
        )
        if earlier is not None:
            earlier.reused = True  # type: ignore[attr-defined]
            return earlier
        with transaction.atomic():
            job = ImportJob(
                kind=kind,
                created_by=actor,
                target_place=target_place,
                scope_path=target_place.path,
                original_name=name,
                content_hash=content_hash,
                size_bytes=size,
                sheet_name=sheet.name,
                options=options or {},
                rows_total=sheet.total_rows,
                sheet_facts=sheet.facts(),
            )
            with tmp_path.open("rb") as fh:
                job.file.save(f"{content_hash[:16]}{Path(name).suffix.lower()}", File(fh), save=False)
            try:
                job.save()
                record(
                    actor=actor,
                    action=AuditAction.IMPORT,
                    obj=job,
                    summary=say(
                        gettext_lazy("Uploaded %(kind)s %(name)s (sha256:%(hash)s, %(size)s bytes)"),
                        kind=_kind_label(kind),
                        name=name,
                        hash=content_hash[:12],
                        size=size,
                    ),
                    request=request,
                )
            except BaseException:
                job.file.delete(save=False)
                raise
        job.reused = False  # type: ignore[attr-defined]
        return job
    finally:
        tmp_path.unlink(missing_ok=True)


def job_path(job: ImportJob) -> Path:
    return Path(job.file.path)


def job_sheet(job: ImportJob, sheet_name: str | None = None) -> Sheet:
    path = job_path(job)
    fmt = file_format(path, job.original_name)
    name = sheet_name or job.sheet_name or None
    facts = job.sheet_facts
    if facts and name == facts.get("name"):
        return Sheet.from_facts(path, fmt, facts)
    return open_sheet(path, fmt, name)


def validate_mapping(kind: str, mapping: dict[Any, str]) -> dict[str, str]:
    spec = KINDS[kind]
    valid = {f.name for f in spec.fields}
    errors: list[str] = []
    cleaned: dict[str, str] = {}
    seen: dict[str, int] = {}
    for col, name in mapping.items():
        if not name:
            continue
        try:
            index = int(col)
        except (TypeError, ValueError):
            errors.append(_("Column %(col)s is not a column number.") % {"col": col})
            continue
        if not 0 <= index < MAX_COLUMNS:
            errors.append(_("Column %(col)s is out of range.") % {"col": col})
            continue
        if name not in valid:
            errors.append(_("%(field)s is not a field of this kind of import.") % {"field": name})
            continue
        if name in seen:
            errors.append(
                _("%(field)s is mapped to two columns (%(a)d and %(b)d).")
                % {"field": _label(kind, name), "a": seen[name] + 1, "b": index + 1}
            )
            continue
        seen[name] = index
        cleaned[str(index)] = name
    missing = [_label(kind, name) for name in spec.required if name not in seen]
    if missing:
        errors.append(_("Required columns are not mapped: %(fields)s.") % {"fields": ", ".join(missing)})
    if errors:
        raise ValidationError(errors)
    return cleaned


def _label(kind: str, name: str) -> str:
    for f in KINDS[kind].fields:
        if f.name == name:
            return str(f.label)
    return name


@transaction.atomic
def confirm_job(
    *,
    actor: Any,
    job: ImportJob,
    sheet_name: str,
    header_row: int,
    mapping: dict[Any, str],
    options: dict[str, Any] | None = None,
    save_mapping_as: str | None = None,
) -> ImportJob:
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status != JobStatus.UPLOADED:
        raise ValidationError(_("This import was already confirmed."))
    cleaned = validate_mapping(job.kind, mapping)
    sheet: Sheet | None = None
    total_rows = job.rows_total
    if sheet_name and sheet_name != job.sheet_name:
        # Another sheet than the one measured at upload: measure it now.
        try:
            sheet = job_sheet(job, sheet_name)
        except ImportFileError as exc:
            raise ValidationError(exc.message) from None
        total_rows = sheet.total_rows
    if header_row < 0 or (total_rows is not None and header_row >= total_rows):
        raise ValidationError(_("The header row is outside the sheet."))
    if sheet is not None:
        job.sheet_name = sheet.name
        job.sheet_facts = sheet.facts()
    job.header_row = header_row
    job.mapping = cleaned
    job.rows_total = max((total_rows or 0) - header_row - 1, 0)
    if options:
        job.options = {**job.options, **options}
    job.status = JobStatus.QUEUED
    job.save()
    if save_mapping_as:
        headers = _header_cells(sheet or job_sheet(job), header_row)
        normalized, digest = headers_key(headers)
        SavedMapping.objects.update_or_create(
            owner=actor,
            kind=job.kind,
            headers_hash=digest,
            defaults={"name": save_mapping_as[:100], "headers": normalized, "mapping": cleaned},
        )
    pk = job.pk
    transaction.on_commit(lambda: celery_app.tasks[RUN_IMPORT_TASK].delay(pk))
    return job


def _header_cells(sheet: Sheet, header_row: int) -> list[str]:
    head = sheet.head(header_row + 1)
    return head[header_row] if header_row < len(head) else []


def cancel_job(*, actor: Any, job: ImportJob) -> ImportJob:
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if job.status in FINISHED:
            return job
        job.status = JobStatus.CANCELLED
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "finished_at", "updated_at"])
        record(
            actor=actor,
            action=AuditAction.IMPORT,
            obj=job,
            summary=say(
                gettext_lazy("Cancelled %(kind)s %(name)s after %(rows)s rows"),
                kind=_kind_label(job.kind),
                name=job.original_name,
                rows=job.checkpoint,
            ),
        )
    return job


def _start(job_id: int) -> ImportJob | None:
    with transaction.atomic():
        job = (
            ImportJob.objects.select_for_update(of=("self",))
            .select_related("target_place", "created_by")
            .get(pk=job_id)
        )
        if job.status in FINISHED or job.status == JobStatus.UPLOADED:
            return None
        resumed = job.status == JobStatus.RUNNING
        job.status = JobStatus.RUNNING
        job.started_at = job.started_at or timezone.now()
        job.save(update_fields=["status", "started_at", "updated_at"])
        record(
            actor=job.created_by,
            action=AuditAction.IMPORT,
            obj=job,
            summary=say(
                gettext_lazy("Resumed %(kind)s %(name)s (sha256:%(hash)s) from row %(row)s")
                if resumed
                else gettext_lazy("Started %(kind)s %(name)s (sha256:%(hash)s) from row %(row)s"),
                kind=_kind_label(job.kind),
                name=job.original_name,
                hash=job.content_hash[:12],
                row=job.checkpoint,
            ),
        )
    return job


def run_import(job_id: int) -> ImportJob:
    """Run (or resume) a confirmed job to the end, follow-up step included; safe to call again after a crash."""
    job = import_rows(job_id)
    if job.status == JobStatus.DONE and job.followed_up_at is None:
        job = run_followups(job.pk)
    return job


def import_rows(job_id: int) -> ImportJob:
    """The import proper: read, check and write every row in chunks, then mark the job done."""
    job = _start(job_id)
    if job is None:
        return ImportJob.objects.get(pk=job_id)
    try:
        _run(job)
    except ImportFileError as exc:
        _fail(job, exc.message)
    except Exception:
        # Left RUNNING on purpose: a crash (or kill -9) is resumed by running the job again.
        raise
    job.refresh_from_db()
    if job.status == JobStatus.RUNNING:
        with transaction.atomic():
            ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.DONE, finished_at=timezone.now())
            job.refresh_from_db()
            record(
                actor=job.created_by,
                action=AuditAction.IMPORT,
                obj=job,
                summary=say(
                    gettext_lazy(
                        "Finished %(kind)s %(name)s (sha256:%(hash)s): %(accepted)s accepted, "
                        "%(warnings)s with warnings, %(rejected)s rejected"
                    ),
                    kind=_kind_label(job.kind),
                    name=job.original_name,
                    hash=job.content_hash[:12],
                    accepted=job.accepted,
                    warnings=job.warnings,
                    rejected=job.rejected,
                ),
                changes={"accepted": job.accepted, "warnings": job.warnings, "rejected": job.rejected},
            )
    return job


def run_followups(job_id: int) -> ImportJob:
    """A done job's follow-up step: the import_finished receivers, once, in one transaction with the mark."""
    with transaction.atomic():
        job = (
            ImportJob.objects.select_for_update(of=("self",))
            .select_related("target_place", "created_by")
            .get(pk=job_id)
        )
        if job.status != JobStatus.DONE or job.followed_up_at is not None:
            return job
        import_finished.send(sender=ImportJob, job=job)
        job.followed_up_at = timezone.now()
        job.save(update_fields=["followed_up_at", "updated_at"])
    return job


def _fail(job: ImportJob, message: str) -> None:
    with transaction.atomic():
        ImportJob.objects.filter(pk=job.pk).update(
            status=JobStatus.FAILED, error=message[:2000], finished_at=timezone.now()
        )
        record(
            actor=job.created_by,
            action=AuditAction.IMPORT,
            obj=job,
            summary=say(
                gettext_lazy("Failed %(kind)s %(name)s: %(message)s"),
                kind=_kind_label(job.kind),
                name=job.original_name,
                message=message[:200],
            ),
        )


def _run(job: ImportJob) -> None:
    sheet = job_sheet(job)
    headers = _header_cells(sheet, job.header_row)
    handler: KindHandler = KINDS[job.kind].handler(job, headers, sheet.formula_blanks)
    first_data = job.header_row + 1
    resume_at = first_data + job.checkpoint
    rejected_rows: set[int] = set()
    if job.checkpoint and handler.remembers_rows:
        rejected_rows = set(
            job.issues.filter(status=RowStatus.REJECTED, row_number__lte=resume_at).values_list("row_number", flat=True)
        )

    def read(item: tuple[int, list[str]]) -> tuple[int, list[str], Row | None]:
        # In the read-ahead thread: parsing and checking a row needs no database.
        index, cells = item
        if index < resume_at or not any(cells):
            return index, cells, None
        return index, cells, handler.prepare(handler.parse(index, cells))

    chunk: list[tuple[int, Row | None]] = []
    for index, cells, row in read_ahead(sheet.rows(start=first_data), read):
        if index < resume_at:
            if handler.remembers_rows and index + 1 not in rejected_rows and any(cells):
                handler.remember(index, cells)
            continue
        chunk.append((index, row))
        if len(chunk) >= CHUNK_SIZE:
            if not _commit_chunk(job, handler, chunk, first_data):
                return
            chunk = []
    if chunk:
        _commit_chunk(job, handler, chunk, first_data)


def _commit_chunk(job: ImportJob, handler: KindHandler, chunk: list[tuple[int, Row | None]], first_data: int) -> bool:
    """Write one chunk and advance the checkpoint in the same transaction; False if the job was cancelled."""
    start = chunk[0][0] - first_data
    end = chunk[-1][0] - first_data + 1
    try:
        with transaction.atomic():
            # The row lock serialises two workers on the same job; the checkpoint check makes a retry a no-op.
            current = ImportJob.objects.select_for_update().only("status", "checkpoint").get(pk=job.pk)
            if current.status != JobStatus.RUNNING:
                return False
            if current.checkpoint != start:
                raise JobNotRunnable(job.pk)
            rows: list[Row] = [row for _index, row in chunk if row is not None]
            handler.process(rows)
            counts: dict[str, int] = {RowStatus.ACCEPTED: 0, RowStatus.WARNING: 0, RowStatus.REJECTED: 0}
            issues = []
            for row in rows:
                outcome = row.outcome
                counts[outcome.status] += 1
                if outcome.status != RowStatus.ACCEPTED:
                    issues.append((job.pk, outcome.row_number, str(outcome.status), outcome.messages))
            insert_rows(ImportRowIssue, ("job_id", "row_number", "status", "messages"), issues)
            ImportJob.objects.filter(pk=job.pk).update(
                checkpoint=end,
                accepted=F("accepted") + counts[RowStatus.ACCEPTED],
                warnings=F("warnings") + counts[RowStatus.WARNING],
                rejected=F("rejected") + counts[RowStatus.REJECTED],
                updated_at=timezone.now(),
            )
    except BaseException:
        handler.reset()
        raise
    return True
