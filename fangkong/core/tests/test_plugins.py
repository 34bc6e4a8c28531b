"""Apps plug themselves in: a new app touches no file outside it but INSTALLED_APPS.

The tiny app in `plugin_app/` declares a page, an API router, a menu page, access rules, domain
errors, a demo step and the command's hooks in its plugin.py; installing it (and nothing else) must
bring every one of them to life, and uninstalling it must take them away again.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client, modify_settings
from django.urls import NoReverseMatch, clear_url_caches, reverse
from django.utils import translation

from fangkong.core import plugins
from fangkong.core.navigation import items_for, menu_for
from fangkong.core.readiness import check_readiness, report_figures
from fangkong.places.models import Place

APP = "fangkong.core.tests.plugin_app"


def _rebuild() -> None:
    """What a process start does: discover the plugins, build the API and the URLconf from them."""
    plugins.installed.cache_clear()
    import fangkong.api.api
    import fangkong.api.urls
    import fangkong.urls

    for module in (fangkong.api.api, fangkong.api.urls, fangkong.urls):
        importlib.reload(module)
    clear_url_caches()


@pytest.fixture
def plugged() -> Iterator[None]:
    with modify_settings(INSTALLED_APPS={"append": APP}):
        _rebuild()
        yield
    _rebuild()


def test_without_the_app_nothing_of_it_is_there(db: Any) -> None:
    assert APP not in [app.name for app in plugins.installed()]
    with pytest.raises(NoReverseMatch):
        reverse("plugin_app:page")
    assert Client().get("/api/v1/plugin-app/ping").status_code == 404


def test_its_page_resolves_and_its_menu_entry_shows_to_a_permitted_user(plugged: None, db: Any) -> None:
    assert reverse("plugin_app:page") == "/plugin-app/"
    boss = get_user_model().objects.create_superuser("boss", password="x")
    clerk = get_user_model().objects.create_user("clerk", password="x")
    client = Client()
    client.force_login(boss)
    assert client.get("/plugin-app/").content == b"the plugin page"

    assert "/plugin-app/" in [item.url for item in items_for(boss)]
    with translation.override("en"):
        command = next(e for e in menu_for(boss) if str(e.label) == "Command")
    assert [str(c.label) for c in command.children][-1] == "Plugin page"  # order=99: last of its group
    assert "/plugin-app/" not in [item.url for item in items_for(clerk)]


def test_its_api_route_answers_and_its_errors_map_to_their_status(plugged: None, db: Any) -> None:
    client = Client()
    assert client.get("/api/v1/plugin-app/ping").json() == {"pong": True}
    locked = client.get("/api/v1/plugin-app/locked")
    assert locked.status_code == 423
    assert locked.json() == {"message": "The thing is locked.", "errors": {"__all__": ["Unlock it first."]}}
    frozen = client.get("/api/v1/plugin-app/frozen")
    assert (frozen.status_code, frozen.json()) == (418, {"message": "frozen", "by": "plugin_app"})
    operations = [
        op["operationId"] for p in client.get("/api/v1/openapi.json").json()["paths"].values() for op in p.values()
    ]
    assert "fangkong_core_tests_plugin_app_api_ping" in operations
    # The existing apps' routes are still served beside it.
    assert "fangkong_people_api_list_persons" in operations


def test_its_access_rules_join_the_policy(plugged: None) -> None:
    from fangkong.core.tests.access_policy import collect

    pages, api, _namespaces = collect()
    assert "plugin_app:page" in pages
    assert "fangkong_core_tests_plugin_app_api_ping" in api
    assert "people:list" in pages


def test_its_demo_step_runs_after_the_steps_it_names(plugged: None, db: Any) -> None:
    from fangkong.core.tests.plugin_app import demo
    from fangkong.demo.generator import load

    keys = [step.key for _app, step in plugins.ordered_demo_steps()]
    assert keys.index("plugin_app.census") > keys.index("monitoring.reports")
    demo.CALLS.clear()
    result = load(size="tiny", seed=3)
    assert len(demo.CALLS) == 1
    assert demo.CALLS[0]["context"] == {"persons": result.persons, "seed": 3}
    assert demo.CALLS[0]["health_reports"] > 0  # monitoring's step had run before it


def test_its_readiness_check_and_report_figure_are_called(plugged: None, world: Any) -> None:
    district = Place.objects.get(depth=1)
    assert check_readiness(district) == {"plugin_app.ready": {"ok": True, "place": district}}
    assert report_figures(district.path, dt.date(2026, 1, 2)) == {"plugin_app.places": Place.objects.count()}


def test_demo_steps_are_ordered_by_dependency_and_a_circle_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    keys = [step.key for _app, step in plugins.ordered_demo_steps()]
    assert keys.index("screening.key_persons") < keys.index("quarantine.measures") < keys.index("transfers.runs")
    assert keys.index("transfers.runs") < keys.index("monitoring.reports")

    first = plugins.Installed("a", "a", plugins.AppPlugin(demo_steps=(plugins.DemoStep("a.x", "m:f", after=("b.y",)),)))
    second = plugins.Installed(
        "b", "b", plugins.AppPlugin(demo_steps=(plugins.DemoStep("b.y", "m:f", after=("a.x",)),))
    )
    monkeypatch.setattr(plugins, "installed", lambda: (first, second))
    with pytest.raises(ValueError, match="circle"):
        plugins.ordered_demo_steps()
