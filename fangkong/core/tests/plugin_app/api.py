from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Router

from fangkong.core.errors import DomainError


class Locked(DomainError):
    """Mapped by the API through its status alone."""

    status = 423


class Frozen(DomainError):
    """Mapped by the handler the app declares in its plugin.py."""


def on_frozen(request: HttpRequest, exc: Frozen, api: NinjaAPI) -> HttpResponse:
    return api.create_response(request, {"message": "frozen", "by": "plugin_app"}, status=418)


router = Router(tags=["plugin_app"])


@router.get("/ping", auth=None)
def ping(request: HttpRequest) -> dict[str, Any]:
    return {"pong": True}


@router.get("/locked", auth=None)
def locked(request: HttpRequest) -> dict[str, Any]:
    raise Locked("The thing is locked.", details=["Unlock it first."])


@router.get("/frozen", auth=None)
def frozen(request: HttpRequest) -> dict[str, Any]:
    raise Frozen("ignored")
