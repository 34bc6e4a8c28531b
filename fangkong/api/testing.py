"""Test helpers for API clients."""

from __future__ import annotations

from typing import Any

from django.test import Client

from fangkong.accounts.services import issue_token


def api_client(**headers: str) -> Client:
    """A client asking for English, so tests read the messages' source text whatever the catalogue holds."""
    return Client(headers={"Accept-Language": "en", **headers})


def bearer_client(user: Any) -> Client:
    """An English-speaking client that authenticates with a fresh API token of `user`."""
    _token, raw = issue_token(user=user, name="test")
    return api_client(Authorization=f"Bearer {raw}")
