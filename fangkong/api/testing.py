"""Test helpers for API clients."""

from __future__ import annotations

from typing import Any

from django.test import Client

from fangkong.accounts.services import issue_token


def bearer_client(user: Any) -> Client:
    """A client that authenticates every request with a fresh API token of `user`."""
    _token, raw = issue_token(user=user, name="test")
    return Client(headers={"Authorization": f"Bearer {raw}"})
