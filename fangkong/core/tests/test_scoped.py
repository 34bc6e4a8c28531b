"""Scoped models follow a moved place: the registry is complete, and moving a grid moves what it holds."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.apps import apps
from django.db import models

from fangkong.conftest import World, make_person
from fangkong.core.scoped import check_scoped_models, scoped_models
from fangkong.core.scoping import scope_to_user
from fangkong.places.models import Place
from fangkong.places.services import move_place

REGISTRY = {entry.label: entry for entry in scoped_models()}

# Path-like columns that are deliberately not registered, each with its reason.
NOT_COPIES = {
    # The source every copy is taken from: treebeard rewrites it itself when the place moves.
    "places.Place.path",
}
# AuditEvent holds no path column (its summaries and changes name places in words): a historical record
# that a move must not rewrite, and nothing for the registry to miss.


def _path_like(field: models.Field[Any, Any]) -> bool:
    return field.name == "path" or field.name.endswith("_path")


def test_every_model_with_a_place_path_column_is_registered():
    missing = []
    for model in apps.get_models():
        registered = REGISTRY.get(model._meta.label)
        own = set(registered.path_fields) if registered else set()
        for field in model._meta.local_concrete_fields:
            name = f"{model._meta.label}.{field.name}"
            if _path_like(field) and field.name not in own and name not in NOT_COPIES:
                missing.append(name)
        declared = getattr(model, "scope_path_field", None)
        if declared and f"{model._meta.label}.{declared}" not in NOT_COPIES and declared not in own:
            missing.append(f"{model._meta.label}.{declared} (scope_path_field)")
    assert missing == [], "inherit fangkong.core.scoped.ScopedModel so a move rewrites these:\n" + "\n".join(missing)


def test_the_registry_holds_the_copies_of_every_app():
    assert {"people.Person", "screening.KeyPerson", "screening.SweepVisit", "imports.PushList"} <= set(REGISTRY)
    assert REGISTRY["screening.SweepVisit"].path_fields == ("household_path",)
    assert "places.Place" not in REGISTRY
    for entry in REGISTRY.values():
        for name in entry.path_fields:
            field = entry.model._meta.get_field(name)
            # Wide enough for any place path.
            assert isinstance(field, models.CharField)
            assert field.max_length >= Place._meta.get_field("path").max_length


def test_every_copy_has_an_index_leading_with_it():
    assert check_scoped_models() == []


# --- a row of each registered model under grid A -------------------------------------------------


def _hq(world: World) -> Any:
    return world.hq


def _measure(world: World) -> Any:
    from fangkong.monitoring.tests.factories import home_measure

    return home_measure(world, "A")


def _checkpoint(world: World) -> Any:
    from fangkong.checkpoints.tests.factories import make_checkpoint

    return make_checkpoint(world.hq, world.A.grid)


def _registration(world: World, **values: Any) -> Any:
    from fangkong.checkpoints.tests.factories import pass_gate

    values.setdefault("health_code", "green")
    passed = pass_gate(world.hq, _checkpoint(world), name="张三", phone="13900000017", **values)
    assert passed.registration is not None, passed.errors
    return passed


def _alert(world: World) -> Any:
    passed = _registration(world, health_code="red")
    assert passed.alert is not None
    return passed.alert


def _daily_report(world: World) -> Any:
    from fangkong.checkpoints.services import submit_daily_report

    return submit_daily_report(actor=world.hq, checkpoint=_checkpoint(world), day=dt.date.today())


def _import_job(world: World) -> Any:
    from fangkong.imports.models import ImportJob

    return ImportJob.objects.create(
        kind="pushlist",
        created_by=world.hq,
        target_place=world.A.grid,
        scope_path=world.A.grid.path,
        original_name="list.xlsx",
        file="imports/list.xlsx",
        content_hash="0" * 64,
    )


def _push_list(world: World) -> Any:
    from fangkong.imports.models import PushList

    job = _import_job(world)
    return PushList.objects.create(job=job, issuer="市指挥部", scope_path=job.scope_path)


def _push_entry(world: World) -> Any:
    from fangkong.imports.models import PushListEntry

    person = world.A.person
    return PushListEntry.objects.create(
        push_list=_push_list(world), row_number=1, person=person, place_path=person.place_path
    )


def _home_care(world: World) -> Any:
    from fangkong.monitoring.services import ensure_home_care

    return ensure_home_care(_measure(world))


def _health_report(world: World, temperature: str = "36.5") -> Any:
    from fangkong.monitoring.tests.factories import report

    return report(world.hq, _measure(world), temperature=temperature)


def _health_alert(world: World) -> Any:
    from fangkong.monitoring.models import HealthAlert

    reported = _health_report(world, temperature="38.6")
    return HealthAlert.objects.get(report=reported)


def _person(world: World) -> Any:
    return make_person(world.A.household, name="新居民", seq=901)


def _site(world: World) -> Any:
    from fangkong.quarantine.tests.factories import make_site

    return make_site(world.hq, world.A.grid, rooms=1)


def _placement(world: World) -> Any:
    from fangkong.quarantine.services import place_person
    from fangkong.quarantine.tests.factories import make_measure, room

    site = _site(world)
    measure = make_measure(world.hq, _person(world))
    return place_person(actor=world.hq, measure=measure, room=room(site, "101"))


def _key_person(world: World) -> Any:
    from fangkong.screening.tests.factories import make_key_person

    return make_key_person(world.hq, world.A.person)


def _sweep(world: World) -> Any:
    from fangkong.screening.services import start_sweep

    return start_sweep(actor=world.hq, place=world.A.grid, name="第一轮入户排查")


def _sweep_visit(world: World) -> Any:
    from fangkong.screening.services import record_visit

    return record_visit(actor=world.hq, task=_sweep(world), household=world.A.household, outcome="visited")


def _self_report(world: World) -> Any:
    from fangkong.screening.models import SelfReport

    # The public page belongs to a community; the row sits at grid A here only so that moving the grid
    # moves it (the rewrite does not care which kind of place a path belongs to).
    return SelfReport.objects.create(
        place=world.A.grid,
        place_path=world.A.grid.path,
        name="李四",
        document_type="resident_id",
        document_number="410402198503140011",
        phone="13800000009",
        came_from="某市",
        arrived_on=dt.date.today(),
        reported_on=dt.date.today(),
    )


def _vehicle(world: World) -> Any:
    from fangkong.transfers.tests.factories import make_vehicle

    return make_vehicle(world.hq, world.A.grid)


def _transfer(world: World) -> Any:
    from fangkong.transfers.models import TransferKind
    from fangkong.transfers.tests.factories import make_task

    return make_task(world.hq, [_measure(world)], vehicle=_vehicle(world), kind=TransferKind.TO_HOSPITAL)


ROW_UNDER_GRID_A: dict[str, Callable[[World], Any]] = {
    "checkpoints.Alert": _alert,
    "checkpoints.Checkpoint": _checkpoint,
    "checkpoints.DailyReport": _daily_report,
    "checkpoints.Registration": lambda world: _registration(world).registration,
    "imports.ImportJob": _import_job,
    "imports.PushList": _push_list,
    "imports.PushListEntry": _push_entry,
    "monitoring.HealthAlert": _health_alert,
    "monitoring.HealthReport": _health_report,
    "monitoring.HomeCare": _home_care,
    "people.Person": _person,
    "quarantine.Measure": _measure,
    "quarantine.Placement": _placement,
    "quarantine.Site": _site,
    "screening.KeyPerson": _key_person,
    "screening.SelfReport": _self_report,
    "screening.SweepTask": _sweep,
    "screening.SweepVisit": _sweep_visit,
    "transfers.TransferTask": _transfer,
    "transfers.Vehicle": _vehicle,
}


def test_every_registered_model_has_a_row_factory():
    assert sorted(set(REGISTRY) - set(ROW_UNDER_GRID_A)) == [], "add a factory to ROW_UNDER_GRID_A"


def _sees(user: Any, row: models.Model) -> bool:
    return scope_to_user(type(row)._base_manager.filter(pk=row.pk), user).exists()


@pytest.mark.parametrize("label", sorted(REGISTRY))
def test_moving_a_grid_moves_its_rows_to_the_new_community(world: World, label: str):
    factory = ROW_UNDER_GRID_A.get(label)
    assert factory is not None, f"add a factory for {label} to ROW_UNDER_GRID_A"
    entry = REGISTRY[label]
    row = factory(world)
    assert type(row) is entry.model
    worker_a = world.user("community_worker", "A")
    worker_b = world.user("community_worker", "B")
    grid_path = world.A.grid.path
    for name in entry.path_fields:
        assert getattr(row, name).startswith(grid_path), f"the factory of {label} made a row outside grid A"
    assert _sees(worker_a, row)
    assert not _sees(worker_b, row)

    moved = move_place(actor=world.hq, place=world.A.grid, new_parent=world.B.community)

    row.refresh_from_db()
    for name in entry.path_fields:
        assert getattr(row, name).startswith(moved.path)
        assert not getattr(row, name).startswith(world.A.community.path)
    assert _sees(worker_b, row), f"community B's worker cannot see the moved {label}"
    assert not _sees(worker_a, row), f"community A's worker still sees the moved {label}"


def test_a_move_rewrites_with_one_update_per_copied_column(world: World):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from fangkong.core.scoped import rewrite_copied_paths

    for label in ("people.Person", "screening.KeyPerson", "checkpoints.Checkpoint"):
        ROW_UNDER_GRID_A[label](world)
    columns = sum(len(entry.path_fields) for entry in REGISTRY.values())
    with CaptureQueriesContext(connection) as queries:
        changed = rewrite_copied_paths(old_path=world.A.grid.path, new_path=world.B.grid.path + "0009")
    updates = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("UPDATE")]
    assert len(updates) == columns
    assert len(queries.captured_queries) == columns
    # The household's person, the new resident, the key person and the checkpoint.
    assert changed == 4
