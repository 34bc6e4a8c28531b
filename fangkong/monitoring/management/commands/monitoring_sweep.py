"""`manage.py monitoring_sweep`: raise missed-report alerts for the windows that have closed (cron-friendly)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from fangkong.monitoring.services import raise_missed_report_alerts


class Command(BaseCommand):
    help = "Raise a missed-report alert for every active measure without a report in a closed window."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--at", help="Sweep as of this local time (YYYY-MM-DDTHH:MM), e.g. to catch up.")

    def handle(self, *args: Any, **options: Any) -> None:
        now = None
        if options.get("at"):
            try:
                now = dt.datetime.fromisoformat(options["at"])
            except ValueError:
                raise CommandError("--at takes a time such as 2026-11-24T12:05") from None
            if timezone.is_naive(now):
                now = timezone.make_aware(now)
        created = raise_missed_report_alerts(now=now)
        self.stdout.write(f"{created} missed-report alerts raised")
