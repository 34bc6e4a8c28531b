"""Protocols over the API: every protocol with its categories and measures, and the district's active one."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from ninja import Router

from fangkong.api.errors import AUTH_ERRORS, NOT_FOUND
from fangkong.protocols.models import Category, Protocol
from fangkong.protocols.schemas import ProtocolOut
from fangkong.protocols.selectors import active_protocol, protocols_with_categories, user_district

router = Router(tags=["protocols"])


def _user(request: HttpRequest) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    if not user.has_perm("protocols.view_protocol"):
        raise PermissionDenied
    return user


def category_out(category: Category) -> dict[str, Any]:
    phases = list(category.phases.all())
    return {
        "code": category.code,
        "name": category.name,
        "description": category.description,
        "measure": phases[0].kind if phases else "none",
        "total_days": sum(p.days for p in phases),
        "phases": [{"kind": p.kind, "days": p.days, "test_days": list(p.test_days)} for p in phases],
        "release_conditions": category.release_conditions,
        "is_push_default": category.is_push_default,
        "is_fever_default": category.is_fever_default,
        "identify_within_hours": category.identify_within_hours,
        "returnee_risk_level": category.returnee_risk_level,
    }


def protocol_out(protocol: Protocol, *, active_id: int | None) -> dict[str, Any]:
    return {
        "id": protocol.pk,
        "code": protocol.code,
        "disease": protocol.disease,
        "name": protocol.name,
        "edition": protocol.edition,
        "effective_from": protocol.effective_from,
        "is_active": protocol.pk == active_id,
        "categories": [category_out(c) for c in protocol.categories.all()],
    }


def _active_id(user: Any) -> int | None:
    district = user_district(user)
    return active_protocol(district).protocol.pk if district is not None else None


@router.get(
    "/", response={200: list[ProtocolOut], **AUTH_ERRORS}, summary="Every protocol, its categories and measures"
)
def list_protocols(request: HttpRequest) -> Any:
    user = _user(request)
    active_id = _active_id(user)
    return [protocol_out(p, active_id=active_id) for p in protocols_with_categories()]


@router.get(
    "/active",
    response={200: ProtocolOut, **AUTH_ERRORS, **NOT_FOUND},
    summary="The protocol your district works by now",
)
def get_active(request: HttpRequest) -> Any:
    user = _user(request)
    district = user_district(user)
    if district is None:
        raise Http404
    protocol = active_protocol(district).protocol
    return protocol_out(protocol, active_id=protocol.pk)
