"""Writes to users, memberships and tokens."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from fangkong.accounts.models import ApiToken, Membership, User, hash_token
from fangkong.accounts.roles import ensure_role_groups, group_name
from fangkong.audit.models import AuditAction
from fangkong.audit.services import record
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


@transaction.atomic
def issue_token(*, user: User, name: str, request: HttpRequest | None = None) -> tuple[ApiToken, str]:
    """Returns the stored token and the raw value, which is never retrievable again."""
    raw = ApiToken.generate()
    token = ApiToken.objects.create(user=user, name=name[:100] or "API", key_hash=hash_token(raw), hint=raw[:8])
    record(actor=user, action=AuditAction.TOKEN_CREATED, obj=token, summary=token.name, request=request)
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
    if token is None:
        return None
    now = timezone.now()
    # Touch at most once a minute: a device posting every second should not write every second.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
