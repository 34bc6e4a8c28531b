"""Import pages through the browser's eyes: upload, preview and mapping, confirm, progress, result."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fangkong.audit.models import AuditEvent
from fangkong.core.testing.idnumbers import make_resident_id
from fangkong.imports.models import ImportJob, JobStatus, SavedMapping
from fangkong.people.models import Person

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def login(user: Any) -> Client:
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(user)
    return client


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def doc(seq: int) -> str:
    return make_resident_id("410402", dt.date(1990, 5, 6), seq, male=True)


def roster_xlsx(rows: list[list[Any]], *, title: str | None = "社区人口花名册", sheets: int = 1) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "花名册"
    if title:
        ws.append([title])
    ws.append(["姓名", "身份证号码", "联系电话", "备注"])
    for row in rows:
        ws.append(row)
    for n in range(1, sheets):
        wb.create_sheet(f"其他{n}").append(["无关"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def good_rows() -> list[list[Any]]:
    return [
        ["张三", doc(101), "13912345678", "新住户"],
        ["李四", doc(102), "139-1234-5679", ""],
        ["王五", "110101199001011234", "13912345670", ""],  # wrong check digit
    ]


def upload(client: Client, content: bytes, *, name: str = "roster.xlsx", kind: str = "population", place: Any) -> Any:
    return client.post(
        reverse("imports:list"),
        {"kind": kind, "place": place.pk, "file": SimpleUploadedFile(name, content), "issuer": "", "issued_on": ""},
    )


def confirm_from_preview(client: Client, job: ImportJob, capture: Any, **overrides: str) -> Any:
    """Submit the mapping the preview proposes, as a user pressing Confirm would."""
    page = client.get(reverse("imports:detail", args=[job.pk]))
    shown = page.context["preview"]
    data = {"sheet_name": shown.sheet_name, "header_row": str(shown.header_row + 1)}
    data.update({f"col_{c}": name for c, name in shown.mapping.items()})
    data.update(overrides)
    with capture(execute=True):
        return client.post(reverse("imports:confirm", args=[job.pk]), data)


def test_community_worker_uploads_previews_confirms_and_downloads_the_result(world, django_capture_on_commit_callbacks):
    worker = world.user("community_worker", "A")
    client = login(worker)
    response = upload(client, roster_xlsx(good_rows()), place=world.A.community)
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("imports:detail", args=[job.pk])
    assert job.status == JobStatus.UPLOADED

    page = client.get(reverse("imports:detail", args=[job.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "张三" in html
    assert "kept as extra data" in html  # 备注 has no field
    assert "Required fields not yet mapped" not in html
    # ID numbers in the preview are masked like in every list.
    assert doc(101) not in html
    assert 'name="col_0"' in html
    assert '<option value="name" selected>' in html

    response = confirm_from_preview(client, job, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert (job.accepted + job.warnings, job.rejected) == (2, 1)
    assert Person.objects.filter(document_number=doc(101)).exists()

    page = client.get(reverse("imports:detail", args=[job.pk]))
    html = page.content.decode()
    assert "Download result" in html
    assert 'hx-trigger="every 1s"' not in html
    assert reverse("imports:result", args=[job.pk]) in html
    # The rejected row is listed with its reason (row 5: title, header, then three rows).
    assert page.context["issues"][-1]["row_number"] == 5
    assert page.context["issues"][-1]["rejected"]

    result = client.get(reverse("imports:result", args=[job.pk]))
    assert result.status_code == 200
    assert result["Content-Type"] == XLSX
    assert result["Content-Disposition"].startswith("attachment")
    wb = openpyxl.load_workbook(io.BytesIO(body(result)), read_only=True)
    rows = [list(r) for r in wb.active.iter_rows(values_only=True)]
    header = rows[1]
    assert "Import status" in header
    assert "Reason" in header
    status_col = header.index("Import status")
    assert rows[4][status_col] == "Rejected"
    assert rows[4][status_col + 1]
    assert rows[2][status_col] in ("Accepted", "Accepted with warnings")
    assert AuditEvent.objects.filter(action="export", object_id=str(job.pk)).exists()


def test_gb18030_csv_is_previewed_and_imported(world, django_capture_on_commit_callbacks):
    client = login(world.user("community_worker", "A"))
    text = f"姓名,证件号码,手机号\r\n赵六,{doc(201)},13912340001\r\n"
    response = upload(client, text.encode("gb18030"), name="名单.csv", place=world.A.community)
    job = ImportJob.objects.get()
    assert response.status_code == 302
    page = client.get(reverse("imports:detail", args=[job.pk]))
    assert "赵六" in page.content.decode()
    assert page.context["preview"].missing_required == []
    confirm_from_preview(client, job, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert (job.status, job.accepted + job.warnings, job.rejected) == (JobStatus.DONE, 1, 0)
    assert Person.objects.get(document_number=doc(201)).name == "赵六"


def test_progress_partial_polls_while_queued_and_stops_when_done(world, django_capture_on_commit_callbacks):
    client = login(world.user("community_worker", "A"))
    upload(client, roster_xlsx(good_rows()), place=world.A.community)
    job = ImportJob.objects.get()
    page = client.get(reverse("imports:detail", args=[job.pk]))
    shown = page.context["preview"]
    data = {"sheet_name": shown.sheet_name, "header_row": str(shown.header_row + 1)}
    data.update({f"col_{c}": name for c, name in shown.mapping.items()})
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(reverse("imports:confirm", args=[job.pk]), data)
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED

    partial = client.get(reverse("imports:progress", args=[job.pk]))
    html = partial.content.decode()
    assert 'hx-trigger="every 1s"' in html
    assert "Cancel import" in html
    assert "Download result" not in html
    assert "<html" not in html

    for callback in callbacks:
        callback()
    partial = client.get(reverse("imports:progress", args=[job.pk]))
    html = partial.content.decode()
    assert 'hx-trigger="every 1s"' not in html
    assert "Download result" in html
    assert "100.0%" in html


def test_confirm_without_required_fields_shows_the_message_and_keeps_the_job_waiting(world):
    client = login(world.user("community_worker", "A"))
    upload(client, roster_xlsx(good_rows()), place=world.A.community)
    job = ImportJob.objects.get()
    page = client.get(reverse("imports:detail", args=[job.pk]))
    shown = page.context["preview"]
    response = client.post(
        reverse("imports:confirm", args=[job.pk]),
        {"sheet_name": shown.sheet_name, "header_row": str(shown.header_row + 1), "col_0": "name"},
    )
    assert response.status_code == 400
    assert "Required columns are not mapped" in response.content.decode()
    job.refresh_from_db()
    assert job.status == JobStatus.UPLOADED


def test_confirm_can_save_the_mapping_under_a_name(world, django_capture_on_commit_callbacks):
    worker = world.user("community_worker", "A")
    client = login(worker)
    upload(client, roster_xlsx(good_rows()), place=world.A.community)
    job = ImportJob.objects.get()
    confirm_from_preview(client, job, django_capture_on_commit_callbacks, save_mapping_as="社区花名册", col_3="tags")
    saved = SavedMapping.objects.get(owner=worker)
    assert saved.name == "社区花名册"
    assert saved.mapping["3"] == "tags"


def test_unmapped_header_lists_required_fields_in_red(world):
    client = login(world.user("community_worker", "A"))
    wb = openpyxl.Workbook()
    wb.active.append(["甲", "乙"])
    wb.active.append(["1", "2"])
    buf = io.BytesIO()
    wb.save(buf)
    upload(client, buf.getvalue(), place=world.A.community)
    job = ImportJob.objects.get()
    html = client.get(reverse("imports:detail", args=[job.pk])).content.decode()
    assert "Required fields not yet mapped" in html
    assert "<strong>Name</strong>" in html
    assert "<strong>Document number</strong>" in html


def test_sheet_picker_appears_for_a_workbook_with_several_sheets(world):
    client = login(world.user("community_worker", "A"))
    upload(client, roster_xlsx(good_rows(), sheets=3), place=world.A.community)
    job = ImportJob.objects.get()
    page = client.get(reverse("imports:detail", args=[job.pk]))
    html = page.content.decode()
    assert 'name="sheet"' in html
    assert "其他2" in html
    other = client.get(reverse("imports:detail", args=[job.pk]), {"sheet": "其他1", "header_row": "1"})
    assert other.context["preview"].sheet_name == "其他1"
    assert "无关" in other.content.decode()


def test_bad_file_shows_the_message_and_creates_no_job(world):
    client = login(world.user("community_worker", "A"))
    response = upload(client, b"MZ\x90\x00" + b"\x00" * 100, name="名单.xlsx", place=world.A.community)
    assert response.status_code == 400
    assert "not a spreadsheet" in response.content.decode()
    response = upload(client, b"", name="empty.xlsx", place=world.A.community)
    assert response.status_code == 400
    assert ImportJob.objects.count() == 0


def test_reupload_of_the_same_file_redirects_to_the_existing_job_with_a_notice(world):
    client = login(world.user("community_worker", "A"))
    content = roster_xlsx(good_rows())
    upload(client, content, place=world.A.community)
    job = ImportJob.objects.get()
    response = upload(client, content, name="again.xlsx", place=world.A.community)
    assert response["Location"] == reverse("imports:detail", args=[job.pk])
    assert ImportJob.objects.count() == 1
    page = client.get(response["Location"])
    assert "already uploaded" in page.content.decode()


def test_upload_into_a_place_outside_the_jurisdiction_is_refused(world):
    client = login(world.user("community_worker", "A"))
    response = upload(client, roster_xlsx(good_rows()), place=world.B.community)
    assert response.status_code == 400
    assert "inside your jurisdiction" in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_push_list_upload_keeps_issuer_and_date(world):
    client = login(world.user("street_admin", "A"))
    wb = openpyxl.Workbook()
    wb.active.append(["姓名", "身份证号", "来源地", "返回日期"])
    wb.active.append(["孙七", doc(301), "某市", "2022/3/1"])
    buf = io.BytesIO()
    wb.save(buf)
    client.post(
        reverse("imports:list"),
        {
            "kind": "pushlist",
            "place": world.A.street.pk,
            "file": SimpleUploadedFile("push.xlsx", buf.getvalue()),
            "issuer": "市指挥部",
            "issued_on": "2022-03-02",
            "deadline_hours": "12",
        },
    )
    job = ImportJob.objects.get()
    assert job.kind == "pushlist"
    assert job.options == {"issuer": "市指挥部", "issued_on": "2022-03-02", "deadline_hours": 12}
    page = client.get(reverse("imports:detail", args=[job.pk])).content.decode()
    assert "12" in page


def test_side_b_gets_404_on_side_a_job_pages(world, django_capture_on_commit_callbacks):
    client = login(world.user("community_worker", "A"))
    upload(client, roster_xlsx(good_rows()), place=world.A.community)
    job = ImportJob.objects.get()
    confirm_from_preview(client, job, django_capture_on_commit_callbacks)
    other = login(world.user("community_worker", "B"))
    for name in ("imports:detail", "imports:progress", "imports:result"):
        assert other.get(reverse(name, args=[job.pk])).status_code == 404, name
    assert other.post(reverse("imports:cancel", args=[job.pk])).status_code == 404
    assert other.post(reverse("imports:confirm", args=[job.pk])).status_code == 404
    listing = other.get(reverse("imports:list"))
    assert "roster.xlsx" not in listing.content.decode()
    assert client.get(reverse("imports:detail", args=[job.pk])).status_code == 200


def test_job_list_filters_and_exports_what_is_on_screen(world, django_capture_on_commit_callbacks):
    client = login(world.user("community_worker", "A"))
    upload(client, roster_xlsx(good_rows()), place=world.A.community)
    upload(client, roster_xlsx(good_rows()[:1]), name="second.xlsx", place=world.A.community)
    first = ImportJob.objects.get(original_name="roster.xlsx")
    confirm_from_preview(client, first, django_capture_on_commit_callbacks)
    done = client.get(reverse("imports:list"), {"status": "done"}).content.decode()
    assert "roster.xlsx" in done
    assert "second.xlsx" not in done
    export = client.get(reverse("imports:export"), {"status": "uploaded"})
    assert export.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(body(export)), read_only=True)
    names = [r[2] for r in wb.active.iter_rows(min_row=2, values_only=True)]
    assert names == ["second.xlsx"]


def test_cancel_stops_a_queued_import(world, django_capture_on_commit_callbacks):
    client = login(world.user("community_worker", "A"))
    upload(client, roster_xlsx(good_rows()), place=world.A.community)
    job = ImportJob.objects.get()
    page = client.get(reverse("imports:detail", args=[job.pk]))
    shown = page.context["preview"]
    data = {"sheet_name": shown.sheet_name, "header_row": str(shown.header_row + 1)}
    data.update({f"col_{c}": name for c, name in shown.mapping.items()})
    with django_capture_on_commit_callbacks(execute=False):
        client.post(reverse("imports:confirm", args=[job.pk]), data)
    response = client.post(reverse("imports:cancel", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED
    assert not Person.objects.filter(document_number=doc(101)).exists()


def test_viewer_without_import_permission_gets_403(world):
    client = login(world.user("viewer", "A"))
    assert client.get(reverse("imports:list")).status_code == 403


def test_hq_group_sees_jobs_but_has_no_upload_form(world):
    client = login(world.user("hq_group", "A"))
    page = client.get(reverse("imports:list"))
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' not in page.content.decode()
    assert client.post(reverse("imports:list"), {}).status_code == 403


def test_progress_keeps_polling_and_says_so_while_key_persons_are_made(world, django_capture_on_commit_callbacks):
    client = login(world.user("community_worker", "A"))
    upload(client, roster_xlsx(good_rows()), place=world.A.community)
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(kind="pushlist", status=JobStatus.DONE, finished_at=timezone.now())
    html = client.get(reverse("imports:progress", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in html
    assert "key persons are being made from the list" in html
    assert "Download result" in html  # the rows' result is ready meanwhile
    api = client.get(f"/api/v1/imports/{job.pk}")
    assert api.json()["following_up"] is True

    ImportJob.objects.filter(pk=job.pk).update(followed_up_at=timezone.now())
    html = client.get(reverse("imports:progress", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' not in html
    assert "key persons are being made" not in html
    assert client.get(f"/api/v1/imports/{job.pk}").json()["following_up"] is False


def test_progress_shows_rows_percentage_and_time_left_while_running(world):
    client = login(world.user("community_worker", "A"))
    upload(client, roster_xlsx(good_rows()), place=world.A.community)
    job = ImportJob.objects.get()
    started = timezone.now() - dt.timedelta(seconds=30)
    ImportJob.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING, rows_total=400, checkpoint=100, accepted=90, rejected=10, started_at=started
    )
    html = client.get(reverse("imports:progress", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in html
    assert "25.0%" in html
    assert "/ 400" in html
    assert "1 min 30 s" in html  # 30 s for 100 rows, 300 rows to go
    assert 'id="import-status" hx-swap-oob="true"' in html


def test_issue_table_pages_as_a_partial(world, django_capture_on_commit_callbacks):
    client = login(world.user("community_worker", "A"))
    upload(client, roster_xlsx(good_rows()), place=world.A.community)
    job = ImportJob.objects.get()
    confirm_from_preview(client, job, django_capture_on_commit_callbacks)
    response = client.get(
        reverse("imports:detail", args=[job.pk]), headers={"HX-Request": "true", "HX-Target": "import-issues"}
    )
    html = response.content.decode()
    assert "<html" not in html
    assert "Rows with warnings or rejected" in html
    assert "Document number" in html  # the rejected row's reason names the field


def test_upload_form_defaults_to_the_users_jurisdiction(world):
    client = login(world.user("grid_worker", "A"))
    page = client.get(reverse("imports:list"))
    assert page.status_code == 200
    assert f'<option value="{world.A.grid.pk}" selected>' in page.content.decode()


def test_unknown_sheet_or_header_row_in_the_query_string_is_a_message_not_an_error(world):
    client = login(world.user("community_worker", "A"))
    upload(client, roster_xlsx(good_rows()), place=world.A.community)
    job = ImportJob.objects.get()
    page = client.get(reverse("imports:detail", args=[job.pk]), {"sheet": "没有这个表"})
    assert page.status_code == 200
    assert 'class="alert alert-danger"' in page.content.decode()
    page = client.get(reverse("imports:detail", args=[job.pk]), {"header_row": "999"})
    assert page.status_code == 200
    assert "No data rows below the header row." in page.content.decode()


def test_pages_render_in_chinese_by_default(world, django_capture_on_commit_callbacks):
    client = login(world.user("community_worker", "A"))
    upload(client, roster_xlsx(good_rows()), place=world.A.community)
    job = ImportJob.objects.get()
    zh = Client()
    zh.force_login(world.user("community_worker", "A"))
    assert "人口底数花名册" in zh.get(reverse("imports:list")).content.decode()
    assert zh.get(reverse("imports:detail", args=[job.pk])).status_code == 200
    confirm_from_preview(client, job, django_capture_on_commit_callbacks)
    page = zh.get(reverse("imports:detail", args=[job.pk]))
    assert "已完成" in page.content.decode()
    assert page.context["issues"]
