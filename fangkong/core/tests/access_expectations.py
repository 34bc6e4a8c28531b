"""Who may use each page and API operation: the policy the access matrix test checks.

Every URL name in the URLconf and every operationId in /api/v1/openapi.json needs an entry here;
`test_access_matrix.py` fails for any route that has none. To add a route:

    PAGES["myapp:thing_detail"] = Rule(VIEW_PEOPLE, target="thing")     # target: object of side A in the path
    API["fangkong_myapp_api_get_thing"] = Rule(VIEW_PEOPLE, target="thing")

and, when the path names a new kind of object, teach `TARGETS` in test_access_matrix.py to build one
in jurisdiction A (a few lines: create it under `scene.world.A`).

`who` holds roles (`Role` values), `SIGNED_IN` (any logged-in account, even one without a post),
`ANYONE` (also anonymous) or single principals such as "grid_worker@A". A rule with a `target` is
only ever allowed for principals whose jurisdiction contains side A (the object in the path, or the
place a write's body names, belongs to A); everyone else must get a refusal (403/404/login, or a
validation message with the database unchanged) and never A's personal data. A key "name?query"
adds a variant of a route (e.g. the unmasked export) with its own rule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fangkong.accounts.models import Role

ANYONE = "anyone"
SIGNED_IN = "signed-in"

ALL_ROLES = frozenset(Role.values)
HQ = frozenset({Role.HQ_ADMIN})
VIEW_PEOPLE = ALL_ROLES
# Roles that see a person's full ID number and phone (each such view is audited).
FULL_VIEW = frozenset(
    {
        Role.HQ_ADMIN,
        Role.HQ_GROUP,
        Role.STREET_ADMIN,
        Role.COMMUNITY_WORKER,
        Role.GRID_WORKER,
        Role.SITE_STAFF,
    }
)
EDIT_PEOPLE = frozenset({Role.HQ_ADMIN, Role.STREET_ADMIN, Role.COMMUNITY_WORKER, Role.GRID_WORKER})
EDIT_PLACES = frozenset({Role.HQ_ADMIN, Role.STREET_ADMIN, Role.COMMUNITY_WORKER})
MERGE_PEOPLE = frozenset({Role.HQ_ADMIN, Role.STREET_ADMIN})
VIEW_IMPORTS = frozenset({*EDIT_PEOPLE, Role.HQ_GROUP})
RUN_IMPORTS = EDIT_PEOPLE
VIEW_PROTOCOLS = ALL_ROLES
VIEW_KEY_PERSONS = ALL_ROLES - {Role.TESTING_STAFF}
WORK_KEY_PERSONS = EDIT_PEOPLE
ADD_KEY_PERSONS = WORK_KEY_PERSONS | {Role.CHECKPOINT_STAFF}
LEAD_SCREENING = frozenset({Role.HQ_ADMIN, Role.STREET_ADMIN, Role.COMMUNITY_WORKER})
VIEW_COVERAGE = frozenset({Role.HQ_ADMIN, Role.HQ_GROUP, Role.STREET_ADMIN, Role.COMMUNITY_WORKER, Role.INSPECTOR})
VIEW_CHECKPOINTS = frozenset(
    {
        Role.HQ_ADMIN,
        Role.HQ_GROUP,
        Role.STREET_ADMIN,
        Role.COMMUNITY_WORKER,
        Role.GRID_WORKER,
        Role.CHECKPOINT_STAFF,
        Role.INSPECTOR,
    }
)
REGISTER_PASSAGES = frozenset({Role.HQ_ADMIN, Role.STREET_ADMIN, Role.COMMUNITY_WORKER, Role.CHECKPOINT_STAFF})
LEAD_CHECKPOINTS = frozenset({Role.HQ_ADMIN, Role.STREET_ADMIN, Role.COMMUNITY_WORKER})
# Quarantine (隔离): who sees measures and sites, who places, releases and runs the sites.
VIEW_MEASURES = ALL_ROLES - {Role.CHECKPOINT_STAFF}
VIEW_SITES = ALL_ROLES - {Role.CHECKPOINT_STAFF, Role.TESTING_STAFF}
VIEW_CAPACITY = frozenset({Role.HQ_ADMIN, Role.HQ_GROUP, Role.STREET_ADMIN, Role.SITE_STAFF, Role.INSPECTOR})
RUN_SITES = frozenset({Role.HQ_ADMIN, Role.SITE_STAFF})
RECORD_TESTS = frozenset(
    {
        Role.HQ_ADMIN,
        Role.STREET_ADMIN,
        Role.COMMUNITY_WORKER,
        Role.GRID_WORKER,
        Role.SITE_STAFF,
        Role.TESTING_STAFF,
    }
)
RELEASE_MEASURES = frozenset({Role.HQ_ADMIN, Role.SITE_STAFF, Role.COMMUNITY_WORKER})
# Transfers (转运): who sees tasks and vehicles, who runs the transfers, who manages the vehicles.
VIEW_TRANSFERS = frozenset(
    {
        Role.HQ_ADMIN,
        Role.HQ_GROUP,
        Role.STREET_ADMIN,
        Role.COMMUNITY_WORKER,
        Role.GRID_WORKER,
        Role.SITE_STAFF,
        Role.INSPECTOR,
    }
)
RUN_TRANSFERS = frozenset({Role.HQ_ADMIN, Role.SITE_STAFF})
NOBODY: frozenset[str] = frozenset()  # e.g. the Django admin: staff accounts only, none in the matrix


@dataclass(frozen=True)
class Rule:
    who: frozenset[str]
    target: str | None = None
    # Whether the route accepts POST (or PATCH...). A POST to any other route must be refused with 405,
    # whoever sends it.
    writes: bool = False
    # Roles allowed to write when fewer than those allowed to read (None: the same).
    writers: frozenset[str] | None = None
    # Roles (among those allowed) that see A's full ID number and phone; everyone else sees masks at most.
    unmasked: frozenset[str] = NOBODY
    # False when the object in the path is not jurisdiction data (a district-wide risk area, the public
    # self-report link): then the role alone decides.
    scoped: bool = True
    # Form/JSON body for the write, built from the scene (objects of side A); None posts nothing.
    body: Callable[[Any], dict[str, Any]] | None = field(default=None, compare=False)


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


def _place_form(scene: Any) -> dict[str, Any]:
    return {"type": "building", "name": "越权楼"}


def _place_edit_form(scene: Any) -> dict[str, Any]:
    return {"type": "compound", "name": "改名小区"}


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


def _transfer_task_json(scene: Any) -> dict[str, Any]:
    from fangkong.core.tests.test_access_matrix import transfer_measure

    planned = dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)
    return {
        "kind": "to_hospital",
        "measure_ids": [transfer_measure(scene, "转运乙", 663).pk],
        "planned_at": planned.isoformat(),
        "to_text": "市第一人民医院",
    }


# Pages, by URL name (namespace:name). Keys "name?query" are variants with their own rule.
PAGES: dict[str, Rule] = {
    "core:home": Rule(frozenset({SIGNED_IN})),
    "core:favicon": Rule(frozenset({ANYONE})),
    "accounts:login": Rule(frozenset({ANYONE}), writes=True),
    "accounts:logout": Rule(frozenset({ANYONE}), writes=True),
    "accounts:tokens": Rule(frozenset({SIGNED_IN}), writes=True),
    # An API token belongs to its owner alone, whatever their role.
    "accounts:token_revoke": Rule(frozenset({"grid_worker@A"}), target="token", writes=True),
    "places:browse": Rule(frozenset({SIGNED_IN})),
    "places:search": Rule(VIEW_PEOPLE),
    "places:detail": Rule(VIEW_PEOPLE, target="place"),
    "places:add": Rule(EDIT_PLACES, target="place", writes=True, body=_place_form),
    "places:edit": Rule(EDIT_PLACES, target="place", writes=True, body=_place_edit_form),
    "places:move": Rule(EDIT_PLACES, target="place", writes=True),
    "people:list": Rule(VIEW_PEOPLE),
    "people:export": Rule(VIEW_PEOPLE),
    "people:export?unmasked=1": Rule(HQ, unmasked=HQ),
    "people:create": Rule(EDIT_PEOPLE, target="place", writes=True, body=_person_form),
    "people:detail": Rule(VIEW_PEOPLE, target="person", unmasked=FULL_VIEW),
    "people:edit": Rule(EDIT_PEOPLE, target="person", writes=True, unmasked=EDIT_PEOPLE, body=_person_edit_form),
    "people:merge": Rule(MERGE_PEOPLE, target="person", writes=True),
    "audit:list": Rule(HQ),
    "audit:export": Rule(HQ),
    "imports:list": Rule(VIEW_IMPORTS, writes=True, writers=RUN_IMPORTS),
    "imports:export": Rule(VIEW_IMPORTS),
    "imports:detail": Rule(VIEW_IMPORTS, target="import_job"),
    "imports:confirm": Rule(RUN_IMPORTS, target="import_job", writes=True),
    "imports:progress": Rule(VIEW_IMPORTS, target="import_job"),
    "imports:cancel": Rule(RUN_IMPORTS, target="import_job", writes=True),
    # The result workbook repeats the uploaded rows (as the uploader sent them) beside the outcome.
    "imports:result": Rule(VIEW_IMPORTS, target="import_job", unmasked=VIEW_IMPORTS),
    # The API description is public (it holds no data); ninja's views answer any method.
    "api:openapi-json": Rule(frozenset({ANYONE}), writes=True),
    "api:openapi-view": Rule(frozenset({ANYONE}), writes=True),
    # The API's index (its operations and links to the docs): public like the docs, no data.
    "api:api-root": Rule(frozenset({ANYONE})),
    "set_language": Rule(frozenset({ANYONE}), writes=True),
    # Screening (排查): key persons, sweeps, coverage, the residents' self-report.
    "screening:list": Rule(VIEW_KEY_PERSONS),
    "screening:export": Rule(VIEW_KEY_PERSONS),
    "screening:queue": Rule(WORK_KEY_PERSONS),
    "screening:unplaced": Rule(HQ),
    "screening:add": Rule(ADD_KEY_PERSONS, writes=True),
    "screening:detail": Rule(VIEW_KEY_PERSONS, target="key_person", unmasked=FULL_VIEW),
    "screening:transition": Rule(WORK_KEY_PERSONS, target="key_person", writes=True),
    "screening:route": Rule(HQ, target="key_person", writes=True),
    "screening:hand_over": Rule(HQ, target="key_person", writes=True),
    "screening:category": Rule(WORK_KEY_PERSONS, target="key_person", writes=True),
    "screening:worker": Rule(WORK_KEY_PERSONS, target="key_person", writes=True),
    "screening:travel": Rule(WORK_KEY_PERSONS, target="key_person", writes=True),
    "screening:coverage": Rule(VIEW_COVERAGE),
    "screening:coverage_export": Rule(VIEW_COVERAGE),
    "screening:push_lists": Rule(VIEW_COVERAGE, writes=True, writers=HQ),
    "screening:sweeps": Rule(WORK_KEY_PERSONS, writes=True, writers=LEAD_SCREENING),
    "screening:sweep": Rule(WORK_KEY_PERSONS, target="sweep"),
    "screening:visit": Rule(WORK_KEY_PERSONS, target="sweep_household", writes=True),
    "screening:apply_protocol": Rule(HQ, writes=True),
    # The poster names a community: A's grid worker is posted below it and cannot open it.
    "screening:poster": Rule(VIEW_KEY_PERSONS - {Role.GRID_WORKER}, target="community"),
    "screening:self_report": Rule(frozenset({ANYONE}), target="self_report_link", scoped=False, writes=True),
    # The reports made on that page: A's grid worker is posted below the community that holds them.
    "screening:self_reports": Rule(VIEW_KEY_PERSONS),
    "screening:self_report_detail": Rule(
        VIEW_KEY_PERSONS - {Role.GRID_WORKER}, target="self_report", unmasked=FULL_VIEW
    ),
    "screening:self_report_confirm": Rule(WORK_KEY_PERSONS - {Role.GRID_WORKER}, target="self_report", writes=True),
    "screening:self_report_register": Rule(WORK_KEY_PERSONS - {Role.GRID_WORKER}, target="self_report", writes=True),
    # Protocols (防控方案) and risk areas: district-wide, not personal data.
    "protocols:list": Rule(VIEW_PROTOCOLS),
    "protocols:activate": Rule(HQ, writes=True),
    "protocols:copy": Rule(HQ, target="protocol", scoped=False, writes=True),
    "protocols:edit": Rule(HQ, target="protocol", scoped=False, writes=True),
    "protocols:risk_areas": Rule(VIEW_KEY_PERSONS),
    "protocols:risk_area_create": Rule(HQ, writes=True),
    "protocols:risk_area_import": Rule(HQ, writes=True),
    "protocols:risk_area_edit": Rule(HQ, target="risk_area", scoped=False, writes=True),
    "protocols:risk_area_delete": Rule(HQ, target="risk_area", scoped=False, writes=True),
    # Checkpoints (卡点): lists, the gate page, alerts, registrations, the venue's public self check-in.
    "checkpoints:list": Rule(VIEW_CHECKPOINTS),
    "checkpoints:export": Rule(VIEW_CHECKPOINTS),
    "checkpoints:add": Rule(LEAD_CHECKPOINTS, writes=True),
    "checkpoints:detail": Rule(VIEW_CHECKPOINTS, target="checkpoint"),
    "checkpoints:kit": Rule(LEAD_CHECKPOINTS, target="checkpoint", writes=True),
    "checkpoints:shifts": Rule(LEAD_CHECKPOINTS, target="checkpoint", writes=True),
    "checkpoints:gate": Rule(REGISTER_PASSAGES, target="checkpoint", writes=True),
    "checkpoints:lookup": Rule(REGISTER_PASSAGES, target="checkpoint"),
    "checkpoints:poster": Rule(VIEW_CHECKPOINTS, target="checkpoint"),
    "checkpoints:alerts": Rule(VIEW_CHECKPOINTS, writes=True, writers=LEAD_CHECKPOINTS),
    "checkpoints:daily": Rule(VIEW_CHECKPOINTS, target="checkpoint", writes=True, writers=REGISTER_PASSAGES),
    "checkpoints:daily_rollup": Rule(VIEW_CHECKPOINTS),
    "checkpoints:registrations": Rule(VIEW_CHECKPOINTS),
    "checkpoints:registrations_export": Rule(VIEW_CHECKPOINTS),
    "checkpoints:manifest": Rule(frozenset({ANYONE})),
    "checkpoints:service_worker": Rule(frozenset({ANYONE})),
    "checkpoints:check_in": Rule(frozenset({ANYONE}), target="check_in_link", scoped=False, writes=True),
    # Quarantine (隔离): measures, sites and rooms, the capacity board, the release notice.
    "quarantine:measures": Rule(VIEW_MEASURES),
    "quarantine:measures_export": Rule(VIEW_MEASURES),
    "quarantine:measure_detail": Rule(VIEW_MEASURES, target="measure"),
    "quarantine:measure_place": Rule(RUN_SITES, target="measure", writes=True),
    "quarantine:measure_move": Rule(RUN_SITES, target="measure", writes=True),
    "quarantine:measure_leave": Rule(RUN_SITES, target="measure", writes=True),
    "quarantine:measure_test": Rule(RECORD_TESTS, target="measure", writes=True),
    "quarantine:measure_extend": Rule(HQ, target="measure", writes=True),
    "quarantine:measure_release": Rule(RELEASE_MEASURES, target="measure", writes=True),
    "quarantine:certificate": Rule(VIEW_MEASURES, target="released_measure"),
    "quarantine:sites": Rule(VIEW_SITES),
    "quarantine:sites_export": Rule(VIEW_SITES),
    "quarantine:site_add": Rule(HQ, writes=True),
    "quarantine:site_detail": Rule(VIEW_SITES, target="site"),
    "quarantine:site_edit": Rule(RUN_SITES, target="site", writes=True),
    "quarantine:site_rooms": Rule(RUN_SITES, target="site", writes=True),
    "quarantine:site_staff": Rule(RUN_SITES, target="site", writes=True),
    "quarantine:site_activate": Rule(HQ, target="site", writes=True),
    "quarantine:room_status": Rule(RUN_SITES, target="room", writes=True),
    "quarantine:capacity": Rule(VIEW_CAPACITY),
    "quarantine:daily": Rule(VIEW_MEASURES),
    "quarantine:daily_export": Rule(VIEW_MEASURES),
    # Anyone holding a release notice may check it; the answer shows masked data only.
    "quarantine:verify": Rule(frozenset({ANYONE}), target="certificate_code", scoped=False),
    # Transfers (转运): tasks with their run, passengers and crew; the vehicle pool.
    "transfers:list": Rule(VIEW_TRANSFERS),
    "transfers:export": Rule(VIEW_TRANSFERS),
    "transfers:add": Rule(RUN_TRANSFERS, writes=True),
    "transfers:detail": Rule(VIEW_TRANSFERS, target="transfer_task"),
    "transfers:depart": Rule(RUN_TRANSFERS, target="transfer_task", writes=True),
    "transfers:arrive": Rule(RUN_TRANSFERS, target="transfer_task", writes=True),
    "transfers:disinfect": Rule(RUN_TRANSFERS, target="transfer_task", writes=True),
    "transfers:cancel": Rule(RUN_TRANSFERS, target="transfer_task", writes=True),
    "transfers:assign_vehicle": Rule(RUN_TRANSFERS, target="transfer_task", writes=True),
    "transfers:passengers": Rule(RUN_TRANSFERS, target="transfer_task", writes=True),
    "transfers:crew": Rule(RUN_TRANSFERS, target="transfer_task", writes=True),
    "transfers:request_site": Rule(RUN_TRANSFERS, target="measure", writes=True),
    "transfers:vehicles": Rule(VIEW_TRANSFERS),
    "transfers:vehicle_add": Rule(HQ, writes=True),
    "transfers:vehicle_edit": Rule(VIEW_TRANSFERS, target="vehicle", writes=True, writers=RUN_TRANSFERS),
}

PAGES |= {
    "admin:login": Rule(frozenset({ANYONE}), writes=True),
    "admin:logout": Rule(frozenset({ANYONE}), writes=True),
    "admin:javascript-catalog": Rule(frozenset({ANYONE})),
}

# Health monitoring (健康监测): home care, health reports, alerts, the person's own report link.
VIEW_MONITORING = frozenset(
    {
        Role.HQ_ADMIN,
        Role.HQ_GROUP,
        Role.STREET_ADMIN,
        Role.COMMUNITY_WORKER,
        Role.GRID_WORKER,
        Role.SITE_STAFF,
        Role.INSPECTOR,
    }
)
CARE_MONITORING = frozenset(
    {Role.HQ_ADMIN, Role.STREET_ADMIN, Role.COMMUNITY_WORKER, Role.GRID_WORKER, Role.SITE_STAFF}
)


def _health_report_json(scene: Any) -> dict[str, Any]:
    import datetime as dt

    from django.utils import timezone

    from fangkong.core.tests.test_access_matrix import TARGETS

    measure = TARGETS["home_measure"](scene)
    day = timezone.localdate() - dt.timedelta(days=1)
    return {"measure_id": measure.pk, "date": day.isoformat(), "slot": "morning", "temperature": 36.5}


PAGES |= {
    "monitoring:home_list": Rule(VIEW_MONITORING),
    "monitoring:home_export": Rule(VIEW_MONITORING),
    "monitoring:measure": Rule(VIEW_MONITORING, target="home_measure"),
    "monitoring:report": Rule(CARE_MONITORING, target="home_measure", writes=True),
    "monitoring:home": Rule(CARE_MONITORING, target="home_measure", writes=True),
    "monitoring:team": Rule(CARE_MONITORING, target="home_measure", writes=True),
    "monitoring:deliveries": Rule(CARE_MONITORING, target="home_measure", writes=True),
    "monitoring:renew_link": Rule(CARE_MONITORING, target="home_measure", writes=True),
    "monitoring:due": Rule(VIEW_MONITORING, writes=True, writers=CARE_MONITORING),
    "monitoring:alerts": Rule(VIEW_MONITORING, writes=True, writers=CARE_MONITORING),
    "monitoring:alerts_export": Rule(VIEW_MONITORING),
    # The person's own report page: the signed link is the key; it shows a masked name only.
    "monitoring:self_report": Rule(frozenset({ANYONE}), target="report_link", scoped=False, writes=True),
}

# Every URL in these namespaces shares one rule (the admin has dozens of generated URLs).
NAMESPACES: dict[str, Rule] = {
    "admin": Rule(NOBODY, writes=True),
}

# API operations, by operationId (see /api/v1/openapi.json).
API: dict[str, Rule] = {
    "fangkong_accounts_api_obtain_token": Rule(frozenset({ANYONE}), writes=True),
    "fangkong_accounts_api_me": Rule(frozenset({SIGNED_IN})),
    "fangkong_people_api_list_persons": Rule(VIEW_PEOPLE),
    "fangkong_people_api_create": Rule(EDIT_PEOPLE, target="place", writes=True, body=_person_json),
    "fangkong_people_api_get_person": Rule(VIEW_PEOPLE, target="person", unmasked=FULL_VIEW),
    "fangkong_people_api_get_timeline": Rule(VIEW_PEOPLE, target="person"),
    "fangkong_people_api_update": Rule(
        EDIT_PEOPLE, target="person", writes=True, unmasked=FULL_VIEW, body=_person_patch_json
    ),
    "fangkong_places_api_list_places": Rule(VIEW_PEOPLE),
    "fangkong_places_api_get_place": Rule(VIEW_PEOPLE, target="place"),
    "fangkong_places_api_place_children": Rule(VIEW_PEOPLE, target="place"),
    "fangkong_places_api_place_summary": Rule(VIEW_PEOPLE, target="place"),
    "fangkong_imports_api_upload": Rule(RUN_IMPORTS, writes=True),
    "fangkong_imports_api_status": Rule(VIEW_IMPORTS, target="import_job"),
    "fangkong_imports_api_result": Rule(VIEW_IMPORTS, target="import_job", unmasked=VIEW_IMPORTS),
    "fangkong_protocols_api_list_protocols": Rule(VIEW_PROTOCOLS),
    "fangkong_protocols_api_get_active": Rule(VIEW_PROTOCOLS),
    "fangkong_screening_api_list_key_persons": Rule(VIEW_KEY_PERSONS),
    "fangkong_screening_api_transition_key_person": Rule(WORK_KEY_PERSONS, target="key_person", writes=True),
    "fangkong_screening_api_get_coverage": Rule(VIEW_COVERAGE),
    # Checkpoints (卡点): the batch answers 422 to an empty body, after the permission check.
    "fangkong_checkpoints_api_list_checkpoints": Rule(VIEW_CHECKPOINTS),
    "fangkong_checkpoints_api_register_passages": Rule(REGISTER_PASSAGES, writes=True),
    "fangkong_checkpoints_api_colocated": Rule(VIEW_CHECKPOINTS),
    "fangkong_quarantine_api_list_sites": Rule(VIEW_SITES),
    "fangkong_quarantine_api_list_rooms": Rule(VIEW_SITES, target="site"),
    # The body names the person and room; an empty body is refused with 422 after the permission check.
    "fangkong_quarantine_api_create_placement": Rule(RUN_SITES, writes=True),
    "fangkong_quarantine_api_release_placement": Rule(RELEASE_MEASURES, target="placement", writes=True),
    # Transfers: the task in A is planned with a vehicle, a driver and a passenger, so it can depart.
    "fangkong_transfers_api_list_vehicles": Rule(VIEW_TRANSFERS),
    "fangkong_transfers_api_list_tasks": Rule(VIEW_TRANSFERS),
    # The body names persons of A: only A's staff may plan their transfer.
    "fangkong_transfers_api_create_task": Rule(
        RUN_TRANSFERS, target="transfer_task", writes=True, body=_transfer_task_json
    ),
    "fangkong_transfers_api_get_task": Rule(VIEW_TRANSFERS, target="transfer_task"),
    "fangkong_transfers_api_depart_task": Rule(
        RUN_TRANSFERS, target="transfer_task", writes=True, body=lambda scene: {}
    ),
    "fangkong_transfers_api_arrive_task": Rule(RUN_TRANSFERS, target="transfer_task", writes=True),
    "fangkong_transfers_api_disinfect_vehicle": Rule(RUN_TRANSFERS, target="transfer_task", writes=True),
    "fangkong_transfers_api_cancel_task": Rule(RUN_TRANSFERS, target="transfer_task", writes=True),
}

API |= {
    "fangkong_monitoring_api_list_alerts": Rule(VIEW_MONITORING),
    "fangkong_monitoring_api_create_report": Rule(
        CARE_MONITORING, target="home_measure", writes=True, body=_health_report_json
    ),
}
