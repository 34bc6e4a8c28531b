"""Everything the tiny app brings, declared here alone: no file outside the app names it."""

from __future__ import annotations

from fangkong.core.plugins import ApiRoute, AppPlugin, DemoStep, MenuItem, ReadinessCheck, ReportFigure
from fangkong.core.tests.plugin_app.api import Frozen

PLUGIN = AppPlugin(
    urls="fangkong.core.tests.plugin_app.urls",
    url_prefix="plugin-app/",
    api=(ApiRoute("/plugin-app", "fangkong.core.tests.plugin_app.api:router"),),
    menu=(MenuItem("command", "Plugin page", "plugin_app:page", "plugin_app.use_page", order=99),),
    access_rules="fangkong.core.tests.plugin_app.access_rules",
    api_errors={Frozen: "fangkong.core.tests.plugin_app.api:on_frozen"},
    demo_steps=(
        DemoStep("plugin_app.census", "fangkong.core.tests.plugin_app.demo:census", after=("monitoring.reports",)),
    ),
    readiness_checks=(ReadinessCheck("plugin_app.ready", "Ready", "fangkong.core.tests.plugin_app.demo:ready"),),
    report_figures=(ReportFigure("plugin_app.places", "Places", "fangkong.core.tests.plugin_app.demo:places_under"),),
)
