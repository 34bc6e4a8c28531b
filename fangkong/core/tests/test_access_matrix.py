"""The access matrix: every page and API operation, requested by every kind of user, checked against
the policy the apps declare (collected in `access_policy.py`).

Personal data lives in jurisdiction A (a sentinel person in household A, an import job with its result
file, an API token of A's grid worker). Every role asks on side A (posted at or above A's data) and on
the sibling side B; so do the district HQ, an account with no post, and an anonymous visitor. For each
route and principal the test checks:

- the status is what the rule says (allowed: a page or a validation message; denied: 401/403/404/405
  or the login page), with no 5xx;
- nobody outside A ever receives A's personal data: names, ID numbers and phones (full or masked) in
  the body, in exported workbooks and in JSON;
- pages a principal outside A may open do not change when A gets more data (so counts do not leak);
- refused writes leave the database as it was; allowed writes are rolled back after the check;
- full ID numbers reach only the roles the rule lists, and each such view leaves an audit event.

A report (route × role → status) is written to var/access-matrix.md.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from fangkong.accounts.models import Role, User
from fangkong.accounts.services import issue_token
from fangkong.api.api import api
from fangkong.audit.models import AuditEvent
from fangkong.conftest import World, add_place_counted, make_person
from fangkong.core.masking import mask_document, mask_phone
from fangkong.core.testing.idnumbers import make_resident_id
from fangkong.core.tests import access_policy as policy
from fangkong.core.tests.access_expectations import ANYONE, SIGNED_IN, Rule
from fangkong.places.models import Place, PlaceType

pytestmark = pytest.mark.django_db

REPORT = Path(settings.VAR_DIR) / "access-matrix.md"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WRITE_METHODS = {"post", "put", "patch", "delete"}
SENTINEL_NAME = "哨兵甲"
SENTINEL_PHONE = "13912340001"


# --- the principals ---------------------------------------------------------------------------------


@dataclass
class Principal:
    key: str  # "grid_worker@A", "hq_admin@district", "nobody", "anonymous"
    role: str | None
    user: User | None
    sees_a: bool  # whether side A lies inside the principal's jurisdiction
    client: Client = field(default_factory=Client)
    bearer: str = ""

    def allowed(self, rule: Rule, *, writing: bool = False, names_a: bool = True) -> bool:
        who = rule.writers if writing and rule.writers is not None else rule.who
        if ANYONE in who:
            by_role = True
        elif self.user is None:
            by_role = False
        else:
            by_role = SIGNED_IN in who or self.role in who or self.key in who
        return by_role and (rule.target is None or not rule.scoped or not names_a or self.sees_a)

    def login(self) -> None:
        if self.user is not None:
            self.client.force_login(self.user)


def principals(world: World) -> list[Principal]:
    people = [Principal("hq_admin@district", Role.HQ_ADMIN, world.hq, sees_a=True)]
    for role, by_side in world.users.items():
        for side, user in sorted(by_side.items()):
            people.append(Principal(f"{role}@{side}", role, user, sees_a=side == "A"))
    assert world.nobody is not None
    people.append(Principal("nobody", None, world.nobody, sees_a=False))
    people.append(Principal("anonymous", None, None, sees_a=False))
    for p in people:
        p.client = Client()
        p.login()
        if p.user is not None:
            p.bearer = issue_token(user=p.user, name="matrix")[1]
    return people


# --- the scene: personal data of side A ------------------------------------------------------------


@dataclass
class Scene:
    world: World
    person: Any
    place: Place
    import_job: Any
    token: Any
    spare_id_number: str
    markers: list[str]  # any of these in a response means A's personal data went out
    full_markers: list[str]  # the unmasked values


def _pushlist_file(path: Path, rows: list[list[str]]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["姓名", "证件号码", "联系电话", "途经地", "抵达日期", "社区"])
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def _import(world: World, tmp: Path, name: str, rows: list[list[str]]) -> Any:
    from fangkong.imports.models import ImportJob

    out = io.StringIO()
    call_command(
        "import_file",
        "pushlist",
        str(_pushlist_file(tmp / name, rows)),
        "--user",
        world.user(Role.COMMUNITY_WORKER, "A").username,
        "--place",
        str(world.A.grid.pk),
        stdout=out,
    )
    return ImportJob.objects.get(pk=json.loads(out.getvalue())["job"])


def _key_person(scene: Scene) -> Any:
    # The push list imported into A makes the sentinel a key person (screening listens to finished imports).
    key_person = apps.get_model("screening", "KeyPerson").objects.filter(person=scene.person).first()
    assert key_person is not None, "the push list import in A did not make the sentinel a key person"
    return key_person


def _sweep(scene: Scene) -> Any:
    from fangkong.screening.services import start_sweep

    model = apps.get_model("screening", "SweepTask")
    existing = model.objects.filter(place=scene.world.A.grid).first()
    actor = scene.world.user(Role.COMMUNITY_WORKER, "A")
    return existing or start_sweep(actor=actor, place=scene.world.A.grid, name="扫楼")


def _self_report_token(community: Place) -> str:
    from fangkong.screening.selectors import self_report_token

    return self_report_token(community)


SELF_REPORT_NAME = "报备甲"


def _self_report(scene: Scene) -> Any:
    """A report typed on A's community page (a name the register does not hold, so it stays a report)."""
    from fangkong.screening.services import SelfReportInput, submit_self_report

    model = apps.get_model("screening", "SelfReport")
    existing = model.objects.filter(name=SELF_REPORT_NAME).first()
    if existing is not None:
        return existing
    number = make_resident_id("410402", dt.date(1990, 5, 6), 91, male=True)
    for marker in (SELF_REPORT_NAME, mask_document(number)):
        if marker not in scene.markers:
            scene.markers.append(marker)
    data = SelfReportInput(
        name=SELF_REPORT_NAME,
        document_type="resident_id",
        document_number=number,
        phone="13912340091",
        reporter="resident",
        organisation="",
        came_from="某市",
        arrived_on=dt.date(2026, 11, 1),
        symptoms=[],
    )
    return submit_self_report(community=scene.world.A.community, data=data)


def _risk_area(scene: Scene) -> Any:
    from fangkong.protocols.services import RiskAreaInput, save_risk_area

    model = apps.get_model("protocols", "RiskArea")
    data = RiskAreaInput(name="某市某区", level="high", granularity="county", starts_on=dt.date(2026, 11, 1))
    return model.objects.filter(name=data.name).first() or save_risk_area(actor=scene.world.hq, data=data)


def _protocol(scene: Scene) -> Any:
    # An HQ-made version (the built-in presets are read-only), so its edit page opens for HQ.
    from fangkong.protocols.services import copy_protocol

    model = apps.get_model("protocols", "Protocol")
    return model.objects.filter(is_preset=False).first() or copy_protocol(
        actor=scene.world.hq, protocol=model.objects.get(code="covid19-9th-edition")
    )


def _checkpoint(scene: Scene) -> Any:
    from fangkong.checkpoints.services import CheckpointInput, save_checkpoint

    model = apps.get_model("checkpoints", "Checkpoint")
    # At the compound, as community gates are: every account of side A is posted at or above it.
    data = CheckpointInput(name="A东门", type="community_gate", place=scene.world.A.compound)
    return model.objects.filter(place=scene.world.A.compound).first() or save_checkpoint(
        actor=scene.world.hq, data=data
    )


def _check_in_link(scene: Scene) -> dict[str, str]:
    from fangkong.checkpoints.views import check_in_token

    return {"token": check_in_token(_checkpoint(scene))}


def _site(scene: Scene) -> Any:
    from fangkong.quarantine.services import SiteInput, add_rooms, create_site

    model = apps.get_model("quarantine", "Site")
    existing = model.objects.filter(place=scene.world.A.compound).first()
    if existing is not None:
        return existing
    # At the compound, so that every account of side A is posted at or above it.
    data = SiteInput(name="A隔离酒店", place=scene.world.A.compound, address="A路1号", status="in_use")
    site = create_site(actor=scene.world.hq, data=data)
    add_rooms(actor=scene.world.hq, site=site, numbers=["101", "102"], floor=1)
    return site


def _measure_of(scene: Scene, person: Any) -> Any:
    from fangkong.quarantine.tests.factories import make_measure

    model = apps.get_model("quarantine", "Measure")
    return model.objects.filter(person=person).first() or make_measure(scene.world.hq, person)


def _placement(scene: Scene) -> Any:
    from fangkong.quarantine.services import place_person

    measure = _measure_of(scene, scene.world.A.person)
    model = apps.get_model("quarantine", "Placement")
    room = apps.get_model("quarantine", "Room").objects.get(site=_site(scene), number="101")
    return model.objects.filter(measure=measure).first() or place_person(
        actor=scene.world.hq, measure=measure, room=room
    )


def _released_measure(scene: Scene) -> Any:
    from fangkong.quarantine.services import release_measure

    person = apps.get_model("people", "Person").objects.filter(name="解除甲").first() or make_person(
        scene.world.A.household, name="解除甲", seq=93
    )
    measure = _measure_of(scene, person)
    if measure.status == "active":
        from fangkong.transfers.services import cancel_task

        # Controlled while a room was free, the person waits for a transfer to a site: called off here.
        for passenger in apps.get_model("transfers", "TransferPassenger").objects.filter(
            person_id=measure.person_id, is_active=True
        ):
            cancel_task(actor=scene.world.hq, task=passenger.task, reason="访问矩阵")
        measure.tests.all().delete()
        measure = release_measure(actor=scene.world.hq, measure=measure, early_reason="访问矩阵")
    return measure


def transfer_measure(scene: Scene, name: str, seq: int) -> Any:
    """A person of A under a measure, for transfers; their name joins the markers of A's data."""
    from fangkong.transfers.tests.factories import make_measure

    person = apps.get_model("people", "Person").objects.filter(name=name).first() or make_person(
        scene.world.A.household, name=name, seq=seq
    )
    for marker in (name, mask_document(person.document_number)):
        if marker not in scene.markers:
            scene.markers.append(marker)
    model = apps.get_model("quarantine", "Measure")
    return model.objects.filter(person=person, status="active").first() or make_measure(scene.world.hq, person)


def _vehicle(scene: Scene) -> Any:
    from fangkong.transfers.services import VehicleInput, create_vehicle

    model = apps.get_model("transfers", "Vehicle")
    # At the compound, so that every account of side A is posted at or above it.
    data = VehicleInput(plate="豫CA0001", seats=4, place=scene.world.A.compound, kind="ambulance")
    return model.objects.filter(plate=data.plate).first() or create_vehicle(actor=scene.world.hq, data=data)


def _transfer_task(scene: Scene) -> Any:
    from fangkong.transfers.services import CrewInput, TaskInput, create_task

    vehicle = _vehicle(scene)
    existing = apps.get_model("transfers", "TransferTask").objects.filter(vehicle=vehicle).first()
    if existing is not None:
        return existing
    data = TaskInput(
        kind="to_hospital",
        measures=[transfer_measure(scene, "转运甲", 661)],
        planned_at=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1),
        vehicle=vehicle,
        to_text="市第一人民医院",
        crew=[CrewInput(role="driver", name="王师傅", phone="13700000001")],
    )
    return create_task(actor=scene.world.hq, data=data)


# Builders of the objects a route's path can name, all inside jurisdiction A. A new app whose URLs
# take a new kind of object adds one entry here: the object (its pk fills the path) or the path's
# keyword arguments as a dict.
TARGETS: dict[str, Callable[[Scene], Any]] = {
    "person": lambda scene: scene.person,
    "place": lambda scene: scene.place,
    "import_job": lambda scene: scene.import_job,
    "token": lambda scene: scene.token,
    "key_person": _key_person,
    "community": lambda scene: scene.world.A.community,
    "sweep": lambda scene: _sweep(scene),
    "sweep_household": lambda scene: {"pk": _sweep(scene).pk, "household_id": scene.world.A.household.pk},
    "self_report_link": lambda scene: {"token": _self_report_token(scene.world.A.community)},
    "self_report": _self_report,
    "risk_area": lambda scene: _risk_area(scene),
    "protocol": _protocol,
    "checkpoint": _checkpoint,
    "check_in_link": _check_in_link,
    "site": _site,
    "room": lambda scene: apps.get_model("quarantine", "Room").objects.get(site=_site(scene), number="102"),
    "measure": lambda scene: _measure_of(scene, scene.world.A.person),
    "placement": _placement,
    "released_measure": _released_measure,
    "certificate_code": lambda scene: {"code": _released_measure(scene).certificate_code},
    "vehicle": _vehicle,
    "transfer_task": _transfer_task,
}


def build_scene(world: World, tmp: Path) -> Scene:
    birth = dt.date(1979, 6, 2)
    person = make_person(world.A.household, name=SENTINEL_NAME, seq=77, phone=SENTINEL_PHONE)
    id_number = person.document_number
    pushed_id = make_resident_id("410402", birth, 78, male=False)
    job = _import(
        world,
        tmp,
        "push.xlsx",
        [
            [SENTINEL_NAME, id_number, SENTINEL_PHONE, "某市", "2026-11-01", ""],
            ["推送乙", pushed_id, "13912340002", "某市", "2026-11-02", ""],
            ["坏行", "123", "1", "某市", "not a date", ""],
        ],
    )
    token, _raw = issue_token(user=world.user(Role.GRID_WORKER, "A"), name="revoke me")
    a_person = world.A.person
    markers = [
        SENTINEL_NAME,
        id_number,
        mask_document(id_number),
        SENTINEL_PHONE,
        mask_phone(SENTINEL_PHONE),
        "推送乙",
        pushed_id,
        a_person.name,
        a_person.document_number,
        mask_document(a_person.document_number),
        a_person.phone,
        world.A.compound.name,
        world.A.building.name,
    ]
    scene = Scene(
        world=world,
        person=person,
        place=world.A.compound,
        import_job=job,
        token=token,
        spare_id_number=make_resident_id("410402", birth, 79, male=True),
        markers=markers,
        full_markers=[id_number, SENTINEL_PHONE],
    )
    # Objects that only POST routes name are made now: a write's own changes are rolled back.
    _placement(scene)
    _released_measure(scene)
    _self_report(scene)
    return scene


def grow_side_a(scene: Scene, tmp: Path) -> None:
    """More data in A, so anything counted across jurisdictions shows up as a difference on side B."""
    world = scene.world
    building = add_place_counted(world.A.compound, Place(type=PlaceType.BUILDING, name="A2号楼"))
    household = add_place_counted(building, Place(type=PlaceType.HOUSEHOLD, name="A2-101"))
    for seq in (81, 83, 85):
        make_person(household, name=f"增量{seq}", seq=seq, phone=f"139123400{seq}")
    _import(
        world,
        tmp,
        "push2.xlsx",
        [["增量推送", make_resident_id("410402", dt.date(1980, 1, 1), 84, male=False), "13912340084", "某市", "", ""]],
    )


def _home_measure(scene: Scene) -> Any:
    """A person of A under home quarantine, started three days ago (so yesterday's reports belong to it)."""
    from fangkong.quarantine.tests.factories import make_measure

    person = apps.get_model("people", "Person").objects.filter(name="居家甲").first() or make_person(
        scene.world.A.household, name="居家甲", seq=95
    )
    model = apps.get_model("quarantine", "Measure")
    measure = model.objects.filter(person=person).first()
    if measure is None:
        measure = make_measure(scene.world.hq, person, category="secondary_contact")
        back = dt.timedelta(days=3)
        model.objects.filter(pk=measure.pk).update(
            started_on=measure.started_on - back, created_at=measure.created_at - back
        )
        measure.refresh_from_db()
    return measure


def _report_link(scene: Scene) -> dict[str, str]:
    from fangkong.quarantine.services import report_link_token

    return {"token": report_link_token(_home_measure(scene))}


TARGETS |= {"home_measure": _home_measure, "report_link": _report_link}


# --- the routes -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    key: str  # expectation key: URL name (with ?query variant) or operationId
    label: str  # shown in the report
    method: str  # get / post / patch ...
    path: Callable[[Scene], str]
    rule: Rule
    api: bool = False
    has_params: bool = False  # whether the path names an object (else the target is named by the body)


def _walk(resolver: URLResolver, prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str, URLPattern]]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry, prefix + str(entry.pattern), ns)
        else:
            # Unnamed URLs (the admin's catch-all) are listed by their pattern.
            own = entry.name or f"<{prefix}{entry.pattern}>"
            name = f"{namespace}:{own}" if namespace else own
            yield name, prefix + str(entry.pattern), entry


def _openapi() -> dict[str, Any]:
    return api.get_openapi_schema()


def _api_paths() -> set[str]:
    return {re.sub(r"\{(\w+)\}", r"<\1>", p).removeprefix("/") for p in _openapi()["paths"]}


def page_names() -> list[tuple[str, str, URLPattern]]:
    """Every named URL outside the API operations (those are walked through the OpenAPI document)."""
    api_routes = _api_paths()
    found = []
    for name, route, pattern in _walk(get_resolver()):
        if name.startswith("api:") and route in api_routes:
            continue
        found.append((name, route, pattern))
    return found


def _admin_kwargs(pattern: URLPattern, scene: Scene) -> dict[str, str]:
    values = {"app_label": "people", "object_id": str(scene.person.pk), "content_type_id": "1", "url": "x"}
    names = set(pattern.pattern.regex.groupindex)
    return {name: values.get(name, "1") for name in names}


def _page_path(name: str, pattern: URLPattern, rule: Rule, query: str) -> Callable[[Scene], str]:
    def build(scene: Scene) -> str:
        names = set(pattern.pattern.regex.groupindex)
        if pattern.name is None:
            route = re.sub(r"\(\?P<(\w+)>[^)]*\)", "x", name.partition(":<")[2].rstrip(">"))
            route = re.sub(r"<(?:\w+:)?\w+>", "1", route)
            url = "/" + route.strip("^$")
        elif name.startswith("admin:"):
            url = reverse(name, kwargs=_admin_kwargs(pattern, scene))
        elif names:
            assert rule.target, f"{name} takes {names} but its rule names no target object"
            obj = TARGETS[rule.target](scene)
            kwargs = obj if isinstance(obj, dict) else dict.fromkeys(names, obj.pk)
            url = reverse(name, kwargs=kwargs)
        else:
            url = reverse(name)
        return f"{url}?{query}" if query else url

    return build


def page_routes() -> tuple[list[Route], list[str]]:
    routes: list[Route] = []
    missing: list[str] = []
    for name, route, pattern in page_names():
        namespace = name.split(":", 1)[0] if ":" in name else ""
        variants = {k: r for k, r in policy.PAGES.items() if k == name or k.startswith(name + "?")}
        if not variants and namespace in policy.NAMESPACES:
            variants = {name: policy.NAMESPACES[namespace]}
        if not variants:
            missing.append(f'PAGES["{name}"] = Rule(...)  # /{route}')
            continue
        for key, rule in variants.items():
            query = key.partition("?")[2]
            path = _page_path(name, pattern, rule, query)
            has_params = bool(pattern.pattern.regex.groupindex)
            routes.append(Route(key, key, "get", path, rule, has_params=has_params))
            routes.append(Route(key, key, "post", path, rule, has_params=has_params))
    return routes, missing


def api_routes() -> tuple[list[Route], list[str]]:
    routes: list[Route] = []
    missing: list[str] = []
    for path, operations in _openapi()["paths"].items():
        for method, operation in operations.items():
            op_id = operation["operationId"]
            rule = policy.API.get(op_id)
            if rule is None:
                missing.append(f'API["{op_id}"] = Rule(...)  # {method.upper()} {path}')
                continue
            params = re.findall(r"\{(\w+)\}", path)
            target = rule.target

            def build(scene: Scene, path: str = path, params: list[str] = params, target: str | None = target) -> str:
                if not params:
                    return path
                assert target, f"{path} takes {params} but its rule names no target object"
                obj = TARGETS[target](scene)
                return re.sub(r"\{\w+\}", str(obj.pk), path)

            routes.append(
                Route(op_id, f"{method.upper()} {path}", method, build, rule, api=True, has_params=bool(params))
            )
    return routes, missing


def stale_expectations() -> list[str]:
    names = {name for name, _route, _pattern in page_names()}
    ops = {op["operationId"] for ops in _openapi()["paths"].values() for op in ops.values()}
    stale = [f"PAGES[{k!r}]" for k in policy.PAGES if k.partition("?")[0] not in names]
    stale += [f"API[{k!r}]" for k in policy.API if k not in ops]
    return stale


# --- asking -----------------------------------------------------------------------------------------


def response_text(response: Any) -> str:
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    content_type = response.get("Content-Type", "")
    if content_type.startswith(XLSX) or raw[:2] == b"PK":
        wb = openpyxl.load_workbook(io.BytesIO(raw), read_only=True)
        cells = [str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v is not None]
        return "\n".join(cells)
    text = raw.decode("utf-8", errors="replace")
    if content_type.startswith("application/json"):
        try:
            return json.dumps(json.loads(text), ensure_ascii=False)
        except ValueError:
            return text
    return text


def refused(response: Any) -> bool:
    if response.status_code in (401, 403, 404, 405):
        return True
    # login_required's redirect carries ?next=; a logout's redirect to the login page does not.
    location = response.get("Location", "")
    return response.status_code == 302 and "login" in location and "next=" in location


def _fingerprint() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of Fangkong's own tables (the audit log aside: refusals may be audited)."""
    rows = {}
    for model in apps.get_models():
        if not model.__module__.startswith("fangkong.") or model._meta.app_label == "audit":
            continue
        fields = [f.attname for f in model._meta.concrete_fields if f.attname not in ("last_used_at",)]
        rows[model._meta.label] = list(model._default_manager.order_by("pk").values_list(*fields))
    return rows


class _Rollback(Exception):
    pass


@dataclass
class Matrix:
    scene: Scene
    people: list[Principal]
    failures: list[str] = field(default_factory=list)
    cells: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)  # (label, method) -> key -> cell

    def fail(self, route: Route, who: Principal, message: str) -> None:
        self.failures.append(f"{route.method.upper()} {route.label} as {who.key}: {message}")

    def send(self, route: Route, who: Principal, *, body: dict[str, Any] | None = None) -> Any:
        path = route.path(self.scene)
        client = who.client
        if route.api:
            headers = {"Authorization": f"Bearer {who.bearer}"} if who.bearer else {}
            if route.method in WRITE_METHODS and route.rule.body is not None and body is not None:
                return client.generic(
                    route.method.upper(), path, json.dumps(body), content_type="application/json", headers=headers
                )
            return client.generic(route.method.upper(), path, headers=headers)
        if route.method == "get":
            return client.get(path)
        return client.post(path, body or {})

    def check(self, route: Route, who: Principal) -> None:
        writing = route.method in WRITE_METHODS
        # A write to a read-only route is refused whoever sends it.
        names_a = route.has_params or writing
        allowed = who.allowed(route.rule, writing=writing, names_a=names_a) and (route.rule.writes or not writing)
        body = route.rule.body(self.scene) if route.rule.body else None
        audited_before = AuditEvent.objects.filter(actor=who.user).count() if who.user else 0
        before = _fingerprint() if writing else None
        try:
            with transaction.atomic():
                response = self.send(route, who, body=body)
                text = response_text(response) if response.status_code < 500 else ""
                changed = before is not None and _fingerprint() != before
                audited = AuditEvent.objects.filter(actor=who.user).count() > audited_before if who.user else False
                if writing:
                    raise _Rollback
        except _Rollback:
            pass
        if writing:
            self._restore_session(who)
        status = response.status_code
        self.cells.setdefault((route.label, route.method), {})[who.key] = self._cell(response, allowed)
        if status >= 500:
            self.fail(route, who, f"server error {status}")
            return
        post_only = status == 405 and route.method == "get" and route.rule.writes
        if allowed and refused(response) and not post_only:
            self.fail(route, who, f"should be allowed, got {status} {response.get('Location', '')}")
        if allowed and writing and route.rule.body is not None and not changed:
            self.fail(route, who, f"an allowed write with a valid body changed nothing (status {status})")
        # A write route may refuse with a validation message; a read-only route must answer 405.
        is_refused = refused(response) or (writing and route.rule.writes and status in (200, 400, 422))
        if not allowed and not is_refused:
            self.fail(route, who, f"should be refused, got {status}")
        if not allowed and changed:
            self.fail(route, who, "a refused write changed the database")
        if not who.sees_a or not allowed:
            leaked = [m for m in self.scene.markers if m and m in text]
            if leaked:
                self.fail(route, who, f"personal data of jurisdiction A in the response: {leaked}")
        shows_full = any(m in text for m in self.scene.full_markers)
        if shows_full and (who.role not in route.rule.unmasked or not allowed):
            self.fail(route, who, "full ID number or phone shown to a role that should see masks only")
        if shows_full and route.method == "get" and not audited:
            self.fail(route, who, "full ID number or phone shown without an audit event")

    def _restore_session(self, who: Principal) -> None:
        # A logout or language switch inside the rolled-back write must not carry over to the next request.
        who.client.cookies.pop(settings.LANGUAGE_COOKIE_NAME, None)
        if who.user is not None and not who.client.session.get("_auth_user_id"):
            who.login()

    @staticmethod
    def _cell(response: Any, allowed: bool) -> str:
        status = response.status_code
        shown = "login" if status == 302 and "login" in response.get("Location", "") else str(status)
        return f"{'✅' if allowed else '⛔'}{shown}"


def normalised(text: str) -> str:
    csrf = r'(csrfmiddlewaretoken" value=|X-CSRFToken": ?|csrf_token" content=|data-csrf-token=)"?[\w-]+'
    text = re.sub(csrf, "CSRF", text)
    text = re.sub(r"\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:?\d{2}|Z)?)?", "DATE", text)
    text = re.sub(r"\d{4}年\d{1,2}月\d{1,2}日|\d{1,2}:\d{2}(:\d{2})?", "TIME", text)
    return text


def write_report(matrix: Matrix, routes: list[Route]) -> None:
    roles = [r for r in Role.values if r != Role.HQ_ADMIN]
    header = ["route", "method", "hq_admin (district)", *[f"{r} A / B" for r in roles], "nobody", "anonymous"]
    lines = [
        "# Access matrix",
        "",
        "Generated by `fangkong/core/tests/test_access_matrix.py` from the apps' access rules; do not edit.",
        "✅ allowed by the policy, ⛔ refused by it; the number is the status the route returned",
        "(login = redirect to the login page). Side A holds the personal data; A users are posted at or above it,",
        "B users in the sibling jurisdiction. Writes are sent once and rolled back; read-only routes are also",
        "sent a POST, which must be refused (not listed).",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    admin = [r for r in routes if r.key.startswith("admin:") and r.key not in policy.PAGES]
    admin_cells = {c for r in admin for c in matrix.cells.get((r.label, r.method), {}).values()}
    for route in sorted(routes, key=lambda r: (r.api, r.label, r.method)):
        if (route.method == "post" and not route.rule.writes and not route.api) or route in admin:
            continue
        cells = matrix.cells.get((route.label, route.method), {})
        row = [f"`{route.label}`", route.method.upper(), cells.get("hq_admin@district", "")]
        row += [f"{cells.get(f'{r}@A', '')} / {cells.get(f'{r}@B', '')}" for r in roles]
        row += [cells.get("nobody", ""), cells.get("anonymous", "")]
        lines.append("| " + " | ".join(row) + " |")
    lines += ["", f"The {len(admin) // 2} other Django admin URLs (staff only): {', '.join(sorted(admin_cells))}."]
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text("\n".join(lines) + "\n", encoding="utf-8")


# --- the tests --------------------------------------------------------------------------------------


def test_every_page_and_api_operation_has_an_access_rule():
    _pages, missing_pages = page_routes()
    _ops, missing_ops = api_routes()
    missing = missing_pages + missing_ops
    assert not missing, (
        "These routes have no access rule. Say who may use them in the app's access rules "
        "(the module its plugin.py names in `access_rules`, e.g. fangkong/<app>/tests/access_rules.py) "
        "(and, when the path names a new kind of object, add a builder to TARGETS in test_access_matrix.py):\n  "
        + "\n  ".join(missing)
    )


def test_no_access_rule_is_left_for_a_route_that_is_gone():
    assert not stale_expectations(), f"Remove these rules, their routes no longer exist: {stale_expectations()}"


def test_access_matrix(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    scene = build_scene(world, tmp_path)
    people = principals(world)
    pages, _ = page_routes()
    ops, _ = api_routes()
    routes = pages + ops
    matrix = Matrix(scene, people)
    for route in routes:
        askers = people
        if route.key.startswith("admin:"):
            # Every admin URL is guarded by the same staff check: a few principals suffice.
            askers = [p for p in people if p.key in {"hq_admin@district", "grid_worker@B", "nobody", "anonymous"}]
        for who in askers:
            matrix.check(route, who)
    write_report(matrix, routes)

    # Outsiders' pages must not move when A gains persons, places and imports (counts leak that way).
    outsiders = [p for p in people if not p.sees_a]
    reads = [r for r in routes if r.method == "get" and not r.key.startswith("admin:")]
    before = {(r.key, p.key): _read(matrix, r, p) for r in reads for p in outsiders}
    grow_side_a(scene, tmp_path)
    for route in reads:
        for who in outsiders:
            after, earlier = _read(matrix, route, who), before[(route.key, who.key)]
            if after != earlier:
                matrix.fail(route, who, "response changed when A got more data: " + _diff(earlier, after))

    assert not matrix.failures, f"{len(matrix.failures)} access problems:\n  " + "\n  ".join(matrix.failures)


def _read(matrix: Matrix, route: Route, who: Principal) -> str:
    response = matrix.send(route, who)
    return f"{response.status_code}\n{normalised(response_text(response))}"


def _diff(before: str, after: str) -> str:
    import difflib

    lines = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
    return " | ".join(line.strip()[:160] for line in list(lines)[2:8])


def test_the_matrix_reports_a_leak_and_a_missing_refusal(world, settings, tmp_path):
    """The checker itself: HQ posing as an outsider reads A's person, which must be reported twice."""
    settings.MEDIA_ROOT = tmp_path / "media"
    scene = build_scene(world, tmp_path)
    impostor = Principal("hq_admin@B", Role.HQ_ADMIN, world.hq, sees_a=False)
    impostor.login()
    matrix = Matrix(scene, [impostor])
    detail = next(r for r in page_routes()[0] if r.key == "people:detail" and r.method == "get")

    matrix.check(detail, impostor)

    assert any("should be refused, got 200" in f for f in matrix.failures)
    assert any("personal data of jurisdiction A" in f and SENTINEL_NAME in f for f in matrix.failures)
