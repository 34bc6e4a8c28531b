import datetime as dt
import io

import openpyxl
import pytest
from django.test import Client
from django.utils import timezone

from fangkong.accounts.models import Role
from fangkong.audit.models import AuditAction, AuditEvent
from fangkong.audit.services import record

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def hq(world) -> Client:
    # Logged in before the events below are written, so its own login row is the oldest one.
    client = client_for(world.hq)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def events(world, hq):
    grid_worker = world.user(Role.GRID_WORKER, "A")
    record(actor=grid_worker, action=AuditAction.VIEW_FULL, obj=world.A.person, summary="居** viewed")
    record(actor=world.hq, action=AuditAction.UPDATE, obj=world.B.person, changes={"phone": ["138****0002", "***"]})
    record(actor=None, action=AuditAction.LOGIN_FAILED, object_type="accounts.user", summary="grid_worker_A")
    return world


def test_grid_worker_is_refused_the_audit_log(world):
    response = client_for(world.user(Role.GRID_WORKER, "A")).get("/audit/")

    assert response.status_code == 403


def test_street_admin_is_refused_the_audit_export(world):
    response = client_for(world.user(Role.STREET_ADMIN, "A")).get("/audit/export/")

    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


def test_anonymous_visitor_is_sent_to_login(world):
    response = Client().get("/audit/")

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_hq_sees_the_log_newest_first(events, hq):
    response = hq.get("/audit/")

    html = response.content.decode()
    assert response.status_code == 200
    failed = html.index('data-action="login_failed"')
    updated = html.index(f"person #{events.B.person.pk}<")
    viewed = html.index(f"person #{events.A.person.pk}<")
    assert failed < updated < viewed


def test_filter_by_action(events, hq):
    response = hq.get("/audit/", {"action": AuditAction.VIEW_FULL})

    html = response.content.decode()
    assert f"person #{events.A.person.pk}<" in html
    assert f"person #{events.B.person.pk}<" not in html
    assert 'mb-1">1 record</p>' in html


def test_filter_by_username_finds_actions_and_failed_logins_of_that_user(events, hq):
    response = hq.get("/audit/", {"username": "grid_worker_A"})

    html = response.content.decode()
    assert f"person #{events.A.person.pk}<" in html
    assert 'data-action="login_failed"' in html
    assert f"person #{events.B.person.pk}<" not in html


def test_filter_by_object_type_and_id(events, hq):
    response = hq.get("/audit/", {"object_type": "people.person", "object_id": events.B.person.pk})

    html = response.content.decode()
    assert f"person #{events.B.person.pk}<" in html
    assert f"person #{events.A.person.pk}<" not in html
    assert 'data-action="login_failed"' not in html


def test_filter_by_dates_uses_local_days(events, hq):
    today = timezone.localdate()
    yesterday = today - dt.timedelta(days=1)

    none = hq.get("/audit/", {"date_to": yesterday.isoformat()})
    all_today = hq.get("/audit/", {"date_from": today.isoformat(), "date_to": today.isoformat()})

    assert "No records match these filters." in none.content.decode()
    assert "4 records" in all_today.content.decode()


def test_bad_filters_show_a_message_not_a_500(events, hq):
    response = hq.get(
        "/audit/", {"date_from": "2026-13-45", "date_to": "yesterday", "action": "drop table", "page": "x"}
    )

    assert response.status_code == 200
    assert "is-invalid" in response.content.decode()


def test_end_date_before_start_date_is_explained(events, hq):
    response = hq.get("/audit/", {"date_from": "2026-03-02", "date_to": "2026-03-01"})

    assert "The end date is before the start date." in response.content.decode()


def test_list_pages_by_page_size(events, hq, settings):
    settings.PAGE_SIZE = 2

    first = hq.get("/audit/")
    second = hq.get("/audit/", {"page": 2})

    assert "1 / 2" in first.content.decode()
    assert 'data-action="login_failed"' in first.content.decode()
    assert f"person #{events.A.person.pk}<" in second.content.decode()
    assert 'data-action="login_failed"' not in second.content.decode()


def test_export_returns_the_filtered_rows_as_xlsx_and_is_itself_audited(events, hq):
    response = hq.get("/audit/export/", {"action": AuditAction.UPDATE})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    assert len(rows) == 2  # header + the one update
    assert rows[1][1] == "hq"
    assert rows[1][5] == str(events.B.person.pk)
    exported = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert exported.actor == events.hq
    assert exported.object_type == "audit.auditevent"
    assert exported.changes == {"filters": {"action": "update"}, "rows": 1}


def test_log_offers_no_way_to_change_rows(events, hq):
    event = AuditEvent.objects.filter(action=AuditAction.VIEW_FULL).get()

    posted = hq.post("/audit/", {"summary": "tampered"})

    assert posted.status_code == 405
    event.refresh_from_db()
    assert event.summary == "居** viewed"


def test_object_type_filter_suggests_the_project_models(events, hq):
    html = hq.get("/audit/").content.decode()

    assert '<option value="people.person">' in html
    assert '<option value="accounts.apitoken">' in html
    assert '<option value="sessions.session">' not in html


def test_export_link_carries_the_current_filters(events, hq):
    html = hq.get("/audit/", {"action": "update", "page": "1"}).content.decode()

    assert 'href="/audit/export/?action=update"' in html


def test_htmx_paging_returns_only_the_results(events, hq, settings):
    settings.PAGE_SIZE = 2

    response = hq.get("/audit/", {"page": 2}, headers={"HX-Request": "true", "HX-Target": "audit-results"})

    html = response.content.decode()
    assert "<html" not in html
    assert 'data-action="view_full"' in html
