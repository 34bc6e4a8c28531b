"""How the transfers app plugs itself in (discovered by fangkong.core.plugins)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fangkong.core.plugins import ApiRoute, AppPlugin, DemoStep, MenuItem

PLUGIN = AppPlugin(
    urls="fangkong.transfers.urls",
    access_rules="fangkong.transfers.tests.access_rules",
    url_prefix="transfers/",
    api=(ApiRoute("/transfers", "fangkong.transfers.api:router"),),
    demo_steps=(DemoStep("transfers.runs", "fangkong.transfers.demo:demo_step", after=("quarantine.measures",)),),
    menu=(MenuItem("measures", _("Transfers"), "transfers:list", "transfers.view_transfertask", order=40),),
)
