"""How the screening app plugs itself in (discovered by fangkong.core.plugins)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fangkong.core.plugins import ApiRoute, AppPlugin, DemoStep, MenuItem

PLUGIN = AppPlugin(
    urls="fangkong.screening.urls",
    access_rules="fangkong.screening.tests.access_rules",
    url_prefix="screening/",
    api=(
        ApiRoute("/key-persons", "fangkong.screening.api:router"),
        ApiRoute("/screening", "fangkong.screening.api:coverage_router"),
    ),
    demo_steps=(DemoStep("screening.key_persons", "fangkong.screening.demo:demo_step"),),
    menu=(
        MenuItem("screening", _("Key persons"), "screening:list", "screening.view_keyperson", order=10),
        MenuItem("screening", _("Work queue"), "screening:queue", "screening.change_keyperson", order=20),
        MenuItem("screening", _("Self-reports"), "screening:self_reports", "screening.view_keyperson", order=30),
        MenuItem("screening", _("Screening coverage"), "screening:coverage", "screening.view_coverage", order=40),
        MenuItem("screening", _("Sweeps"), "screening:sweeps", "screening.view_sweeptask", order=50),
    ),
)
