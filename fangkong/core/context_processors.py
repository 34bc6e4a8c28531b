from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Menu entries the current user may open; templates never decide permissions themselves."""
    user = request.user
    if not user.is_authenticated:
        return {"nav_items": []}
    from fangkong.core.navigation import items_for

    return {"nav_items": items_for(user)}
