"""Background import jobs (eager when no broker is configured)."""

from __future__ import annotations

from celery import shared_task

from fangkong.imports.services import RUN_IMPORT_TASK
from fangkong.imports.services import run_import as run


@shared_task(name=RUN_IMPORT_TASK, acks_late=True)
def run_import(job_id: int) -> int:
    return run(job_id).pk
