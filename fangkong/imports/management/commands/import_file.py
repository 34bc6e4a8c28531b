"""Import a spreadsheet from the command line through the same pipeline as the web upload."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from fangkong.accounts.models import User
from fangkong.core.scoping import jurisdiction_paths
from fangkong.imports import services
from fangkong.imports.kinds import KINDS
from fangkong.imports.models import JobStatus
from fangkong.imports.readers import ImportFileError
from fangkong.imports.results import result_path
from fangkong.imports.selectors import preview
from fangkong.places.models import Place


class Command(BaseCommand):
    help = "Import a population roster or push list file and print a JSON summary."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=sorted(KINDS))
        parser.add_argument("path", type=Path)
        parser.add_argument("--user", required=True, help="username of the importer")
        parser.add_argument("--place", type=int, help="id of the place to import into (default: the user's own)")
        parser.add_argument("--sheet", help="sheet name (default: the first sheet with data)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = User.objects.get(username=options["user"], is_active=True)
        except User.DoesNotExist:
            raise CommandError(f"No active user {options['user']!r}.") from None
        place = self._place(user, options.get("place"))
        try:
            job = services.create_job(actor=user, upload=options["path"], kind=options["kind"], target_place=place)
            reused = bool(getattr(job, "reused", False))
            if job.status == JobStatus.UPLOADED:
                shown = preview(job, sheet_name=options.get("sheet"))
                if shown.missing_required:
                    labels = {f.name: str(f.label) for f in KINDS[job.kind].fields}
                    missing = ", ".join(labels[name] for name in shown.missing_required)
                    raise CommandError(f"Required columns not found in the header row: {missing}.")
                job = services.confirm_job(
                    actor=user,
                    job=job,
                    sheet_name=shown.sheet_name,
                    header_row=shown.header_row,
                    mapping={str(k): v for k, v in shown.mapping.items()},
                )
            job = services.run_import(job.pk)
        except ImportFileError as exc:
            raise CommandError(exc.message) from None
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        if job.status == JobStatus.FAILED:
            raise CommandError(job.error or "The import failed.")
        summary = {
            "accepted": job.accepted,
            "warnings": job.warnings,
            "rejected": job.rejected,
            "job": job.pk,
            "status": job.status,
            "reused": reused,
            "result": str(result_path(job)),
        }
        self.stdout.write(json.dumps(summary, ensure_ascii=False))

    def _place(self, user: User, place_id: int | None) -> Place:
        if place_id is not None:
            place = Place.objects.filter(pk=place_id).first()
            if place is None:
                raise CommandError(f"No place with id {place_id}.")
            return place
        paths = jurisdiction_paths(user)
        if not paths:
            if user.is_superuser:
                root = Place.get_first_root_node()
                if root is not None:
                    return root
            raise CommandError("The user has no jurisdiction; pass --place.")
        if len(paths) > 1:
            raise CommandError("The user has several jurisdictions; choose one with --place.")
        return Place.objects.get(path=paths[0])
