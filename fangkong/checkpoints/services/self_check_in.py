"""A resident registering their own passage at a venue's code."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy

from fangkong.audit.models import AuditAction
from fangkong.audit.services import record, say
from fangkong.checkpoints.models import (
    Checkpoint,
    RegistrationSource,
)
from fangkong.checkpoints.services.cleaning import RegistrationInput, RegistrationResult, _text
from fangkong.checkpoints.services.registration import register
from fangkong.core.masking import mask_phone
from fangkong.core.validators import (
    parse_phone,
)


class SelfCheckInLimited(Exception):
    pass


def self_check_in(
    *, checkpoint: Checkpoint, data: RegistrationInput, request: HttpRequest | None = None
) -> RegistrationResult:
    """A resident's own registration from the venue's QR code: same rules, rate-limited per phone and address."""
    from fangkong.screening.services import RateLimited, check_rate

    phone = _text(data.phone)
    try:
        phone = parse_phone(phone) if phone else ""
    except ValidationError:
        phone = ""
    try:
        check_rate(request=request, phone=phone, form="checkin", link=f"checkpoint:{checkpoint.pk}")
    except RateLimited:
        raise SelfCheckInLimited from None
    result = register(actor=None, data=data, checkpoint=checkpoint, source=RegistrationSource.SELF, request=request)
    if result.status == "created":
        record(
            actor=None,
            action=AuditAction.CREATE,
            obj=result.registration,
            summary=say(
                gettext_lazy("Self check-in at %(checkpoint)s from %(phone)s"),
                checkpoint=checkpoint.name,
                phone=mask_phone(phone),
            ),
            request=request,
        )
    return result
