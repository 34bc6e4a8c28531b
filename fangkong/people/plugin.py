"""How the people app plugs itself in (discovered by fangkong.core.plugins)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fangkong.core.plugins import ApiRoute, AppPlugin, MenuItem
from fangkong.people.services import DuplicatePerson

PLUGIN = AppPlugin(
    urls="fangkong.people.urls",
    access_rules="fangkong.people.tests.access_rules",
    url_prefix="people/",
    api=(ApiRoute("/persons", "fangkong.people.api:router"),),
    api_errors={DuplicatePerson: "fangkong.people.api:on_duplicate"},
    menu=(MenuItem("population", _("People"), "people:list", "people.view_person", order=20),),
)
