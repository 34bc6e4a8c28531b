"""Apps plug themselves in: each installed app may hold a `plugin.py` with one `PLUGIN = AppPlugin(...)`.

Core discovers them (in INSTALLED_APPS order) and never imports an app by name: the URLconf, the
API, the menu, the import framework, the access-matrix test, the error mapping, the demo loader, and
the command's readiness and report hooks all read what the plugins declare. Adding an app touches
no file outside it but INSTALLED_APPS.

Anything that would import the app's heavier modules (views, routers, handlers, demo loaders) is
named by a dotted path "package.module:attribute" and resolved only when used, so discovering the
plugins imports nothing but the plugin modules themselves.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.apps import apps


def resolve(dotted: str) -> Any:
    """The object a "package.module:attribute" path names (attribute may be dotted)."""
    module_name, _, attribute = dotted.partition(":")
    obj: Any = importlib.import_module(module_name)
    for part in filter(None, attribute.split(".")):
        obj = getattr(obj, part)
    return obj


@dataclass(frozen=True)
class MenuItem:
    """A page in the menu. `group` is one of core.navigation's group keys ("" for a top-level link)."""

    group: str
    label: Any
    url_name: str
    permission: str | None = None
    order: int = 100  # smaller first within the group


@dataclass(frozen=True)
class ApiRoute:
    prefix: str  # "/key-persons"
    router: str  # "fangkong.screening.api:router"


@dataclass(frozen=True)
class DemoStep:
    """One step of loading the demo district; run after every step named in `after`."""

    key: str  # "<app>.<what>"
    run: str  # dotted path of a callable taking keyword arguments (see fangkong.demo)
    after: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReadinessCheck:
    """Is the app ready for the emergency mode (平急转换)? The command issue calls these."""

    key: str
    label: Any
    check: str  # dotted path of a callable(place) -> readiness result


@dataclass(frozen=True)
class ReportFigure:
    """A figure the app computes for daily reports and the big screen, per place and day."""

    key: str  # "<app>.<figure>"
    label: Any
    compute: str  # dotted path of a callable(place_path, day) -> int | float


@dataclass(frozen=True)
class AppPlugin:
    urls: str | None = None  # dotted module of the app's URLconf (its app_name is the namespace)
    url_prefix: str = ""  # "screening/"
    api: tuple[ApiRoute, ...] = ()
    menu: tuple[MenuItem, ...] = ()
    import_kinds: tuple[str, ...] = ()  # dotted paths of the app's imports.KindSpec objects
    access_rules: str | None = None  # dotted module holding the app's PAGES and API access-matrix rules
    # Domain exceptions that need more than core.errors.DomainError's own status and message:
    # exception class -> dotted path of an API handler(request, exc, api).
    api_errors: Mapping[type[BaseException], str] = field(default_factory=dict)
    demo_steps: tuple[DemoStep, ...] = ()
    readiness_checks: tuple[ReadinessCheck, ...] = ()
    report_figures: tuple[ReportFigure, ...] = ()
    inbox_sources: tuple[str, ...] = ()  # dotted paths of core.inbox sources (things someone must act on)


@dataclass(frozen=True)
class Installed:
    label: str  # the app's label ("screening")
    name: str  # its module ("fangkong.screening")
    plugin: AppPlugin


@cache
def installed() -> tuple[Installed, ...]:
    """Every installed app's plugin, in INSTALLED_APPS order (apps without a plugin.py are skipped)."""
    found = []
    for config in apps.get_app_configs():
        try:
            module = importlib.import_module(f"{config.name}.plugin")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.plugin":
                raise
            continue
        plugin = getattr(module, "PLUGIN", None)
        if not isinstance(plugin, AppPlugin):
            raise TypeError(f"{config.name}.plugin must define PLUGIN = AppPlugin(...)")
        found.append(Installed(config.label, config.name, plugin))
    return tuple(found)


def each(attribute: str) -> Iterator[tuple[Installed, Any]]:
    """(app, declaration) for every declaration of `attribute` (a tuple field) across the plugins."""
    for app in installed():
        for item in getattr(app.plugin, attribute):
            yield app, item


def ordered_demo_steps() -> list[tuple[Installed, DemoStep]]:
    """Every demo step, each after the steps it names (then in INSTALLED_APPS order)."""
    steps = list(each("demo_steps"))
    keys = {step.key for _, step in steps}
    for _, step in steps:
        missing = set(step.after) - keys
        if missing:
            raise LookupError(f"demo step {step.key} runs after unknown steps {sorted(missing)}")
    done: set[str] = set()
    ordered: list[tuple[Installed, DemoStep]] = []
    while len(ordered) < len(steps):
        ready = [(app, s) for app, s in steps if s.key not in done and set(s.after) <= done]
        if not ready:
            raise ValueError("demo steps depend on each other in a circle")
        app, step = ready[0]
        ordered.append((app, step))
        done.add(step.key)
    return ordered


def call_each(attribute: str, pick: Callable[[Any], str]) -> Iterator[tuple[Any, Callable[..., Any]]]:
    """(declaration, resolved callable) for declarations naming a dotted callable through `pick`."""
    for _, item in each(attribute):
        yield item, resolve(pick(item))
