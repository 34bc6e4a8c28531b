from typing import Any

from django.core.management.base import BaseCommand

from fangkong.places.counts import rebuild_counts


class Command(BaseCommand):
    help = "Recompute the rolled-up counts under every place (after bulk loads or to repair them)."

    def handle(self, *args: Any, **options: Any) -> None:
        rows = rebuild_counts()
        self.stdout.write(f"rebuilt {rows} count rows")
