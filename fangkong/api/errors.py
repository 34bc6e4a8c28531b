"""Every error the API returns, in one shape: {"message": ..., "errors": {"field": [...]}}.

Domain exceptions raised by services are translated here and nowhere else, so a
router only raises; it never builds an error response itself. Every `core.errors.DomainError`
answers with its own status, message and field errors; an app whose error needs more declares
its handler in its plugin.py (`AppPlugin.api_errors`), installed here without naming the app.
"""

from __future__ import annotations

import logging
from typing import Any, cast

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.signals import got_request_exception
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import Field

from fangkong.core import plugins
from fangkong.core.errors import DomainError, PlaceNotInJurisdiction

logger = logging.getLogger(__name__)

PARAM_SOURCES = {"body", "query", "path", "header", "cookie", "form", "file"}


class ErrorOut(Schema):
    message: str = Field(description="What went wrong, in words a person can act on.")
    errors: dict[str, list[str]] = Field(
        default_factory=dict, description="Messages per input field, when the input was at fault."
    )


class DuplicateOut(Schema):
    """A 409: the document is already registered, or (on PATCH) the record changed since it was read."""

    message: str
    existing_id: int | None = Field(
        None,
        description=(
            "The person already holding this document; null if outside your jurisdiction "
            "or when the conflict is a stale version."
        ),
    )


class PlaceNotFound(PlaceNotInJurisdiction):
    """A place id in the input that does not exist or lies outside the caller's jurisdiction."""

    def __init__(self, field: str = "place_id"):
        super().__init__(None, field)


# Declared on operations so the OpenAPI document lists every status they can answer with.
AUTH_ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut}
INPUT_ERRORS: dict[int, Any] = {400: ErrorOut, 422: ErrorOut}
NOT_FOUND: dict[int, Any] = {404: ErrorOut}


def error_body(message: str, errors: dict[str, list[str]] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"message": message}
    if errors:
        body["errors"] = errors
    return body


def error_response(status: int, message: str, errors: dict[str, list[str]] | None = None) -> HttpResponse:
    """For a router that answers an error itself (the schema would add an empty `errors`)."""
    return JsonResponse(error_body(message, errors), status=status)


def _field_name(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = list(loc)
    source = parts.pop(0) if parts and parts[0] in PARAM_SOURCES else ""
    # A body is read into one named parameter (`payload`): its name means nothing to the caller.
    if source == "body" and len(parts) > 1:
        parts.pop(0)
    names = [str(p) for p in parts if not isinstance(p, int)]
    if not names:
        return "body" if source == "body" else "__all__"
    return ".".join(names)


def _readable(msg: str) -> str:
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            return msg[len(prefix) :]
    if msg == "Field required":
        return _("This field is required.")
    return msg


def on_request_invalid(request: HttpRequest, exc: NinjaValidationError, api: NinjaAPI) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    for item in exc.errors:
        field = _field_name(item.get("loc", ()))
        if field == "body" and item.get("type") == "missing":
            message = _("A JSON body is required.")
        else:
            message = _readable(str(item.get("msg", "")))
        errors.setdefault(field, []).append(message)
    return api.create_response(request, error_body(_("The input is not valid."), errors), status=422)


def on_django_invalid(request: HttpRequest, exc: DjangoValidationError, api: NinjaAPI) -> HttpResponse:
    if hasattr(exc, "error_dict"):
        errors = {field: list(messages) for field, messages in exc.message_dict.items()}
        general = errors.pop(NON_FIELD_ERRORS, [])
        message = " ".join(general) or _("The input is not valid.")
        return api.create_response(request, error_body(message, errors), status=422)
    return api.create_response(request, error_body(" ".join(exc.messages)), status=422)


def on_not_found(request: HttpRequest, exc: Exception, api: NinjaAPI) -> HttpResponse:
    return api.create_response(request, error_body(_("Not found")), status=404)


def on_domain_error(request: HttpRequest, exc: DomainError, api: NinjaAPI) -> HttpResponse:
    return api.create_response(request, error_body(exc.message, exc.errors), status=exc.status)


def on_forbidden(request: HttpRequest, exc: PermissionDenied, api: NinjaAPI) -> HttpResponse:
    return api.create_response(request, error_body(_("You are not allowed to do this.")), status=403)


def on_http_error(request: HttpRequest, exc: HttpError, api: NinjaAPI) -> HttpResponse:
    if isinstance(exc, AuthenticationError):
        message = _("Authentication required: send 'Authorization: Bearer <token>' or log in.")
    elif exc.status_code == 400:
        message = _("The request body is not valid JSON in UTF-8.")
    elif exc.status_code == 403 and "CSRF" in exc.message:
        message = _("CSRF check failed: send the X-CSRFToken header with session authentication.")
    else:
        message = exc.message
    response = api.create_response(request, error_body(message), status=exc.status_code)
    if exc.status_code == 401:
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def on_unexpected(request: HttpRequest, exc: Exception, api: NinjaAPI) -> HttpResponse:
    # Reported like any Django 500 (error mails, the test client re-raises it), answered in JSON.
    logger.error("Unhandled API error: %s", type(exc).__name__, exc_info=exc)
    got_request_exception.send(sender=None, request=request)
    return api.create_response(request, error_body(_("Internal error; it has been logged.")), status=500)


def install(api: NinjaAPI) -> None:
    def bind(handler: Any) -> Any:
        return lambda request, exc: handler(request, exc, api)

    api.add_exception_handler(Exception, bind(on_unexpected))
    api.add_exception_handler(HttpError, bind(on_http_error))
    api.add_exception_handler(NinjaValidationError, bind(on_request_invalid))
    api.add_exception_handler(DjangoValidationError, bind(on_django_invalid))
    api.add_exception_handler(Http404, bind(on_not_found))
    api.add_exception_handler(DomainError, bind(on_domain_error))
    for app in plugins.installed():
        for exception, handler in app.plugin.api_errors.items():
            api.add_exception_handler(cast(type[Exception], exception), bind(plugins.resolve(handler)))
    api.add_exception_handler(PermissionDenied, bind(on_forbidden))
