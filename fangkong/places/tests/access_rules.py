"""Who may use the places app's pages and API operations: its part of the access-matrix policy.

Declared in its plugin.py (`access_rules`); `fangkong/core/tests/test_access_matrix.py` collects it.
The vocabulary (roles, `Rule`) is explained in `fangkong/core/tests/access_expectations.py`.
"""

from __future__ import annotations

from typing import Any

from fangkong.accounts.models import Role
from fangkong.core.tests.access_expectations import (
    SIGNED_IN,
    VIEW_PEOPLE,
    Rule,
)

EDIT_PLACES = frozenset({Role.HQ_ADMIN, Role.STREET_ADMIN, Role.COMMUNITY_WORKER})


def _place_form(scene: Any) -> dict[str, Any]:
    return {"type": "building", "name": "越权楼"}


def _place_edit_form(scene: Any) -> dict[str, Any]:
    return {"type": "compound", "name": "改名小区"}


PAGES: dict[str, Rule] = {
    "places:browse": Rule(frozenset({SIGNED_IN})),
    "places:search": Rule(VIEW_PEOPLE),
    "places:detail": Rule(VIEW_PEOPLE, target="place"),
    "places:add": Rule(EDIT_PLACES, target="place", writes=True, body=_place_form),
    "places:edit": Rule(EDIT_PLACES, target="place", writes=True, body=_place_edit_form),
    "places:move": Rule(EDIT_PLACES, target="place", writes=True),
}

API: dict[str, Rule] = {
    "fangkong_places_api_list_places": Rule(VIEW_PEOPLE),
    "fangkong_places_api_get_place": Rule(VIEW_PEOPLE, target="place"),
    "fangkong_places_api_place_children": Rule(VIEW_PEOPLE, target="place"),
    "fangkong_places_api_place_summary": Rule(VIEW_PEOPLE, target="place"),
}
