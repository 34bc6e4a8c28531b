"""Periodic work of monitoring (eager when no broker is configured).

Schedule `fangkong.monitoring.sweep` a few minutes after each report window closes (e.g. every
15 minutes with celery beat); it is idempotent, so running it more often costs only a query per slot.
"""

from __future__ import annotations

from celery import shared_task


@shared_task(name="fangkong.monitoring.sweep")
def sweep() -> int:
    from fangkong.monitoring.services import raise_missed_report_alerts

    return raise_missed_report_alerts()
