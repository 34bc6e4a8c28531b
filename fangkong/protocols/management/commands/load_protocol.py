"""Add a protocol (another disease, a new edition) from a JSON file in the presets' format."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from fangkong.protocols.models import Category, Phase, Protocol
from fangkong.protocols.presets import load_protocol_data


class Command(BaseCommand):
    help = "Create or replace a protocol from a JSON file (see fangkong/protocols/presets/ for the format)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)

    def handle(self, *args: Any, path: Path, **options: Any) -> None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from exc
        try:
            protocol = load_protocol_data(data, models={"Protocol": Protocol, "Category": Category, "Phase": Phase})
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(f"Loaded {protocol.code}: {protocol.categories.count()} categories.")
