"""A checkpoint's daily report and when it is due."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.audit.models import AuditAction
from fangkong.audit.services import record, say
from fangkong.checkpoints.models import (
    Checkpoint,
    DailyReport,
)
from fangkong.checkpoints.selectors import day_counts
from fangkong.core.scoping import path_in_jurisdiction

# A day's report is due by this time of the next morning.
DAILY_REPORT_DUE = dt.time(9, 0)


@transaction.atomic
def submit_daily_report(
    *, actor: Any, checkpoint: Checkpoint, day: dt.date, request: HttpRequest | None = None
) -> DailyReport:
    """Staff confirm the day's compiled figures; submitting again replaces them with a fresh count."""
    if not path_in_jurisdiction(actor, checkpoint.place_path):
        raise PermissionDenied
    if day > timezone.localdate():
        raise ValidationError({"day": [_("A report covers a day that has begun.")]})
    report, _created = DailyReport.objects.update_or_create(
        checkpoint=checkpoint,
        day=day,
        defaults={"figures": day_counts(checkpoint, day), "place_path": checkpoint.place_path, "submitted_by": actor},
    )
    record(
        actor=actor,
        action=AuditAction.UPDATE if not _created else AuditAction.CREATE,
        obj=report,
        summary=say(
            gettext_lazy("Daily report of %(checkpoint)s for %(day)s"),
            checkpoint=checkpoint.name,
            day=f"{day:%Y-%m-%d}",
        ),
        request=request,
    )
    return report


def report_due_at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), DAILY_REPORT_DUE))
