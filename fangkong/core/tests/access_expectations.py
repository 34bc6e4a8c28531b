"""Who may use each page and API operation: the policy the access matrix test checks.

This module holds the policy's vocabulary and core's own routes; each app holds the rules of its own
routes in the module its plugin.py names (`access_rules`, e.g. `fangkong/myapp/tests/access_rules.py`),
and `access_policy.py` collects them. Every URL name in the URLconf and every operationId in
/api/v1/openapi.json needs an entry; `test_access_matrix.py` fails for any route that has none. To add
a route, in the app's rules module:

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
VIEW_KEY_PERSONS = ALL_ROLES - {Role.TESTING_STAFF}
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


# Pages, by URL name (namespace:name). Keys "name?query" are variants with their own rule.
PAGES: dict[str, Rule] = {
    "core:home": Rule(frozenset({SIGNED_IN})),
    "core:favicon": Rule(frozenset({ANYONE})),
    "set_language": Rule(frozenset({ANYONE}), writes=True),
}

PAGES |= {
    "admin:login": Rule(frozenset({ANYONE}), writes=True),
    "admin:logout": Rule(frozenset({ANYONE}), writes=True),
    "admin:javascript-catalog": Rule(frozenset({ANYONE})),
}


# Every URL in these namespaces shares one rule (the admin has dozens of generated URLs).
NAMESPACES: dict[str, Rule] = {
    "admin": Rule(NOBODY, writes=True),
}

# API operations, by operationId (see /api/v1/openapi.json).
API: dict[str, Rule] = {}
