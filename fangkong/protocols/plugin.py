"""How the protocols app plugs itself in (discovered by fangkong.core.plugins)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fangkong.core.plugins import ApiRoute, AppPlugin, MenuItem

PLUGIN = AppPlugin(
    urls="fangkong.protocols.urls",
    access_rules="fangkong.protocols.tests.access_rules",
    url_prefix="protocols/",
    api=(ApiRoute("/protocols", "fangkong.protocols.api:router"),),
    menu=(MenuItem("command", _("Protocols"), "protocols:list", "protocols.view_protocol", order=10),),
)
