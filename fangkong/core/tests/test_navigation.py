"""The menu: grouped by what staff do, showing each user exactly the pages they may open."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

from fangkong.core.navigation import items_for, menu_for


def _every_user(world: Any) -> list[Any]:
    return [world.hq, *(user for by_side in world.users.values() for user in by_side.values())]


def test_every_page_a_user_may_open_is_in_their_menu_once_and_no_other(world: Any) -> None:
    for user in _every_user(world):
        menu = menu_for(user)
        shown = [e.url for e in menu if not e.children] + [c.url for e in menu for c in e.children]
        assert sorted(shown) == sorted(item.url for item in items_for(user)), user.username
        assert len(shown) == len(set(shown)), user.username
        # A dropdown holds at least two pages; a group with one page is that page's plain link.
        assert all(len(entry.children) != 1 for entry in menu), user.username


def test_hq_gets_dropdowns_and_the_page_shown_marks_its_group(world: Any) -> None:
    menu = menu_for(world.hq, reverse("people:list"))
    groups = {str(e.label): [str(c.label) for c in e.children] for e in menu if e.children}
    assert groups["Population"] == ["Places", "People", "Data exchange"]
    assert "Key persons" in groups["Screening"]
    assert [str(e.label) for e in menu if e.active] == ["Population"]
    assert str(menu[0].label) == "Overview"
    assert not menu[0].children


def test_the_page_renders_the_groups_as_dropdowns(world: Any) -> None:
    client = Client()
    client.force_login(world.hq)
    html = client.get(reverse("people:list")).content.decode()
    assert 'class="nav-link dropdown-toggle active"' in html  # Population, holding the people list
    assert f'class="dropdown-item active" href="{reverse("people:list")}" aria-current="page"' in html
    assert f'href="{reverse("audit:list")}"' in html
