"""A push list's category: chosen at upload (form and API), read from a column, raised by a high-risk origin."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from fangkong.api.testing import bearer_client
from fangkong.imports import services
from fangkong.imports.models import ImportJob, ImportRowIssue, JobStatus
from fangkong.imports.selectors import preview
from fangkong.imports.tests.files import PUSHLIST_HEADERS, media_in_tmp, pushlist_rows, resident_id, write_xlsx
from fangkong.imports.tests.test_pipeline import run
from fangkong.protocols.models import RiskArea
from fangkong.screening.models import KeyPerson, PushBatch

__all__ = ["media_in_tmp"]


def _finish(job: ImportJob) -> ImportJob:
    """Confirm the proposed mapping and run the import with its follow-up, as the worker would."""
    shown = preview(job)
    job = services.confirm_job(
        actor=job.created_by, job=job, sheet_name=shown.sheet_name, header_row=shown.header_row, mapping=shown.mapping
    )
    job = services.run_import(job.pk)
    assert job.status == JobStatus.DONE, job.error
    return job


def _category_of(seq: int) -> str:
    return KeyPerson.objects.get(person__document_number=resident_id(5000 + seq)).category


def test_the_upload_form_offers_the_protocols_categories_with_its_default_chosen(world: Any, tmp_path: Path) -> None:
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(world.hq)
    page = client.get(reverse("imports:list")).content.decode()
    assert 'name="category"' in page
    assert '<option value="returnee_medium_risk" selected>中风险区来返人员</option>' in page
    assert '<option value="close_contact">密切接触者</option>' in page

    path = write_xlsx(tmp_path / "p.xlsx", [PUSHLIST_HEADERS, *pushlist_rows(2)])
    response = client.post(
        reverse("imports:list"),
        {
            "kind": "pushlist",
            "place": world.district.pk,
            "file": SimpleUploadedFile("p.xlsx", path.read_bytes()),
            "category": "close_contact",
        },
    )
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert job.options["category"] == "close_contact"
    assert "密切接触者" in client.get(reverse("imports:detail", args=[job.pk])).content.decode()
    _finish(job)
    assert {kp.category for kp in KeyPerson.objects.all()} == {"close_contact"}
    assert PushBatch.objects.get().category == "close_contact"


def test_the_upload_form_refuses_a_category_the_protocol_does_not_have(world: Any, tmp_path: Path) -> None:
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(world.hq)
    path = write_xlsx(tmp_path / "p.xlsx", [PUSHLIST_HEADERS, *pushlist_rows(1)])
    response = client.post(
        reverse("imports:list"),
        {
            "kind": "pushlist",
            "place": world.district.pk,
            "file": SimpleUploadedFile("p.xlsx", path.read_bytes()),
            "category": "martians",
        },
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_the_api_takes_a_category_by_code_or_name_and_refuses_an_unknown_one(
    world: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    client = bearer_client(world.hq)
    path = write_xlsx(tmp_path / "p.xlsx", [PUSHLIST_HEADERS, *pushlist_rows(1)])

    def post(category: str, name: str) -> Any:
        data = {"kind": "pushlist", "place_id": world.district.pk, "category": category}
        return client.post("/api/v1/imports/", {**data, "file": SimpleUploadedFile(name, path.read_bytes())})

    bad = post("火星来客", "bad.xlsx")
    assert bad.status_code == 422
    assert "密切接触者" in bad.json()["errors"]["category"][0]
    assert ImportJob.objects.count() == 0

    with django_capture_on_commit_callbacks(execute=True):
        created = post("入境人员", "p.xlsx")
    assert created.status_code == 201, created.content
    job = ImportJob.objects.get(pk=created.json()["id"])
    assert job.options["category"] == "inbound"
    assert KeyPerson.objects.get().category == "inbound"


def test_a_category_column_gives_each_row_its_own_category(world: Any, tmp_path: Path) -> None:
    rows = pushlist_rows(4)
    labels = ["密切接触者", "close_contact", "", " 入境人员 "]
    path = write_xlsx(
        tmp_path / "p.xlsx", [[*PUSHLIST_HEADERS, "人员类别"], *[[*r, c] for r, c in zip(rows, labels, strict=True)]]
    )
    job = run(world.hq, path, "pushlist", world.district, category="secondary_contact")
    assert (job.status, job.rejected) == (JobStatus.DONE, 0)
    assert [_category_of(n) for n in (1, 2, 3, 4)] == ["close_contact", "close_contact", "secondary_contact", "inbound"]


def test_an_english_category_header_and_code_like_values_are_recognised(world: Any, tmp_path: Path) -> None:
    rows = pushlist_rows(2)
    labels = ["Close contact", "INBOUND"]
    path = write_xlsx(
        tmp_path / "p.xlsx", [[*PUSHLIST_HEADERS, "Category"], *[[*r, c] for r, c in zip(rows, labels, strict=True)]]
    )
    job = run(world.hq, path, "pushlist", world.district)
    assert job.rejected == 0
    assert [_category_of(1), _category_of(2)] == ["close_contact", "inbound"]


def test_an_unknown_category_rejects_only_its_row_with_a_clear_reason(world: Any, tmp_path: Path) -> None:
    rows = pushlist_rows(3)
    labels = ["密切接触者", "外星人", ""]
    path = write_xlsx(
        tmp_path / "p.xlsx", [[*PUSHLIST_HEADERS, "人员类别"], *[[*r, c] for r, c in zip(rows, labels, strict=True)]]
    )
    job = run(world.hq, path, "pushlist", world.district)
    assert (job.status, job.accepted, job.rejected) == (JobStatus.DONE, 2, 1)
    issue = ImportRowIssue.objects.get(job=job)
    assert issue.row_number == 3
    message = issue.messages["category"][0]
    assert "外星人" in message
    assert "密切接触者" in message
    assert [_category_of(1), _category_of(3)] == ["close_contact", "returnee_medium_risk"]
    assert not KeyPerson.objects.filter(person__document_number=resident_id(5002)).exists()


def test_a_row_from_a_high_risk_area_is_a_high_risk_returnee_not_the_default(world: Any, tmp_path: Path) -> None:
    RiskArea.objects.create(name="某市某区", level="high", granularity="county", starts_on=dt.date(2022, 2, 20))
    rows = pushlist_rows(3)
    rows[1][3] = "另一市"  # no risk area there
    rows[2][3] = "某市某区某街道"  # inside the high-risk county
    path = write_xlsx(tmp_path / "p.xlsx", [PUSHLIST_HEADERS, *rows])
    run(world.hq, path, "pushlist", world.district)
    assert [_category_of(n) for n in (1, 2, 3)] == ["returnee_high_risk", "returnee_medium_risk", "returnee_high_risk"]
    assert KeyPerson.objects.get(person__document_number=resident_id(5001)).risk_level == "high"


def test_a_high_risk_origin_raises_a_returnee_category_but_never_replaces_a_close_contact(
    world: Any, tmp_path: Path
) -> None:
    RiskArea.objects.create(name="某市某区", level="high", granularity="county", starts_on=dt.date(2022, 2, 20))
    RiskArea.objects.create(name="某县", level="medium", granularity="county", starts_on=dt.date(2022, 2, 20))
    rows = pushlist_rows(3)
    rows[2][3] = "某县"
    labels = ["密切接触者", "低风险区来返人员", "低风险区来返人员"]
    path = write_xlsx(
        tmp_path / "p.xlsx", [[*PUSHLIST_HEADERS, "人员类别"], *[[*r, c] for r, c in zip(rows, labels, strict=True)]]
    )
    run(world.hq, path, "pushlist", world.district)
    assert [_category_of(n) for n in (1, 2, 3)] == ["close_contact", "returnee_high_risk", "returnee_medium_risk"]
