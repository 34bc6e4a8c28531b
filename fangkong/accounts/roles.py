"""What each role may do, as Django permissions on one Group per role (admins can adjust them)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission

from fangkong.accounts.models import Role

VIEW_PEOPLE = ["people.view_person", "places.view_place"]
EDIT_PEOPLE = [*VIEW_PEOPLE, "people.add_person", "people.change_person", "people.view_full_person"]
EDIT_PLACES = ["places.add_place", "places.change_place"]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.HQ_ADMIN: [
        *EDIT_PEOPLE,
        *EDIT_PLACES,
        "people.export_unmasked_person",
        "people.merge_person",
        "audit.view_auditevent",
    ],
    Role.HQ_GROUP: [*VIEW_PEOPLE, "people.view_full_person"],
    Role.STREET_ADMIN: [*EDIT_PEOPLE, *EDIT_PLACES, "people.merge_person"],
    Role.COMMUNITY_WORKER: [*EDIT_PEOPLE, *EDIT_PLACES],
    Role.GRID_WORKER: EDIT_PEOPLE,
    Role.CHECKPOINT_STAFF: VIEW_PEOPLE,
    Role.SITE_STAFF: [*VIEW_PEOPLE, "people.view_full_person"],
    Role.TESTING_STAFF: VIEW_PEOPLE,
    Role.INSPECTOR: VIEW_PEOPLE,
    Role.VIEWER: VIEW_PEOPLE,
}


def group_name(role: str) -> str:
    return f"role:{role}"


def ensure_role_groups(**kwargs: Any) -> None:
    """Create the role groups with their default permissions; never strips what an admin added."""
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=group_name(role))
        perms = []
        for dotted in codenames:
            app_label, codename = dotted.split(".")
            perm = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if perm is not None:
                perms.append(perm)
        group.permissions.add(*perms)
