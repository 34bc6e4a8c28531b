"""How the api app plugs itself in: it serves /api/v1/, built from the routers the other apps declare."""

from __future__ import annotations

from fangkong.core.plugins import AppPlugin

PLUGIN = AppPlugin(urls="fangkong.api.urls", url_prefix="api/v1/", access_rules="fangkong.api.tests.access_rules")
