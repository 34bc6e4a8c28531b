"""How the places app plugs itself in (discovered by fangkong.core.plugins)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fangkong.core.plugins import ApiRoute, AppPlugin, MenuItem

PLUGIN = AppPlugin(
    urls="fangkong.places.urls",
    access_rules="fangkong.places.tests.access_rules",
    url_prefix="places/",
    api=(ApiRoute("/places", "fangkong.places.api:router"),),
    menu=(MenuItem("population", _("Places"), "places:browse", "places.view_place", order=10),),
)
