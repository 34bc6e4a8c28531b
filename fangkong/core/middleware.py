"""Security headers Django does not set itself (CSP, no-store for personal data), and the sliding session."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control


class ContentSecurityPolicyMiddleware:
    """Sends settings.CONTENT_SECURITY_POLICY on every response that has none yet.

    Scripts come only from our own static files (no inline scripts, no event-handler attributes), so an
    injected `<script>` or `onerror=` in a name or address cannot run. Inline styles stay allowed: the
    progress bars and charts size themselves with style attributes.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy = settings.CONTENT_SECURITY_POLICY

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.policy
        return response


class SlidingSessionMiddleware:
    """Keeps a signed-in session alive while it is used, writing it at most once a minute.

    A session expires after SESSION_COOKIE_AGE of inactivity (one duty shift). Saving it on every request
    (SESSION_SAVE_EVERY_REQUEST) would cost an UPDATE and a commit on each gate lookup; refreshing it when
    the last refresh is older than SESSION_REFRESH_SECONDS moves the expiry by at most that much.
    """

    key = "_refreshed_at"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.interval = settings.SESSION_REFRESH_SECONDS

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # After the view: a login or logout in it has already replaced the session.
        if session is not None and session.get("_auth_user_id") is not None:
            now = int(time.time())
            if now - int(session.get(self.key, 0)) >= self.interval:
                session[self.key] = now
        return response


class NoStoreMiddleware:
    """`Cache-Control: no-store` on every page a signed-in user gets and every API answer.

    They carry personal data, in full for the roles allowed to see it: neither the browser's disk
    cache nor a proxy may keep a copy after the shift ends. A view that set its own Cache-Control
    (the gate's service worker) keeps it; anonymous pages (sign-in, public forms' blank pages) may be cached.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.has_header("Cache-Control"):
            return response
        user = getattr(request, "user", None)
        if request.path.startswith("/api/") or (user is not None and user.is_authenticated):
            patch_cache_control(response, no_store=True, private=True)
        return response


NUL = "\x00"


class RejectNulMiddleware:
    """Refuses a request whose path or query string holds a NUL character, with a clear answer.

    PostgreSQL refuses NUL in every text parameter (a 500 wherever a value reaches a query unfiltered:
    an API filter, a path argument). Form fields already refuse it (Django's ProhibitNullCharactersValidator)
    and JSON bodies are checked per item by the services (validate_clean_text), so one bad item of a gate's
    batch is rejected alone rather than the whole batch. API paths answer 422 in the API's error shape, pages 400.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        field = self._offending(request)
        if field is None:
            return self.get_response(request)
        from django.http import HttpResponseBadRequest, JsonResponse
        from django.utils.translation import gettext as _

        message = _("The request holds a NUL character, which no field accepts.")
        if request.path.startswith("/api/"):
            return JsonResponse({"message": message, "errors": {field: [message]}}, status=422)
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")

    @staticmethod
    def _offending(request: HttpRequest) -> str | None:
        if NUL in request.path:
            return "path"
        for key, values in request.GET.lists():
            if NUL in key or any(NUL in v for v in values):
                return key.replace(NUL, "")
        return None
