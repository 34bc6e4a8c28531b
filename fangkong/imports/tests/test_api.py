"""The import API: multipart upload, status with progress, result workbook; scoped like every endpoint."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from fangkong.api.testing import bearer_client
from fangkong.core.testing.idnumbers import make_resident_id
from fangkong.imports.models import ImportJob, JobStatus
from fangkong.people.models import Person

URL = "/api/v1/imports/"
STATUS_KEYS = {
    "id",
    "kind",
    "following_up",
    "status",
    "rows_total",
    "rows_done",
    "accepted",
    "warnings",
    "rejected",
    "percent",
    "eta_seconds",
    "result_url",
}


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def read_body(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def doc(seq: int) -> str:
    return make_resident_id("410402", dt.date(1988, 7, 9), seq, male=False)


def workbook(header: list[str], rows: list[list[Any]]) -> bytes:
    wb = openpyxl.Workbook()
    wb.active.append(header)
    for row in rows:
        wb.active.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def roster() -> bytes:
    return workbook(
        ["姓名", "身份证号", "手机号"],
        [["周八", doc(11), "13900001111"], ["吴九", "12345", "13900002222"]],
    )


def post(client: Any, content: bytes, *, name: str = "roster.xlsx", **data: Any) -> Any:
    return client.post(URL, {"kind": "population", **data, "file": SimpleUploadedFile(name, content)})


def test_upload_with_recognised_headers_is_confirmed_and_runs(world, django_capture_on_commit_callbacks):
    client = bearer_client(world.user("community_worker", "A"))
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, roster())
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "status", "reused", "missing_required"}
    assert body["reused"] is False
    assert body["missing_required"] == []
    job = ImportJob.objects.get(pk=body["id"])
    assert job.status == JobStatus.DONE
    assert job.target_place == world.A.community  # the worker's own jurisdiction by default
    assert Person.objects.filter(document_number=doc(11)).exists()

    status = client.get(f"{URL}{job.pk}").json()
    assert set(status) == STATUS_KEYS
    assert status["status"] == "done"
    assert status["percent"] == 100.0
    assert (status["accepted"] + status["warnings"], status["rejected"]) == (1, 1)
    assert status["result_url"].endswith(f"/api/v1/imports/{job.pk}/result")

    result = client.get(status["result_url"])
    assert result.status_code == 200
    assert result["Content-Disposition"].startswith("attachment")
    wb = openpyxl.load_workbook(io.BytesIO(read_body(result)), read_only=True)
    rows = [list(r) for r in wb.active.iter_rows(values_only=True)]
    assert rows[0][3:5] == ["Import status", "Reason"]
    assert rows[2][3] == "Rejected"
    assert rows[2][4]


def test_upload_without_required_headers_waits_for_a_mapping(world):
    client = bearer_client(world.user("community_worker", "A"))
    response = post(client, workbook(["名称", "号码"], [["x", "y"]]))
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "uploaded"
    assert set(body["missing_required"]) == {"name", "document_number"}
    assert client.get(f"{URL}{body['id']}").json()["result_url"] is None
    assert client.get(f"{URL}{body['id']}/result").status_code == 409


def test_same_file_again_returns_the_earlier_job(world):
    client = bearer_client(world.user("community_worker", "A"))
    content = workbook(["名称"], [["x"]])  # built once: the xlsx carries its creation time
    first = post(client, content).json()
    again = post(client, content, name="copy.xlsx")
    assert again.status_code == 201
    assert again.json()["id"] == first["id"]
    assert again.json()["reused"] is True
    assert ImportJob.objects.count() == 1


def test_bad_file_is_422_with_a_readable_message_and_no_job(world):
    client = bearer_client(world.user("community_worker", "A"))
    response = post(client, b"MZ" + b"\x00" * 200, name="list.xlsx")
    assert response.status_code == 422
    body = response.json()
    assert "not a spreadsheet" in body["message"]
    assert body["errors"]["file"]
    response = post(client, b"hello", name="list.txt")
    assert response.status_code == 422
    assert ".txt" in response.json()["message"]
    assert ImportJob.objects.count() == 0


def test_unknown_kind_and_missing_file_are_422(world):
    client = bearer_client(world.user("community_worker", "A"))
    response = post(client, roster(), kind="vaccines")
    assert response.status_code == 422
    assert "kind" in response.json()["errors"]
    response = client.post(URL, {"kind": "population"})
    assert response.status_code == 422
    assert "file" in response.json()["errors"]


def test_place_outside_jurisdiction_is_404_and_creates_nothing(world):
    client = bearer_client(world.user("community_worker", "A"))
    response = post(client, roster(), place_id=world.B.community.pk)
    assert response.status_code == 404
    assert response.json()["errors"] == {"place_id": ["No such place in your jurisdiction."]}
    assert ImportJob.objects.count() == 0


def test_push_list_upload_records_issuer_and_date(world):
    client = bearer_client(world.user("street_admin", "A"))
    content = workbook(["姓名", "证件号码", "来源地"], [["郑十", doc(21), "某地"]])
    body = post(client, content, kind="pushlist", issuer="市大数据局", issued_on="2022-04-01").json()
    job = ImportJob.objects.get(pk=body["id"])
    assert job.options == {"issuer": "市大数据局", "issued_on": "2022-04-01"}
    bad = post(client, content, name="p2.xlsx", kind="pushlist", issued_on="1/4/2022")
    assert bad.status_code == 422
    assert "issued_on" in bad.json()["errors"]
    too_long = post(client, content, name="p3.xlsx", kind="pushlist", deadline_hours="1000")
    assert too_long.status_code == 422
    assert "720" in too_long.json()["errors"]["deadline_hours"][0]
    other = workbook(["姓名", "证件号码", "来源地"], [["王五", doc(23), "某地"]])
    body = post(client, other, name="p4.xlsx", kind="pushlist", deadline_hours="6").json()
    assert ImportJob.objects.get(pk=body["id"]).options["deadline_hours"] == 6


def test_side_b_gets_404_on_side_a_job_and_result(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job_id = post(bearer_client(world.user("community_worker", "A")), roster()).json()["id"]
    other = bearer_client(world.user("community_worker", "B"))
    for url in (f"{URL}{job_id}", f"{URL}{job_id}/result"):
        response = other.get(url)
        assert response.status_code == 404, url
        assert response.json() == {"message": "Not found"}


def test_role_without_import_permission_gets_403(world):
    response = post(bearer_client(world.user("viewer", "A")), roster())
    assert response.status_code == 403
    assert ImportJob.objects.count() == 0


def test_openapi_documents_the_import_endpoints(world):
    client = bearer_client(world.hq)
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "201" in paths["/api/v1/imports/"]["post"]["responses"]
    assert "404" in paths["/api/v1/imports/{job_id}"]["get"]["responses"]
    assert "/api/v1/imports/{job_id}/result" in paths
