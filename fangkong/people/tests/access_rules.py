"""Who may use the people app's pages and API operations: its part of the access-matrix policy.

Declared in its plugin.py (`access_rules`); `fangkong/core/tests/test_access_matrix.py` collects it.
The vocabulary (roles, `Rule`) is explained in `fangkong/core/tests/access_expectations.py`.
"""

from __future__ import annotations

from typing import Any

from fangkong.accounts.models import Role
from fangkong.core.tests.access_expectations import (
    EDIT_PEOPLE,
    FULL_VIEW,
    HQ,
    VIEW_PEOPLE,
    Rule,
)

MERGE_PEOPLE = frozenset({Role.HQ_ADMIN, Role.STREET_ADMIN})


def _person_form(scene: Any) -> dict[str, Any]:
    return {
        "name": "越权登记",
        "document_type": "resident_id",
        "document_number": scene.spare_id_number,
        "phone": "13700000077",
        "place": scene.world.A.household.pk,
        "resident_type": "permanent",
    }


def _person_edit_form(scene: Any) -> dict[str, Any]:
    person = scene.person
    return {
        "name": "改名测试",
        "document_type": person.document_type,
        "document_number": person.document_number,
        "phone": person.phone,
        "place": person.place_id,
        "resident_type": person.resident_type,
        "version": person.version,
    }


def _person_json(scene: Any) -> dict[str, Any]:
    return {
        "name": "越权登记",
        "document_type": "resident_id",
        "document_number": scene.spare_id_number,
        "phone": "13700000077",
        "place_id": scene.world.A.household.pk,
    }


def _person_patch_json(scene: Any) -> dict[str, Any]:
    return {"version": scene.person.version, "name": "改名测试"}


PAGES: dict[str, Rule] = {
    "people:list": Rule(VIEW_PEOPLE),
    "people:export": Rule(VIEW_PEOPLE),
    "people:export?unmasked=1": Rule(HQ, unmasked=HQ),
    "people:create": Rule(EDIT_PEOPLE, target="place", writes=True, body=_person_form),
    "people:detail": Rule(VIEW_PEOPLE, target="person", unmasked=FULL_VIEW),
    "people:edit": Rule(EDIT_PEOPLE, target="person", writes=True, unmasked=EDIT_PEOPLE, body=_person_edit_form),
    "people:merge": Rule(MERGE_PEOPLE, target="person", writes=True),
}

API: dict[str, Rule] = {
    "fangkong_people_api_list_persons": Rule(VIEW_PEOPLE),
    "fangkong_people_api_create": Rule(EDIT_PEOPLE, target="place", writes=True, body=_person_json),
    "fangkong_people_api_get_person": Rule(VIEW_PEOPLE, target="person", unmasked=FULL_VIEW),
    "fangkong_people_api_get_timeline": Rule(VIEW_PEOPLE, target="person"),
    "fangkong_people_api_update": Rule(
        EDIT_PEOPLE, target="person", writes=True, unmasked=FULL_VIEW, body=_person_patch_json
    ),
}
