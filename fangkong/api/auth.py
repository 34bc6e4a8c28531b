"""Who is calling: a bearer token (integrations, scripts) or the browser session (the web UI)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.module_loading import import_string
from ninja.errors import HttpError
from ninja.security import HttpBearer, SessionAuth
from ninja.utils import check_csrf


def user_for_token(token: str) -> Any:
    """The user a bearer token belongs to (None if none), looked up by the callable settings name."""
    return import_string(settings.API_TOKEN_USER)(token)


class BearerToken(HttpBearer):
    def __call__(self, request: HttpRequest) -> Any:
        # ninja's own version logs unexpected Authorization headers in DEBUG: they may hold secrets.
        scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        return self.authenticate(request, token.strip())

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


class SessionWithCsrf(SessionAuth):
    """Django's session, with the CSRF check a browser needs for POST/PATCH.

    ninja checks CSRF before looking at the session, which turns "not logged in"
    into a 403; here an anonymous caller gets the 401 that says what to do.
    """

    def _get_key(self, request: HttpRequest) -> str | None:
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if self.csrf and not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise HttpError(403, "CSRF check Failed")
        return user


AUTH = [BearerToken(), SessionWithCsrf()]
