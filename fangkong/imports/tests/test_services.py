"""Idempotence, duplicates, scoping, crash and resume, and the row-level bad inputs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from fangkong.imports import kinds, services
from fangkong.imports.models import ImportJob, ImportRowIssue, JobStatus, PushListEntry, SavedMapping
from fangkong.imports.selectors import get_job_for_user, jobs_for, preview, progress
from fangkong.imports.tests.files import (
    POPULATION_HEADERS,
    media_in_tmp,  # noqa: F401
    population_rows,
    resident_id,
    rosters,
    write_csv,
    write_xlsx,
)
from fangkong.imports.tests.test_pipeline import run
from fangkong.people.models import Person
from fangkong.places.counts import rebuild_counts
from fangkong.places.models import Place, PlaceCount


def snapshot() -> dict[str, Any]:
    persons = sorted(Person.objects.values_list("document_number", "name", "phone", "place__name", "place_path"))
    places = sorted(Place.objects.values_list("path", "type", "name"))
    counts = sorted(PlaceCount.objects.filter(n__gt=0).values_list("place__path", "key", "n"))
    return {"persons": persons, "places": places, "counts": counts}


def test_same_file_uploaded_again_returns_the_same_job(world: Any, tmp_path: Path) -> None:
    path = rosters(tmp_path, 3)
    first = run(world.hq, path, "population", world.A.community)
    persons = Person.objects.count()
    again = services.create_job(actor=world.hq, upload=path, kind="population", target_place=world.A.community)
    assert again.pk == first.pk
    assert getattr(again, "reused", None) is True
    assert ImportJob.objects.count() == 1
    assert Person.objects.count() == persons


def test_rows_already_imported_create_nothing_new(world: Any, tmp_path: Path) -> None:
    run(world.hq, rosters(tmp_path, 3), "population", world.A.community)
    state = snapshot()
    # Same rows in another file (different bytes): matched by document, nothing duplicated.
    path = write_csv(tmp_path / "again.csv", [POPULATION_HEADERS, *population_rows(3)])
    job = run(world.hq, path, "population", world.A.community)
    assert (job.accepted, job.rejected) == (3, 0)
    assert snapshot() == state


def test_existing_person_gets_blank_fields_filled_not_duplicated(world: Any, tmp_path: Path) -> None:
    person = world.A.person
    Person.objects.filter(pk=person.pk).update(address="")
    rows = [[person.name, person.document_number, person.phone, "新地址1号", "", "", "", "", "", ""]]
    job = run(world.hq, write_xlsx(tmp_path / "x.xlsx", [POPULATION_HEADERS, *rows]), "population", world.A.street)
    assert job.accepted == 1
    person.refresh_from_db()
    assert person.address == "新地址1号"
    assert person.place == world.A.household
    assert Person.objects.filter(document_number=person.document_number).count() == 1


def test_same_person_twice_in_file_with_different_phones_is_reported(world: Any, tmp_path: Path) -> None:
    rows = population_rows(2)
    rows[1][1] = rows[0][1]
    rows[1][2] = "13712345678"
    job = run(world.hq, write_xlsx(tmp_path / "d.xlsx", [POPULATION_HEADERS, *rows]), "population", world.A.community)
    assert (job.accepted, job.rejected) == (1, 1)
    issue = ImportRowIssue.objects.get(job=job)
    assert issue.row_number == 3
    assert "row 2" in issue.messages["document_number"][0]
    assert Person.objects.get(document_number=rows[0][1]).phone == "13900000001"


def test_wrong_check_digit_and_date_out_of_range_are_rejected_with_reasons(world: Any, tmp_path: Path) -> None:
    headers = [*POPULATION_HEADERS, "出生日期"]
    rows = [[*r, ""] for r in population_rows(3)]
    last = rows[0][1][-1]
    rows[0][1] = rows[0][1][:-1] + ("1" if last != "1" else "2")
    rows[1][1] = "AB1234567"  # a passport number under a resident ID column
    rows[2][1] = ""
    rows[2][-1] = "1850-01-01"
    path = write_xlsx(tmp_path / "bad.xlsx", [headers, *rows])
    job = run(world.hq, path, "population", world.A.community)
    assert job.rejected == 3
    messages = {i.row_number: i.messages for i in job.issues.all()}
    assert "check character" in messages[2]["document_number"][0]
    assert "18 characters" in messages[3]["document_number"][0]
    assert "before 1900-01-01" in messages[4]["birth_date"][0]
    assert "required" in messages[4]["document_number"][0]


def test_formula_without_cached_value_flags_the_field(world: Any, tmp_path: Path) -> None:
    rows = population_rows(2)
    rows[0][2] = '="139"&"00000001"'  # openpyxl saves formulas without a computed value
    rows[1][1] = f'="{rows[1][1]}"'
    job = run(world.hq, write_xlsx(tmp_path / "f.xlsx", [POPULATION_HEADERS, *rows]), "population", world.A.community)
    assert (job.warnings, job.rejected) == (1, 1)
    messages = {i.row_number: i.messages for i in job.issues.all()}
    assert "formula" in messages[2]["phone"][0]
    assert "formula" in messages[3]["document_number"][0]


def test_row_with_200_columns_keeps_the_first_200_as_other_data(world: Any, tmp_path: Path) -> None:
    headers = POPULATION_HEADERS + [f"附加{i}" for i in range(300 - len(POPULATION_HEADERS))]
    row = population_rows(1)[0] + [f"v{i}" for i in range(300 - len(POPULATION_HEADERS))]
    path = write_xlsx(tmp_path / "wide.xlsx", [headers, row])
    job = services.create_job(actor=world.hq, upload=path, kind="population", target_place=world.A.community)
    shown = preview(job)
    assert shown.too_wide
    assert len(shown.headers) == 200
    job = run(world.hq, path, "population", world.A.community)
    assert job.accepted == 1
    extra = Person.objects.get(document_number=row[1]).extra
    assert len(extra) == 200 - len(POPULATION_HEADERS)
    assert "附加300" not in extra


def test_header_without_known_columns_cannot_be_confirmed(world: Any, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "h.xlsx", [["甲", "乙", "丙"], ["1", "2", "3"]])
    job = services.create_job(actor=world.hq, upload=path, kind="population", target_place=world.A.community)
    shown = preview(job)
    assert shown.mapping == {}
    assert set(shown.missing_required) == {"name", "document_number"}
    with pytest.raises(ValidationError) as info:
        services.confirm_job(actor=world.hq, job=job, sheet_name=shown.sheet_name, header_row=0, mapping={})
    assert "Required columns" in " ".join(info.value.messages)
    job.refresh_from_db()
    assert job.status == JobStatus.UPLOADED


def test_mapping_a_field_twice_is_refused(world: Any, tmp_path: Path) -> None:
    job = services.create_job(
        actor=world.hq, upload=rosters(tmp_path, 1), kind="population", target_place=world.A.community
    )
    with pytest.raises(ValidationError) as info:
        services.confirm_job(
            actor=world.hq,
            job=job,
            sheet_name="名单",
            header_row=0,
            mapping={0: "name", 1: "name", 2: "document_number"},
        )
    assert "two columns" in " ".join(info.value.messages)


def test_several_sheets_are_listed_and_one_can_be_chosen(world: Any, tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "multi.xlsx",
        [],
        sheets={"说明": [["本表说明"]], "人员": [POPULATION_HEADERS, *population_rows(2)]},
    )
    job = services.create_job(actor=world.hq, upload=path, kind="population", target_place=world.A.community)
    shown = preview(job)
    assert shown.sheets == ["名单", "说明", "人员"]
    assert shown.sheet_name == "说明"  # the first sheet with data is the default
    chosen = preview(job, sheet_name="人员")
    assert chosen.missing_required == []
    services.confirm_job(
        actor=world.hq, job=job, sheet_name="人员", header_row=chosen.header_row, mapping=chosen.mapping
    )
    job = services.run_import(job.pk)
    assert job.accepted == 2


def test_saved_mapping_is_reused_for_the_same_headers(world: Any, tmp_path: Path) -> None:
    headers = ["人名", "号码", "备注"]
    path = write_xlsx(tmp_path / "odd.xlsx", [headers, ["张三", resident_id(7), "x"]])
    job = services.create_job(actor=world.hq, upload=path, kind="population", target_place=world.A.community)
    services.confirm_job(
        actor=world.hq,
        job=job,
        sheet_name="名单",
        header_row=0,
        mapping={"0": "name", "1": "document_number"},
        save_mapping_as="我的模板",
    )
    assert SavedMapping.objects.filter(owner=world.hq, kind="population").count() == 1
    other = write_xlsx(tmp_path / "odd2.xlsx", [[" 人名 ", "号码", "备注"], ["李四", resident_id(8), "y"]])
    job2 = services.create_job(actor=world.hq, upload=other, kind="population", target_place=world.A.community)
    assert preview(job2).mapping == {0: "name", 1: "document_number"}


def test_community_worker_rows_for_another_community_are_rejected(world: Any, tmp_path: Path) -> None:
    rows = population_rows(2)
    rows[1][4:9] = ["社区B", "网格B", "小区B", "B1号楼", "101"]
    path = write_xlsx(tmp_path / "s.xlsx", [POPULATION_HEADERS, *rows])
    job = run(world.user("community_worker", "A"), path, "population", world.A.community)
    assert (job.accepted, job.rejected) == (1, 1)
    issue = job.issues.get()
    assert "outside your jurisdiction" in issue.messages["community"][0]
    assert not Person.objects.filter(document_number=rows[1][1]).exists()


def test_hq_import_routes_rows_to_each_community(world: Any, tmp_path: Path) -> None:
    rows = population_rows(2)
    rows[1][4:9] = ["社区B", "网格B", "小区B", "B1号楼", "101"]
    path = write_xlsx(tmp_path / "s.xlsx", [POPULATION_HEADERS, *rows])
    job = run(world.hq, path, "population", world.district)
    assert job.accepted == 2
    assert Person.objects.get(document_number=rows[1][1]).place_path.startswith(world.B.building.path)


def test_importer_cannot_target_a_place_outside_jurisdiction(world: Any, tmp_path: Path) -> None:
    with pytest.raises(services.ImportFileError):
        services.create_job(
            actor=world.user("community_worker", "A"),
            upload=rosters(tmp_path, 1),
            kind="population",
            target_place=world.B.community,
        )


def test_side_b_cannot_see_side_a_job(world: Any, tmp_path: Path) -> None:
    job = run(world.user("community_worker", "A"), rosters(tmp_path, 1), "population", world.A.community)
    assert get_job_for_user(world.user("street_admin", "A"), job.pk) == job
    assert get_job_for_user(world.hq, job.pk) == job
    for user in (world.user("community_worker", "B"), world.user("street_admin", "B"), world.nobody):
        with pytest.raises(Http404):
            get_job_for_user(user, job.pk)
        assert not jobs_for(user).exists()


def test_crash_mid_job_then_rerun_equals_a_clean_run(world: Any, tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr(services, "CHUNK_SIZE", 4)
    rows = population_rows(10)
    rows[7][1] = rows[1][1]  # a duplicate in chunk 2 naming a row committed in chunk 1
    path = write_xlsx(tmp_path / "c.xlsx", [POPULATION_HEADERS, *rows])
    job = services.create_job(actor=world.hq, upload=path, kind="population", target_place=world.A.community)
    shown = preview(job)
    services.confirm_job(
        actor=world.hq, job=job, sheet_name=shown.sheet_name, header_row=shown.header_row, mapping=shown.mapping
    )
    real_process = kinds.PopulationHandler.process
    calls = {"n": 0}

    def crash_in_second_chunk(self: Any, rows: Any) -> None:
        calls["n"] += 1
        real_process(self, rows)
        if calls["n"] == 2:
            raise RuntimeError("killed")

    monkeypatch.setattr(kinds.PopulationHandler, "process", crash_in_second_chunk)
    with pytest.raises(RuntimeError):
        services.run_import(job.pk)
    job.refresh_from_db()
    assert (job.status, job.checkpoint, job.accepted) == (JobStatus.RUNNING, 4, 4)
    assert Person.objects.filter(document_number__in=[r[1] for r in rows]).count() == 4
    monkeypatch.setattr(kinds.PopulationHandler, "process", real_process)
    job = services.run_import(job.pk)
    assert (job.status, job.checkpoint, job.accepted, job.rejected) == (JobStatus.DONE, 10, 9, 1)
    assert "row 3" in job.issues.get().messages["document_number"][0]
    crashed = snapshot()
    # The counts kept incrementally equal a full recount.
    rebuild_counts()
    assert snapshot() == crashed
    # A clean run of the same file elsewhere in time gives the same database.
    Person.objects.filter(document_number__in=[r[1] for r in rows]).delete()
    rebuild_counts()
    job.status = JobStatus.FAILED
    job.save()
    clean = run(world.hq, path, "population", world.A.community)
    assert (clean.accepted, clean.rejected) == (9, 1)
    assert snapshot() == crashed


def test_rerunning_a_finished_job_changes_nothing(world: Any, tmp_path: Path) -> None:
    job = run(world.hq, rosters(tmp_path, 3), "population", world.A.community)
    state = snapshot()
    again = services.run_import(job.pk)
    assert (again.accepted, again.checkpoint) == (3, 3)
    assert snapshot() == state


def test_cancelled_job_stops_and_is_not_run(world: Any, tmp_path: Path) -> None:
    job = services.create_job(
        actor=world.hq, upload=rosters(tmp_path, 2), kind="population", target_place=world.A.community
    )
    shown = preview(job)
    services.confirm_job(actor=world.hq, job=job, sheet_name=shown.sheet_name, header_row=0, mapping=shown.mapping)
    services.cancel_job(actor=world.hq, job=job)
    job = services.run_import(job.pk)
    assert job.status == JobStatus.CANCELLED
    assert job.accepted == 0


def test_pushlist_rerun_adds_no_duplicate_entries(world: Any, tmp_path: Path) -> None:
    from fangkong.imports.tests.files import PUSHLIST_HEADERS, pushlist_rows

    path = write_xlsx(tmp_path / "p.xlsx", [PUSHLIST_HEADERS, *pushlist_rows(3)])
    job = run(world.hq, path, "pushlist", world.district)
    services.run_import(job.pk)
    assert PushListEntry.objects.filter(push_list__job=job).count() == 3


def test_pushlist_duplicates_are_found_inside_a_chunk_across_chunks_and_after_a_crash(
    world: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    from fangkong.imports.tests.files import PUSHLIST_HEADERS, pushlist_rows

    monkeypatch.setattr(services, "CHUNK_SIZE", 4)
    rows = pushlist_rows(10)
    rows[2][1] = rows[1][1]  # row 4 repeats row 3, in the same chunk
    rows[6][1] = rows[0][1]  # row 8 repeats row 2, committed in the first chunk
    rows[9][1] = rows[5][1]  # row 11 repeats row 7, committed before the crash
    path = write_xlsx(tmp_path / "p.xlsx", [PUSHLIST_HEADERS, *rows])
    real_process = kinds.PushListHandler.process
    calls = {"n": 0}

    def crash_in_second_chunk(self: Any, chunk_rows: Any) -> None:
        calls["n"] += 1
        real_process(self, chunk_rows)
        if calls["n"] == 2:
            raise RuntimeError("killed")

    monkeypatch.setattr(kinds.PushListHandler, "process", crash_in_second_chunk)
    with pytest.raises(RuntimeError):
        run(world.hq, path, "pushlist", world.district)
    job = ImportJob.objects.get()
    assert (job.status, job.checkpoint) == (JobStatus.RUNNING, 4)
    monkeypatch.setattr(kinds.PushListHandler, "process", real_process)
    job = services.run_import(job.pk)
    assert (job.status, job.accepted + job.warnings, job.rejected) == (JobStatus.DONE, 7, 3)
    reasons = {i.row_number: i.messages["document_number"][0] for i in job.issues.filter(status="rejected")}
    assert sorted(reasons) == [4, 8, 11]
    assert "row 3" in reasons[4]
    assert "row 2" in reasons[8]
    assert "row 7" in reasons[11]
    assert PushListEntry.objects.filter(push_list__job=job).count() == 7
    assert Person.objects.filter(document_number__in={r[1] for r in rows}).count() == 7


def test_the_follow_up_step_runs_after_done_and_again_after_a_crash(world: Any, tmp_path: Path) -> None:
    from fangkong.imports.tests.files import PUSHLIST_HEADERS, pushlist_rows

    calls: list[int] = []

    def crashing(sender: Any, job: Any, **kwargs: Any) -> None:
        calls.append(job.pk)
        if len(calls) == 1:
            raise RuntimeError("killed")

    services.import_finished.connect(crashing, dispatch_uid="test_follow_up_crash")
    try:
        path = write_xlsx(tmp_path / "p.xlsx", [PUSHLIST_HEADERS, *pushlist_rows(2)])
        with pytest.raises(RuntimeError):
            run(world.hq, path, "pushlist", world.district)
        job = ImportJob.objects.get()
        # The rows are committed and the job is done; only the follow-up step is left to run.
        assert (job.status, job.accepted + job.warnings, job.followed_up_at) == (JobStatus.DONE, 2, None)
        assert progress(job).following_up
        job = services.run_import(job.pk)
        assert job.followed_up_at is not None
        assert not progress(job).following_up
        services.run_import(job.pk)
        assert calls == [job.pk, job.pk]  # once more after the crash, then never again
    finally:
        services.import_finished.disconnect(dispatch_uid="test_follow_up_crash")
