"""Spreadsheets generated on the fly for the import tests (no binary fixtures in the repository)."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.management import call_command
from django.utils import translation

from fangkong.core.testing.idnumbers import make_resident_id

POPULATION_HEADERS = ["姓名", "身份证号码", "手机号", "现住址", "社区", "网格", "小区", "楼栋", "户号", "人口类型"]
PUSHLIST_HEADERS = ["姓名", "证件号码", "联系电话", "途经地", "抵达日期", "社区"]


@pytest.fixture(autouse=True)
def media_in_tmp(settings: Any, tmp_path: Path) -> Iterator[Path]:
    """Uploaded and result files go to a per-test folder; messages are asserted in English."""
    settings.MEDIA_ROOT = tmp_path / "media"
    with translation.override("en"):
        yield settings.MEDIA_ROOT


def resident_id(seq: int, *, male: bool = True) -> str:
    """Distinct valid numbers for distinct seq: the birth date carries the sequence."""
    return make_resident_id("410402", dt.date(1950, 1, 1) + dt.timedelta(days=seq), 11, male=male)


def phone(seq: int) -> str:
    return f"139{seq:08d}"


def write_xlsx(
    path: Path, rows: Iterable[Sequence[Any]], *, sheets: dict[str, list[Sequence[Any]]] | None = None
) -> Path:
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("名单")
    for row in rows:
        ws.append(list(row))
    for name, extra_rows in (sheets or {}).items():
        other = wb.create_sheet(name)
        for row in extra_rows:
            other.append(list(row))
    wb.save(path)
    return path


def write_csv(path: Path, rows: Iterable[Sequence[Any]], *, encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        for row in rows:
            writer.writerow(["" if v is None else v for v in row])
    return path


def population_rows(n: int, *, start: int = 1, community: str = "社区A", grid: str = "网格A") -> list[list[Any]]:
    return [
        [
            f"人员{i}",
            resident_id(1000 + i),
            phone(i),
            f"A路{i}号",
            community,
            grid,
            "小区A",
            "A1号楼",
            f"{i:03d}",
            "常住",
        ]
        for i in range(start, start + n)
    ]


def pushlist_rows(n: int, *, start: int = 1, community: str = "社区A") -> list[list[Any]]:
    return [
        [f"推送{i}", resident_id(5000 + i), phone(500 + i), "某市某区", dt.date(2022, 3, 1), community]
        for i in range(start, start + n)
    ]


def rosters(tmp_path: Path, n: int = 5, name: str = "roster.xlsx", **kwargs: Any) -> Path:
    return write_xlsx(tmp_path / name, [POPULATION_HEADERS, *population_rows(n, **kwargs)])


def import_via_command(*args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command("import_file", *args, stdout=out)
    return out.getvalue()
