"""The whole pipeline on small generated files: create → confirm → run → result."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest

from fangkong.audit.models import AuditEvent
from fangkong.imports import services
from fangkong.imports.models import ImportJob, ImportRowIssue, JobStatus, PushListEntry
from fangkong.imports.results import result_path
from fangkong.imports.selectors import preview, progress
from fangkong.imports.tests.files import (
    POPULATION_HEADERS,
    PUSHLIST_HEADERS,
    media_in_tmp,  # noqa: F401
    population_rows,
    pushlist_rows,
    resident_id,
    rosters,
    write_xlsx,
)
from fangkong.people.models import Person
from fangkong.places.counts import counts_for
from fangkong.places.models import PlaceCount, PlaceType


def run(actor: Any, path: Path, kind: str, place: Any, **options: Any) -> ImportJob:
    job = services.create_job(actor=actor, upload=path, kind=kind, target_place=place, options=options or None)
    if job.status == JobStatus.UPLOADED:
        shown = preview(job)
        job = services.confirm_job(
            actor=actor, job=job, sheet_name=shown.sheet_name, header_row=shown.header_row, mapping=shown.mapping
        )
        job = services.run_import(job.pk)
    return job


def test_population_roster_creates_persons_in_new_households(world: Any, tmp_path: Path) -> None:
    before = counts_for([world.A.community])[world.A.community.pk][PlaceCount.PERSONS]
    job = run(world.user("community_worker", "A"), rosters(tmp_path, 5), "population", world.A.community)
    assert (job.status, job.accepted, job.warnings, job.rejected) == (JobStatus.DONE, 5, 0, 0)
    person = Person.objects.get(document_number=resident_id(1001))
    assert person.place.type == PlaceType.HOUSEHOLD
    assert person.place.name == "001"
    assert person.place_path.startswith(world.A.building.path)
    assert person.phone == "13900000001"
    after = counts_for([world.A.community])[world.A.community.pk][PlaceCount.PERSONS]
    assert after == before + 5
    assert progress(job).percent == 100.0


def test_result_file_marks_each_row_with_status_and_reason(world: Any, tmp_path: Path) -> None:
    rows = population_rows(2)
    rows[1][1] = rows[1][1][:-1] + ("0" if rows[1][1][-1] != "0" else "1")  # wrong check digit
    path = write_xlsx(tmp_path / "r.xlsx", [["2022年人口底数登记表"], POPULATION_HEADERS, *rows])
    job = run(world.hq, path, "population", world.A.community)
    assert (job.accepted, job.rejected) == (1, 1)
    issue = ImportRowIssue.objects.get(job=job)
    assert issue.row_number == 4
    assert "check character" in str(issue.messages["document_number"])
    sheet = openpyxl.load_workbook(result_path(job), read_only=True).active
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[1][-2:] == ["Import status", "Reason"]
    assert values[2][len(POPULATION_HEADERS)] == "Accepted"
    assert values[3][len(POPULATION_HEADERS)] == "Rejected"
    assert "check character" in values[3][len(POPULATION_HEADERS) + 1]


def test_pushlist_links_existing_person_and_creates_new_ones(world: Any, tmp_path: Path) -> None:
    rows = pushlist_rows(2)
    rows[0][1] = world.A.person.document_number
    path = write_xlsx(tmp_path / "p.xlsx", [PUSHLIST_HEADERS, *rows])
    job = run(world.hq, path, "pushlist", world.district, issuer="省大数据局", issued_on="2022-03-02")
    # The recorded phone is kept; the row says so.
    assert (job.accepted, job.warnings, job.rejected) == (1, 1, 0)
    assert "differs" in str(job.issues.get().messages["phone"])
    entries = PushListEntry.objects.filter(push_list__job=job).order_by("row_number")
    assert entries[0].person == world.A.person
    assert entries[1].person.place == world.A.community
    assert entries[1].came_from == "某市某区"
    assert job.push_list.issuer == "省大数据局"


def test_pushlist_row_for_unknown_community_is_kept_with_warning(world: Any, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "p.xlsx", [PUSHLIST_HEADERS, *pushlist_rows(1, community="外区某社区")])
    job = run(world.hq, path, "pushlist", world.district)
    assert (job.accepted, job.warnings, job.rejected) == (0, 1, 0)
    entry = PushListEntry.objects.get(push_list__job=job)
    assert entry.place_path == world.district.path


def test_import_is_audited_at_start_and_finish_without_personal_values(world: Any, tmp_path: Path) -> None:
    job = run(world.hq, rosters(tmp_path, 2), "population", world.A.community)
    events = AuditEvent.objects.filter(action="import", object_id=str(job.pk)).order_by("pk")
    summaries = [e.summary for e in events]
    assert any(s.startswith("Uploaded") for s in summaries)
    assert any(s.startswith("Started") for s in summaries)
    assert any(s.startswith("Finished") and "2 accepted" in s for s in summaries)
    for event in events:
        assert resident_id(1001) not in event.summary + str(event.changes)
        assert "13900000001" not in event.summary + str(event.changes)


@pytest.mark.parametrize("kind", ["population", "pushlist"])
def test_unmapped_columns_are_kept_as_other_data(world: Any, tmp_path: Path, kind: str) -> None:
    headers = [*(POPULATION_HEADERS if kind == "population" else PUSHLIST_HEADERS), "疫苗接种情况"]
    rows = population_rows(1) if kind == "population" else pushlist_rows(1)
    path = write_xlsx(tmp_path / "x.xlsx", [headers, rows[0] + ["已接种3针"]])
    job = run(world.hq, path, kind, world.A.community)
    assert job.accepted == 1
    if kind == "population":
        assert Person.objects.get(document_number=rows[0][1]).extra == {"疫苗接种情况": "已接种3针"}
    else:
        assert PushListEntry.objects.get(push_list__job=job).extra == {"疫苗接种情况": "已接种3针"}


def test_population_row_for_a_person_held_elsewhere_does_not_confirm_they_exist(world: Any, tmp_path: Path) -> None:
    rows = population_rows(1)
    rows[0][1] = world.B.person.document_number
    path = write_xlsx(tmp_path / "r.xlsx", [POPULATION_HEADERS, *rows])
    job = run(world.user("community_worker", "A"), path, "population", world.A.community)
    issue = ImportRowIssue.objects.get(job=job)
    text = str(issue.messages)
    assert "This document cannot be registered here; ask the district HQ." in text
    assert "jurisdiction" not in text
    assert Person.objects.get(document_number=world.B.person.document_number).place_id == world.B.person.place_id
