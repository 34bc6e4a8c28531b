"""How the quarantine app plugs itself in (discovered by fangkong.core.plugins)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fangkong.core.plugins import ApiRoute, AppPlugin, DemoStep, MenuItem

PLUGIN = AppPlugin(
    urls="fangkong.quarantine.urls",
    access_rules="fangkong.quarantine.tests.access_rules",
    url_prefix="quarantine/",
    api=(ApiRoute("/quarantine", "fangkong.quarantine.api:router"),),
    demo_steps=(
        DemoStep(
            "quarantine.measures",
            "fangkong.quarantine.demo:demo_step",
            after=("screening.key_persons", "checkpoints.registrations"),
        ),
    ),
    menu=(
        MenuItem("measures", _("Under measures"), "quarantine:measures", "quarantine.view_measure", order=10),
        MenuItem("measures", _("Quarantine sites"), "quarantine:sites", "quarantine.view_site", order=20),
        MenuItem("measures", _("Capacity board"), "quarantine:capacity", "quarantine.view_capacity", order=30),
    ),
)
