"""`manage.py demo_district`: load the demo district (示范区) and print its demo accounts."""

from __future__ import annotations

import os
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from fangkong.accounts.models import Membership, Role
from fangkong.demo import generator
from fangkong.places.models import Place


class Command(BaseCommand):
    help = "Load a deterministic demo district with places, persons and one demo account per role."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--size", choices=list(generator.SIZES), default="small")
        parser.add_argument("--seed", type=int, default=2020, help="Same seed, same district (default 2020).")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing (but still print the accounts) when the database already holds places.",
        )
        parser.add_argument(
            "--base-url",
            default=os.environ.get("DEMO_BASE_URL", "http://127.0.0.1:8000"),
            help="Where the site is served, for the printed login link.",
        )

    def handle(self, *args: Any, size: str, seed: int, if_empty: bool, base_url: str, **options: Any) -> None:
        if Place.objects.exists():
            if not if_empty:
                raise CommandError(
                    "The database already holds places; the demo district loads only into an empty one "
                    "(use --if-empty to skip loading, or point DATABASE_URL at a fresh database)."
                )
            self.stdout.write("Places already exist; the demo district was not loaded again.")
        else:
            password = os.environ.get("DEMO_PASSWORD") or generator.DEFAULT_PASSWORD
            started = time.monotonic()
            result = generator.load(size=size, seed=seed, password=password)
            elapsed = time.monotonic() - started
            counts = ", ".join(f"{n} {t}" for t, n in result.by_type.items())
            self.stdout.write(
                self.style.SUCCESS(
                    f"Loaded the {size} demo district (seed {seed}) in {elapsed:.1f} s: "
                    f"{result.persons} persons; {counts}; {result.grid_workers} grid workers."
                )
            )
        self._print_accounts(base_url)

    def _print_accounts(self, base_url: str) -> None:
        memberships = {
            m.user.username: m
            for m in Membership.objects.select_related("user", "place").filter(
                user__username__in=generator.DEMO_USERNAMES
            )
        }
        if not memberships:
            self.stdout.write("No demo accounts in this database.")
            return
        password_note = "$DEMO_PASSWORD" if os.environ.get("DEMO_PASSWORD") else generator.DEFAULT_PASSWORD
        rows = [("username", "role", "place")]
        for username in generator.DEMO_USERNAMES:
            m = memberships.get(username)
            if m is None:
                continue
            role = str(Role(m.role).label)
            if m.hq_group:
                role += f" ({m.get_hq_group_display()})"
            rows.append((username, role, m.place.name))
        widths = [max(_width(r[i]) for r in rows) for i in range(3)]
        self.stdout.write("")
        self.stdout.write(f"Demo accounts (password: {password_note}):")
        for i, row in enumerate(rows):
            self.stdout.write("  " + "  ".join(_pad(cell, widths[n]) for n, cell in enumerate(row)).rstrip())
            if i == 0:
                self.stdout.write("  " + "  ".join("-" * w for w in widths))
        others = Membership.objects.filter(role=Role.GRID_WORKER, user__username__regex=r"^grid[0-9]+$").exclude(
            user__username="grid1"
        )
        if n_others := others.count():
            self.stdout.write(f"  … and {n_others} more grid workers (grid2, grid3, …), same password.")
        self.stdout.write("")
        self.stdout.write(f"Log in at {base_url.rstrip('/')}{reverse('accounts:login')}")


def _width(text: str) -> int:
    # CJK characters take two terminal columns.
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
