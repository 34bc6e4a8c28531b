"""The landing registry: apps declare widgets per role; core arranges them and imports no app."""

import ast
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from fangkong.accounts.models import Role
from fangkong.core import landing
from fangkong.core.landing import LandingWidget, register_widget, widgets_for

pytestmark = pytest.mark.django_db

CORE = Path(landing.__file__).parent


def keys(user) -> list[str]:
    return [w.key for w in widgets_for(user)]


def test_each_field_role_lands_on_its_own_widgets_not_the_coverage_counts(world):
    assert keys(world.user(Role.GRID_WORKER, "A")) == [
        "screening.key_persons_due",
        "monitoring.health_alerts",
        "checkpoints.open_alerts",
        "monitoring.reports_due",
    ]
    assert keys(world.user(Role.CHECKPOINT_STAFF, "A")) == ["checkpoints.my_gate"]
    assert keys(world.user(Role.SITE_STAFF, "A")) == [
        "quarantine.my_site",
        "transfers.arrivals",
        "monitoring.health_alerts",
        "monitoring.reports_due",
    ]


def test_community_worker_gets_what_is_due_first_and_the_coverage_last(world):
    got = keys(world.user(Role.COMMUNITY_WORKER, "A"))

    assert got[0] == "screening.key_persons_due"
    assert got[-1] == "people.coverage"


def test_hq_and_a_superuser_land_on_the_coverage_overview(world, django_user_model):
    root = django_user_model.objects.create_superuser("root", password="x")

    assert keys(world.hq) == ["people.coverage"]
    assert keys(root) == ["people.coverage"]  # no role: the fallback


def test_a_widget_needing_a_permission_the_user_lacks_is_left_out(world, monkeypatch):
    monkeypatch.setattr(landing, "_widgets", dict(landing._widgets))
    register_widget(
        LandingWidget(
            key="test.secret",
            template="core/home.html",
            context=lambda request: {},
            roles=frozenset({Role.GRID_WORKER}),
            permission="audit.view_auditevent",
        )
    )

    worker = world.user(Role.GRID_WORKER, "A")
    assert "test.secret" not in keys(worker)

    worker.user_permissions.add(Permission.objects.get(codename="view_auditevent"))
    worker = type(worker).objects.get(pk=worker.pk)  # a fresh permission cache
    assert "test.secret" in keys(worker)


def test_a_widget_with_nothing_to_show_is_not_rendered(world, monkeypatch):
    monkeypatch.setattr(landing, "_widgets", dict(landing._widgets))
    register_widget(
        LandingWidget(
            key="test.nothing",
            template="does/not/exist.html",
            context=lambda request: None,
            roles=frozenset({Role.GRID_WORKER}),
        )
    )
    client = Client()
    client.force_login(world.user(Role.GRID_WORKER, "A"))

    assert client.get("/").status_code == 200


def test_the_landing_view_and_registry_import_no_app():
    for module in ("views.py", "landing.py"):
        tree = ast.parse((CORE / module).read_text())
        imported = [
            node.module
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("fangkong.")
        ]
        assert all(name.startswith("fangkong.core") for name in imported), (module, imported)
