"""`manage.py import_file` runs the same pipeline and prints a JSON summary."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management.base import CommandError

from fangkong.imports.models import ImportJob
from fangkong.imports.tests.files import (
    import_via_command,
    media_in_tmp,  # noqa: F401
    rosters,
    write_xlsx,
)
from fangkong.people.models import Person


def test_command_imports_and_prints_summary_with_result_file(world: Any, tmp_path: Path) -> None:
    path = rosters(tmp_path, 3)
    out = import_via_command("population", str(path), "--user", "community_worker_A")
    summary = json.loads(out.strip().splitlines()[-1])
    assert (summary["accepted"], summary["warnings"], summary["rejected"]) == (3, 0, 0)
    assert ImportJob.objects.get(pk=summary["job"]).target_place == world.A.community
    assert Path(summary["result"]).exists()
    again = json.loads(import_via_command("population", str(path), "--user", "community_worker_A"))
    assert again["job"] == summary["job"]
    assert again["reused"] is True


def test_command_refuses_file_without_required_columns(world: Any, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "h.xlsx", [["甲", "乙"], ["1", "2"]])
    persons = Person.objects.count()
    with pytest.raises(CommandError, match="Required columns"):
        import_via_command("population", str(path), "--user", "hq", "--place", str(world.A.community.pk))
    assert Person.objects.count() == persons


def test_command_refuses_unusable_file(world: Any, tmp_path: Path) -> None:
    path = tmp_path / "x.xlsx"
    path.write_bytes(b"")
    with pytest.raises(CommandError, match="empty"):
        import_via_command("population", str(path), "--user", "hq")
    assert not ImportJob.objects.exists()


def test_command_refuses_unknown_user(world: Any, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="No active user"):
        import_via_command("population", str(rosters(tmp_path, 1)), "--user", "ghost")
