"""Tokens and "who am I" for API clients."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from fangkong.accounts.schemas import MeOut, TokenIn, TokenOut
from fangkong.accounts.services import issue_token
from fangkong.api.errors import AUTH_ERRORS, INPUT_ERRORS, ErrorOut, error_response

router = Router(tags=["accounts"])

# What the web UI needs to decide which actions to show.
UI_PERMISSIONS = (
    "people.view_person",
    "people.add_person",
    "people.change_person",
    "people.view_full_person",
    "people.export_unmasked_person",
    "people.merge_person",
    "places.view_place",
    "places.add_place",
    "places.change_place",
    "audit.view_auditevent",
)


@router.post(
    "/auth/token",
    auth=None,
    response={200: TokenOut, 401: ErrorOut, 429: ErrorOut, **INPUT_ERRORS},
    summary="Exchange a username and password for an API token",
)
def obtain_token(request: HttpRequest, payload: TokenIn) -> Any:
    # authenticate() with the request: django-axes counts failures and locks out,
    # and the failed-login signal writes the audit row.
    user = authenticate(request, username=payload.username, password=payload.password)
    if user is None:
        if getattr(request, "axes_locked_out", False):
            # Answer in JSON here; AxesMiddleware would otherwise swap in the HTML lock-out page.
            request.axes_locked_out = False  # type: ignore[attr-defined]
            return error_response(429, _("Too many failed logins; this account is locked for a while."))
        return error_response(401, _("Wrong username or password."))
    token, raw = issue_token(user=user, name="API login", valid_days=payload.valid_days, request=request)
    return Status(200, {"token": raw, "expires_at": token.expires_at})


@router.get("/me", response={200: MeOut, **AUTH_ERRORS}, summary="The caller, their posts and permissions")
def me(request: HttpRequest) -> Any:
    user: Any = request.auth  # type: ignore[attr-defined]
    memberships = user.memberships.select_related("place").order_by("place__path", "role")
    return {
        "username": user.username,
        "display_name": user.display_name,
        "memberships": [
            {
                "place_id": m.place_id,
                "place_name": m.place.name,
                "place_type": m.place.type,
                "role": m.role,
                "role_label": str(m.get_role_display()),
                "hq_group": m.hq_group,
            }
            for m in memberships
        ],
        "permissions": sorted(p for p in UI_PERMISSIONS if user.has_perm(p)),
    }
