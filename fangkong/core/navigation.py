"""The menu, by role: a few groups a district's staff think in, each a dropdown of pages.

Each later app adds its pages to a group here. A user sees only the pages they may open;
a group with one such page is shown as that page's link, a group with none not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


@dataclass(frozen=True)
class NavItem:
    label: Any
    url_name: str
    permission: str | None = None

    @property
    def url(self) -> str:
        return reverse(self.url_name)


@dataclass(frozen=True)
class NavGroup:
    label: Any
    items: tuple[NavItem, ...]


@dataclass(frozen=True)
class MenuEntry:
    """One entry of a user's menu: a link (no children) or a dropdown of links."""

    label: Any
    url: str = ""
    children: tuple[NavItem, ...] = ()
    active: bool = False  # the page shown is this link or one of its dropdown's


NAV: list[NavItem | NavGroup] = [
    NavItem(_("Overview"), "core:home"),
    NavGroup(
        pgettext_lazy("menu group", "Population"),
        (
            NavItem(_("Places"), "places:browse", "places.view_place"),
            NavItem(_("People"), "people:list", "people.view_person"),
            NavItem(_("Data exchange"), "imports:list", "imports.view_importjob"),
        ),
    ),
    NavGroup(
        pgettext_lazy("menu group", "Screening"),
        (
            NavItem(_("Key persons"), "screening:list", "screening.view_keyperson"),
            NavItem(_("Work queue"), "screening:queue", "screening.change_keyperson"),
            NavItem(_("Self-reports"), "screening:self_reports", "screening.view_keyperson"),
            NavItem(_("Screening coverage"), "screening:coverage", "screening.view_coverage"),
            NavItem(_("Sweeps"), "screening:sweeps", "screening.view_sweeptask"),
        ),
    ),
    NavGroup(
        pgettext_lazy("menu group", "Checkpoints"),
        (
            NavItem(_("Checkpoints"), "checkpoints:list", "checkpoints.view_checkpoint"),
            NavItem(_("Checkpoint alerts"), "checkpoints:alerts", "checkpoints.view_alert"),
        ),
    ),
    NavGroup(
        pgettext_lazy("menu group", "Control measures"),
        (
            NavItem(_("Under measures"), "quarantine:measures", "quarantine.view_measure"),
            NavItem(_("Quarantine sites"), "quarantine:sites", "quarantine.view_site"),
            NavItem(_("Capacity board"), "quarantine:capacity", "quarantine.view_capacity"),
            NavItem(_("Transfers"), "transfers:list", "transfers.view_transfertask"),
            NavItem(_("Home quarantine"), "monitoring:home_list", "monitoring.view_homecare"),
            NavItem(_("Reports due"), "monitoring:due", "monitoring.view_healthreport"),
            NavItem(_("Health alerts"), "monitoring:alerts", "monitoring.view_healthalert"),
        ),
    ),
    NavGroup(
        pgettext_lazy("menu group", "Command"),
        (
            NavItem(_("Protocols"), "protocols:list", "protocols.view_protocol"),
            NavItem(_("Audit log"), "audit:list", "audit.view_auditevent"),
            NavItem(_("API tokens"), "accounts:tokens"),
        ),
    ),
]


def _allowed(user: Any, item: NavItem) -> bool:
    return item.permission is None or user.has_perm(item.permission)


def _allowed_pages(user: Any, entry: NavItem | NavGroup) -> list[NavItem]:
    """The pages of a menu entry (a link, or a group's pages) the user may open."""
    pages = entry.items if isinstance(entry, NavGroup) else (entry,)
    return [item for item in pages if _allowed(user, item)]


def items_for(user: Any) -> list[NavItem]:
    """Every page of the menu the user may open, in menu order."""
    return [item for entry in NAV for item in _allowed_pages(user, entry)]


def menu_for(user: Any, path: str = "") -> list[MenuEntry]:
    """The user's menu, marking the entry of the page at `path`."""
    menu: list[MenuEntry] = []
    for entry in NAV:
        allowed = _allowed_pages(user, entry)
        if len(allowed) == 1:
            only = allowed[0]
            menu.append(MenuEntry(only.label, only.url, active=only.url == path))
        elif allowed:
            menu.append(
                MenuEntry(entry.label, children=tuple(allowed), active=any(item.url == path for item in allowed))
            )
    return menu
