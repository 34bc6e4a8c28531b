"""Logins, logouts and failed logins go to the audit log."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from fangkong.audit.models import AuditAction
from fangkong.audit.services import record


@receiver(user_logged_in)
def on_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    record(actor=user, action=AuditAction.LOGIN, obj=user, request=request)


@receiver(user_logged_out)
def on_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record(actor=user, action=AuditAction.LOGOUT, obj=user, request=request)


@receiver(user_login_failed)
def on_login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    username = str(credentials.get("username", ""))[:150]
    record(actor=None, action=AuditAction.LOGIN_FAILED, object_type="accounts.user", summary=username, request=request)
