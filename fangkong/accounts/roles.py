"""What each role may do, as Django permissions on one Group per role (admins can adjust them)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission

from fangkong.accounts.models import Role

VIEW_PEOPLE = ["people.view_person", "places.view_place"]
EDIT_PEOPLE = [*VIEW_PEOPLE, "people.add_person", "people.change_person", "people.view_full_person"]
EDIT_PLACES = ["places.add_place", "places.change_place"]
IMPORT_LISTS = ["imports.add_importjob", "imports.view_importjob"]
VIEW_SCREENING = ["protocols.view_protocol", "protocols.view_riskarea", "screening.view_keyperson"]
WORK_SCREENING = [
    *VIEW_SCREENING,
    "screening.add_keyperson",
    "screening.change_keyperson",
    "screening.view_sweeptask",
    "screening.add_sweepvisit",
]
LEAD_SCREENING = [*WORK_SCREENING, "screening.view_coverage", "screening.add_sweeptask"]
HQ_SCREENING = [
    *LEAD_SCREENING,
    "screening.assign_keyperson",
    "protocols.activate_protocol",
    "protocols.apply_protocol",
    "protocols.change_protocol",
    "protocols.add_riskarea",
    "protocols.change_riskarea",
    "protocols.delete_riskarea",
]

VIEW_CHECKPOINTS = ["checkpoints.view_checkpoint", "checkpoints.view_registration", "checkpoints.view_alert"]
STAFF_CHECKPOINTS = [*VIEW_CHECKPOINTS, "checkpoints.add_registration"]
LEAD_CHECKPOINTS = [
    *STAFF_CHECKPOINTS,
    "checkpoints.add_checkpoint",
    "checkpoints.change_checkpoint",
    "checkpoints.change_alert",
]

VIEW_QUARANTINE = [
    "quarantine.view_site",
    "quarantine.view_measure",
    "transfers.view_transfertask",
    "transfers.view_vehicle",
    "monitoring.view_homecare",
    "monitoring.view_healthreport",
    "monitoring.view_healthalert",
]
# Community and grid: their residents' home measures, care teams, reports and alerts.
CARE_QUARANTINE = [
    *VIEW_QUARANTINE,
    "quarantine.change_measuretest",
    "monitoring.change_homecare",
    "monitoring.add_delivery",
    "monitoring.change_delivery",
    "monitoring.add_healthreport",
    "monitoring.change_healthalert",
]
# The site: rooms, placements, the medic's reports, transfers in and out, release.
SITE_QUARANTINE = [
    *CARE_QUARANTINE,
    "quarantine.view_capacity",
    "quarantine.change_site",
    "quarantine.change_room",
    "quarantine.place_person",
    "quarantine.release_measure",
    "transfers.add_transfertask",
    "transfers.change_transfertask",
    "transfers.change_vehicle",
]
HQ_QUARANTINE = [
    *SITE_QUARANTINE,
    "quarantine.add_site",
    "quarantine.activate_site",
    "quarantine.extend_measure",
    "transfers.add_vehicle",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.HQ_ADMIN: [
        *EDIT_PEOPLE,
        *EDIT_PLACES,
        "people.export_unmasked_person",
        "people.merge_person",
        "audit.view_auditevent",
        *IMPORT_LISTS,
        *HQ_SCREENING,
        *LEAD_CHECKPOINTS,
        *HQ_QUARANTINE,
    ],
    Role.HQ_GROUP: [
        *VIEW_PEOPLE,
        "people.view_full_person",
        "imports.view_importjob",
        *VIEW_SCREENING,
        "screening.view_coverage",
        *VIEW_CHECKPOINTS,
        *VIEW_QUARANTINE,
        "quarantine.view_capacity",
    ],
    Role.STREET_ADMIN: [
        *EDIT_PEOPLE,
        *EDIT_PLACES,
        "people.merge_person",
        *IMPORT_LISTS,
        *LEAD_SCREENING,
        *LEAD_CHECKPOINTS,
        *CARE_QUARANTINE,
        "quarantine.view_capacity",
    ],
    Role.COMMUNITY_WORKER: [
        *EDIT_PEOPLE,
        *EDIT_PLACES,
        *IMPORT_LISTS,
        *LEAD_SCREENING,
        *LEAD_CHECKPOINTS,
        *CARE_QUARANTINE,
        "quarantine.release_measure",
    ],
    Role.GRID_WORKER: [*EDIT_PEOPLE, *IMPORT_LISTS, *WORK_SCREENING, *VIEW_CHECKPOINTS, *CARE_QUARANTINE],
    Role.CHECKPOINT_STAFF: [*VIEW_PEOPLE, *VIEW_SCREENING, "screening.add_keyperson", *STAFF_CHECKPOINTS],
    Role.SITE_STAFF: [*VIEW_PEOPLE, "people.view_full_person", *VIEW_SCREENING, *SITE_QUARANTINE],
    Role.TESTING_STAFF: [
        *VIEW_PEOPLE,
        "protocols.view_protocol",
        "quarantine.view_measure",
        "quarantine.change_measuretest",
    ],
    Role.INSPECTOR: [
        *VIEW_PEOPLE,
        *VIEW_SCREENING,
        "screening.view_coverage",
        *VIEW_CHECKPOINTS,
        *VIEW_QUARANTINE,
        "quarantine.view_capacity",
    ],
    Role.VIEWER: [*VIEW_PEOPLE, *VIEW_SCREENING, "quarantine.view_site", "quarantine.view_measure"],
}


def group_name(role: str) -> str:
    return f"role:{role}"


def ensure_role_groups(**kwargs: Any) -> None:
    """Create the role groups with their default permissions; never strips what an admin added."""
    wanted = {dotted for codenames in ROLE_PERMISSIONS.values() for dotted in codenames}
    perms = {
        f"{p.content_type.app_label}.{p.codename}": p
        for p in Permission.objects.select_related("content_type").filter(
            codename__in={d.split(".")[1] for d in wanted}
        )
    }
    groups = {g.name: g for g in Group.objects.filter(name__in=[group_name(r) for r in ROLE_PERMISSIONS])}
    for role, codenames in ROLE_PERMISSIONS.items():
        group = groups.get(group_name(role)) or Group.objects.create(name=group_name(role))
        group.permissions.add(*(perms[d] for d in codenames if d in perms))
