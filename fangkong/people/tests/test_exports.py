import io

import openpyxl
import pytest
from django.test import Client
from django.utils.translation import trans_real

from fangkong.audit.models import AuditAction, AuditEvent
from fangkong.conftest import make_person
from fangkong.people.models import Person


@pytest.fixture
def client():
    # Assertions read the English source strings; Chinese is the default for real browsers.
    return Client(headers={"Accept-Language": "en"})


def login(client, user):
    client.force_login(user)
    return client


def read_xlsx(response):
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return [list(row) for row in workbook.active.iter_rows(values_only=True)]


def column(rows, header):
    index = rows[0].index(header)
    return [row[index] for row in rows[1:]]


@pytest.fixture
def zh_headers(monkeypatch):
    """Chinese for the export headers, as the one-pass translation will provide them."""
    catalog = trans_real.translation("zh-hans")._catalog._catalogs[0]  # type: ignore[attr-defined]
    for english, chinese in {
        "Name": "姓名",
        "Document number": "证件号码",
        "Mobile phone": "手机号码",
        "Current address": "现住址",
    }.items():
        monkeypatch.setitem(catalog, english, chinese)


def test_export_is_masked_and_written_to_the_audit_log(client, world):
    person = world.A.person
    response = login(client, world.user("grid_worker", "A")).get("/people/export/", {"q": "居民"})
    rows = read_xlsx(response)
    assert response.status_code == 200
    assert column(rows, "Document number") == [person.masked_document]
    assert column(rows, "Mobile phone") == [person.masked_phone]
    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert event.actor == world.user("grid_worker", "A")
    assert event.changes["rows"] == 1
    assert event.changes["unmasked"] is False
    assert "1 rows" in event.summary


def test_export_never_contains_persons_of_the_other_side(client, world):
    rows = read_xlsx(login(client, world.user("grid_worker", "A")).get("/people/export/"))
    names = column(rows, "Name")
    assert names == ["居民A"]
    assert world.B.person.masked_document not in column(rows, "Document number")


def test_export_of_a_place_outside_the_jurisdiction_is_404_and_not_audited(client, world):
    response = login(client, world.user("grid_worker", "A")).get("/people/export/", {"place": world.B.grid.pk})
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


def test_export_exports_exactly_the_current_filters(client, world):
    make_person(world.A.household, name="张三", seq=71)
    rows = read_xlsx(login(client, world.hq).get("/people/export/", {"q": "张", "place": world.A.street.pk}))
    assert column(rows, "Name") == ["张三"]


def test_export_with_an_unknown_filter_value_exports_nothing_rather_than_everything(client, world):
    rows = read_xlsx(login(client, world.hq).get("/people/export/", {"resident_type": "bogus"}))
    assert rows[1:] == []


def test_export_headers_are_chinese_for_a_chinese_browser(client, world, zh_headers):
    login(client, world.hq)
    response = client.get("/people/export/", headers={"Accept-Language": "zh-hans"})
    header = read_xlsx(response)[0]
    assert header[:1] == ["姓名"]
    assert "证件号码" in header
    assert "手机号码" in header


def test_export_escapes_cells_a_spreadsheet_would_run_as_formulas(client, world):
    Person.objects.filter(pk=world.A.person.pk).update(name="=HYPERLINK(1)", address="=cmd|' /C calc'!A0")
    rows = read_xlsx(login(client, world.hq).get("/people/export/", {"place": world.A.grid.pk}))
    assert column(rows, "Name") == ["'=HYPERLINK(1)"]
    assert column(rows, "Current address")[0].startswith("'=")


def test_audit_row_of_an_export_carries_no_personal_values(client, world):
    person = world.A.person
    login(client, world.hq).get("/people/export/", {"q": person.document_number})
    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    text = f"{event.summary} {event.changes}"
    assert person.document_number not in text
    assert person.masked_document in text
    assert event.changes["rows"] == 1


def test_unmasked_export_is_refused_for_a_grid_worker(client, world):
    response = login(client, world.user("grid_worker", "A")).get("/people/export/", {"unmasked": "1"})
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


def test_unmasked_export_is_allowed_and_audited_for_hq(client, world):
    response = login(client, world.hq).get("/people/export/", {"unmasked": "1"})
    rows = read_xlsx(response)
    assert sorted(column(rows, "Document number")) == sorted(
        [world.A.person.document_number, world.B.person.document_number]
    )
    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert event.actor == world.hq
    assert event.changes["unmasked"] is True
    assert event.changes["rows"] == 2
