"""The menu, by role: a few groups a district's staff think in, each a dropdown of pages.

Each app declares its pages in its plugin.py (core.plugins.MenuItem), naming a group kept
here. A user sees only the pages they may open;
a group with one such page is shown as that page's link, a group with none not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.translation import pgettext_lazy

from fangkong.core import plugins


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


# The menu's groups, in menu order; apps put their pages in them by key (core.plugins.MenuItem.group).
# "" holds top-level links, shown before the groups.
GROUPS: dict[str, Any] = {
    "": "",
    "population": pgettext_lazy("menu group", "Population"),
    "screening": pgettext_lazy("menu group", "Screening"),
    "checkpoints": pgettext_lazy("menu group", "Checkpoints"),
    "measures": pgettext_lazy("menu group", "Control measures"),
    "command": pgettext_lazy("menu group", "Command"),
}


def nav() -> list[NavItem | NavGroup]:
    """The whole menu, from the pages the installed apps declare (each group's by `order`, then app order)."""
    declared = list(plugins.each("menu"))
    unknown = sorted({item.group for _app, item in declared} - set(GROUPS))
    if unknown:
        raise LookupError(f"menu items name unknown groups {unknown}; the groups are core.navigation.GROUPS")
    ranked = sorted(enumerate(item for _app, item in declared), key=lambda pair: (pair[1].order, pair[0]))
    by_group: dict[str, list[NavItem]] = {key: [] for key in GROUPS}
    for _index, item in ranked:
        by_group[item.group].append(NavItem(item.label, item.url_name, item.permission))
    entries: list[NavItem | NavGroup] = list(by_group.pop(""))
    entries += [NavGroup(GROUPS[key], tuple(items)) for key, items in by_group.items() if items]
    return entries


def _allowed(user: Any, item: NavItem) -> bool:
    return item.permission is None or user.has_perm(item.permission)


def _allowed_pages(user: Any, entry: NavItem | NavGroup) -> list[NavItem]:
    """The pages of a menu entry (a link, or a group's pages) the user may open."""
    pages = entry.items if isinstance(entry, NavGroup) else (entry,)
    return [item for item in pages if _allowed(user, item)]


def items_for(user: Any) -> list[NavItem]:
    """Every page of the menu the user may open, in menu order."""
    return [item for entry in nav() for item in _allowed_pages(user, entry)]


def menu_for(user: Any, path: str = "") -> list[MenuEntry]:
    """The user's menu, marking the entry of the page at `path`."""
    menu: list[MenuEntry] = []
    for entry in nav():
        allowed = _allowed_pages(user, entry)
        if len(allowed) == 1:
            only = allowed[0]
            menu.append(MenuEntry(only.label, only.url, active=only.url == path))
        elif allowed:
            menu.append(
                MenuEntry(entry.label, children=tuple(allowed), active=any(item.url == path for item in allowed))
            )
    return menu
