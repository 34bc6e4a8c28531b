"""The menu, by role. Each later app appends its entries here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavItem:
    label: Any
    url_name: str
    permission: str | None = None
    icon: str = ""

    @property
    def url(self) -> str:
        return reverse(self.url_name)


NAV_ITEMS = [
    NavItem(_("Overview"), "core:home"),
    NavItem(_("Places"), "places:browse", "places.view_place"),
    NavItem(_("People"), "people:list", "people.view_person"),
    NavItem(_("Data exchange"), "imports:list", "imports.view_importjob"),
    NavItem(_("Key persons"), "screening:list", "screening.view_keyperson"),
    NavItem(_("Work queue"), "screening:queue", "screening.change_keyperson"),
    NavItem(_("Screening coverage"), "screening:coverage", "screening.view_coverage"),
    NavItem(_("Sweeps"), "screening:sweeps", "screening.view_sweeptask"),
    NavItem(_("Protocols"), "protocols:list", "protocols.view_protocol"),
    NavItem(_("Checkpoints"), "checkpoints:list", "checkpoints.view_checkpoint"),
    NavItem(_("Checkpoint alerts"), "checkpoints:alerts", "checkpoints.view_alert"),
    NavItem(_("Under measures"), "quarantine:measures", "quarantine.view_measure"),
    NavItem(_("Quarantine sites"), "quarantine:sites", "quarantine.view_site"),
    NavItem(_("Capacity board"), "quarantine:capacity", "quarantine.view_capacity"),
    NavItem(_("Transfers"), "transfers:list", "transfers.view_transfertask"),
    NavItem(_("Home quarantine"), "monitoring:home_list", "monitoring.view_homecare"),
    NavItem(_("Reports due"), "monitoring:due", "monitoring.view_healthreport"),
    NavItem(_("Health alerts"), "monitoring:alerts", "monitoring.view_healthalert"),
    NavItem(_("Audit log"), "audit:list", "audit.view_auditevent"),
    NavItem(_("API tokens"), "accounts:tokens"),
]


def items_for(user: Any) -> list[NavItem]:
    return [item for item in NAV_ITEMS if item.permission is None or user.has_perm(item.permission)]
