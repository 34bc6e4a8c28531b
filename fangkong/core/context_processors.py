from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Menu entries the current user may open; templates never decide permissions themselves."""
    user = request.user
    if not user.is_authenticated:
        return {"nav_menu": []}
    from fangkong.core.navigation import menu_for

    # Lazy: an HTMX partial (a gate lookup, a list page) never shows the menu, so never pays for its checks.
    return {"nav_menu": SimpleLazyObject(lambda: menu_for(user, request.path))}
