"""Every write of checkpoints: registering a passage (idempotent by client id), escalating an abnormal one,
the kit checklist and the shift roster.

One module per topic; this package re-exports their public names, so callers import from
`fangkong.checkpoints.services` and need not know which module holds what.
"""

from fangkong.checkpoints.services.alerts import (
    handle_alert,
)
from fangkong.checkpoints.services.batch import (
    PLAIN_COLUMNS,
    SMALL_BATCH,
    KnownPerson,
    register_batch,
)
from fangkong.checkpoints.services.cleaning import (
    CLOCK_SKEW,
    CODE_CHOICES,
    DIRECTIONS,
    DOCUMENT_TYPES,
    OFFLINE_QUEUE_LIMIT,
    TEXT_LIMITS,
    RegistrationInput,
    RegistrationResult,
)
from fangkong.checkpoints.services.crud import (
    CheckpointInput,
    save_checkpoint,
)
from fangkong.checkpoints.services.daily_reports import (
    DAILY_REPORT_DUE,
    report_due_at,
    submit_daily_report,
)
from fangkong.checkpoints.services.escalation import (
    REASON_LABELS,
    STEP_RANK,
    Assessment,
    assess,
    reason_label,
)
from fangkong.checkpoints.services.kit import (
    set_kit,
)
from fangkong.checkpoints.services.registration import (
    CheckpointClosed,
    register,
)
from fangkong.checkpoints.services.roster import (
    ShiftInput,
    add_shift,
    remove_shift,
)
from fangkong.checkpoints.services.self_check_in import (
    SelfCheckInLimited,
    self_check_in,
)

__all__ = [
    "CLOCK_SKEW",
    "CODE_CHOICES",
    "DAILY_REPORT_DUE",
    "DIRECTIONS",
    "DOCUMENT_TYPES",
    "OFFLINE_QUEUE_LIMIT",
    "PLAIN_COLUMNS",
    "REASON_LABELS",
    "SMALL_BATCH",
    "STEP_RANK",
    "TEXT_LIMITS",
    "Assessment",
    "CheckpointClosed",
    "CheckpointInput",
    "KnownPerson",
    "RegistrationInput",
    "RegistrationResult",
    "SelfCheckInLimited",
    "ShiftInput",
    "add_shift",
    "assess",
    "handle_alert",
    "reason_label",
    "register",
    "register_batch",
    "remove_shift",
    "report_due_at",
    "save_checkpoint",
    "self_check_in",
    "set_kit",
    "submit_daily_report",
]
