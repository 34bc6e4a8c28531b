"""How the checkpoints app plugs itself in (discovered by fangkong.core.plugins)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fangkong.core.plugins import ApiRoute, AppPlugin, DemoStep, MenuItem

PLUGIN = AppPlugin(
    urls="fangkong.checkpoints.urls",
    access_rules="fangkong.checkpoints.tests.access_rules",
    url_prefix="checkpoints/",
    api=(
        ApiRoute("/checkpoints", "fangkong.checkpoints.api:router"),
        ApiRoute("/registrations", "fangkong.checkpoints.api:registrations_router"),
    ),
    demo_steps=(
        DemoStep("checkpoints.registrations", "fangkong.checkpoints.demo:demo_step", after=("screening.key_persons",)),
    ),
    menu=(
        MenuItem("checkpoints", _("Checkpoints"), "checkpoints:list", "checkpoints.view_checkpoint", order=10),
        MenuItem("checkpoints", _("Checkpoint alerts"), "checkpoints:alerts", "checkpoints.view_alert", order=20),
    ),
)
