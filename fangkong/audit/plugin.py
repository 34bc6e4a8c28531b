"""How the audit app plugs itself in (discovered by fangkong.core.plugins)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fangkong.core.plugins import AppPlugin, MenuItem

PLUGIN = AppPlugin(
    urls="fangkong.audit.urls",
    access_rules="fangkong.audit.tests.access_rules",
    url_prefix="audit/",
    menu=(MenuItem("command", _("Audit log"), "audit:list", "audit.view_auditevent", order=20),),
)
