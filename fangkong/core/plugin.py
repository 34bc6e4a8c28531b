"""How the core app plugs itself in (discovered by fangkong.core.plugins)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fangkong.core.plugins import AppPlugin, MenuItem

PLUGIN = AppPlugin(
    urls="fangkong.core.urls",
    access_rules="fangkong.core.tests.access_expectations",
    url_prefix="",
    menu=(MenuItem("", _("Overview"), "core:home", None, order=10),),
)
