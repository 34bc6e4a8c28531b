"""How the accounts app plugs itself in (discovered by fangkong.core.plugins)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fangkong.core.plugins import ApiRoute, AppPlugin, MenuItem

PLUGIN = AppPlugin(
    urls="fangkong.accounts.urls",
    access_rules="fangkong.accounts.tests.access_rules",
    url_prefix="accounts/",
    api=(ApiRoute("/", "fangkong.accounts.api:router"),),
    menu=(MenuItem("command", _("API tokens"), "accounts:tokens", None, order=30),),
)
