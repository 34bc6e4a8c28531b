"""How the imports app plugs itself in (discovered by fangkong.core.plugins)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fangkong.core.plugins import ApiRoute, AppPlugin, MenuItem

PLUGIN = AppPlugin(
    urls="fangkong.imports.urls",
    access_rules="fangkong.imports.tests.access_rules",
    url_prefix="imports/",
    api=(ApiRoute("/imports", "fangkong.imports.api:router"),),
    menu=(MenuItem("population", _("Data exchange"), "imports:list", "imports.view_importjob", order=30),),
)
