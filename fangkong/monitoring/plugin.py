"""How the monitoring app plugs itself in (discovered by fangkong.core.plugins)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fangkong.core.plugins import ApiRoute, AppPlugin, DemoStep, MenuItem

PLUGIN = AppPlugin(
    urls="fangkong.monitoring.urls",
    access_rules="fangkong.monitoring.tests.access_rules",
    url_prefix="monitoring/",
    api=(ApiRoute("/monitoring", "fangkong.monitoring.api:router"),),
    demo_steps=(
        DemoStep(
            "monitoring.reports", "fangkong.monitoring.demo:demo_step", after=("quarantine.measures", "transfers.runs")
        ),
    ),
    menu=(
        MenuItem("measures", _("Home quarantine"), "monitoring:home_list", "monitoring.view_homecare", order=50),
        MenuItem("measures", _("Reports due"), "monitoring:due", "monitoring.view_healthreport", order=60),
        MenuItem("measures", _("Health alerts"), "monitoring:alerts", "monitoring.view_healthalert", order=70),
    ),
)
