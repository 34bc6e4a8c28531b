"""Writes to users, memberships and tokens."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.accounts.models import ApiToken, Membership, User, hash_token
from fangkong.accounts.roles import ensure_role_groups, group_name
from fangkong.audit.models import AuditAction
from fangkong.audit.services import record, say
from fangkong.places.models import Place


@transaction.atomic
def add_membership(*, user: User, place: Place, role: str, hq_group: str = "", is_backup: bool = False) -> Membership:
    membership, _created = Membership.objects.get_or_create(
        user=user, place=place, role=role, defaults={"hq_group": hq_group, "is_backup": is_backup}
    )
    group = Group.objects.filter(name=group_name(role)).first()
    if group is None:
        ensure_role_groups()
        group = Group.objects.get(name=group_name(role))
    user.groups.add(group)
    return membership


@transaction.atomic
def remove_membership(*, membership: Membership) -> None:
    user, role = membership.user, membership.role
    membership.delete()
    if not user.memberships.filter(role=role).exists():
        user.groups.remove(*Group.objects.filter(name=group_name(role)))


TOKEN_MAX_VALID_DAYS = 365


@transaction.atomic
def issue_token(
    *, user: User, name: str, valid_days: int | None = None, request: HttpRequest | None = None
) -> tuple[ApiToken, str]:
    """Returns the stored token and the raw value, which is never retrievable again.

    `valid_days` (1-365) makes the token stop working on its own that many days from now;
    without it the token works until revoked.
    """
    if valid_days is not None and not 1 <= valid_days <= TOKEN_MAX_VALID_DAYS:
        raise ValidationError(
            _("A token is valid for 1 to %(n)s days.") % {"n": TOKEN_MAX_VALID_DAYS}, code="valid_days"
        )
    raw = ApiToken.generate()
    expires_at = timezone.now() + dt.timedelta(days=valid_days) if valid_days else None
    token = ApiToken.objects.create(
        user=user, name=name[:100] or "API", key_hash=hash_token(raw), hint=raw[:8], expires_at=expires_at
    )
    summary = (
        say(gettext_lazy("%(name)s, valid %(days)s days"), name=token.name, days=valid_days)
        if valid_days
        else token.name
    )
    record(actor=user, action=AuditAction.TOKEN_CREATED, obj=token, summary=summary, request=request)
    return token, raw


@transaction.atomic
def revoke_token(*, actor: Any, token: ApiToken, request: HttpRequest | None = None) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record(actor=actor, action=AuditAction.TOKEN_REVOKED, obj=token, summary=token.name, request=request)
    return token


def user_for_token(raw: str) -> User | None:
    if not raw or not raw.startswith(ApiToken.PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_token(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    now = timezone.now()
    if token is None or (token.expires_at is not None and token.expires_at <= now):
        return None
    # Touch at most once a minute: a device posting every second should not write every second.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
