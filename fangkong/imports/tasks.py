"""Background import jobs (eager when no broker is configured)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="fangkong.imports.run_import", acks_late=True)
def run_import(job_id: int) -> int:
    from fangkong.imports.services import run_import as run

    return run(job_id).pk
