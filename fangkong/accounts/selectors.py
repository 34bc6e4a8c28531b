"""Reads of accounts data: a user's own API tokens, and nobody else's."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from fangkong.accounts.models import ApiToken


def tokens_for(user: Any) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("revoked_at", "-created_at", "-id")


def get_token_for_user(user: Any, pk: int) -> ApiToken:
    # Another user's token is indistinguishable from one that does not exist.
    return get_object_or_404(tokens_for(user), pk=pk)
