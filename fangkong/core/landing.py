"""The landing page, by role: each app declares the panels a role finds there; core only arranges them.

An app registers a LandingWidget from its AppConfig.ready (``register_widget``), naming the roles it
is for, a template, and a function that builds the template's context from the request (``None``
when there is nothing to show). A grid worker lands on what is due in the grid, a checkpoint worker
on the gate, a site worker on the site; the coverage overview is one more widget, for the roles that
manage coverage. Core imports no app: it knows roles only as the strings memberships hold.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest


@dataclass(frozen=True)
class LandingWidget:
    key: str  # stable, "<app>.<what>"
    template: str
    context: Callable[[HttpRequest], dict[str, Any] | None]
    roles: frozenset[str] = frozenset()
    permission: str | None = None
    order: int = 100  # smaller first: what is due before what is counted
    # Shown to a user none of whose roles has a widget (a superuser, a role without a landing of its own).
    fallback: bool = False
    scripts: tuple[str, ...] = ()  # static files the widget needs, loaded once at the end of the page
    has_heading: bool = False  # the widget brings the page's <h1> (else core titles the page)
    wide: bool = False  # takes the page's whole width (else half of it on a desk)


@dataclass(frozen=True)
class Panel:
    widget: LandingWidget
    context: dict[str, Any]


_widgets: dict[str, LandingWidget] = {}


def register_widget(widget: LandingWidget) -> LandingWidget:
    """Add (or replace, by key: a second ready() changes nothing) a landing widget."""
    _widgets[widget.key] = widget
    return widget


def widgets() -> tuple[LandingWidget, ...]:
    return tuple(sorted(_widgets.values(), key=lambda w: (w.order, w.key)))


def user_roles(user: Any) -> frozenset[str]:
    """The roles of the user's memberships (one query, kept on the user object for the request)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached: frozenset[str] | None = getattr(user, "_fangkong_roles", None)
    if cached is None:
        cached = frozenset(user.memberships.values_list("role", flat=True))
        user._fangkong_roles = cached
    return cached


def widgets_for(user: Any) -> list[LandingWidget]:
    roles = user_roles(user)
    allowed = [w for w in widgets() if w.permission is None or user.has_perm(w.permission)]
    mine = [w for w in allowed if w.roles & roles]
    return mine or [w for w in allowed if w.fallback]


@dataclass
class Landing:
    panels: list[Panel] = field(default_factory=list)

    @property
    def has_heading(self) -> bool:
        return bool(self.panels) and self.panels[0].widget.has_heading

    @property
    def scripts(self) -> list[str]:
        seen: list[str] = []
        for panel in self.panels:
            seen.extend(s for s in panel.widget.scripts if s not in seen)
        return seen


def landing_for(request: HttpRequest) -> Landing:
    """The panels of the user's landing page, in order; a widget with nothing to show is left out."""
    landing = Landing()
    for widget in widgets_for(request.user):
        context = widget.context(request)
        if context is not None:
            landing.panels.append(Panel(widget, context))
    return landing
