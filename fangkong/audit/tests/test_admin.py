import pytest
from django.test import Client

from fangkong.audit.models import AuditAction, AuditEvent
from fangkong.audit.services import record
from fangkong.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(world) -> Client:
    client = Client()
    client.force_login(make_user("root", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def event(world) -> AuditEvent:
    return record(actor=world.hq, action=AuditAction.VIEW_FULL, obj=world.A.person, summary="居** original")


def test_changelist_lists_events_with_search_and_no_add_button(admin_client, event):
    response = admin_client.get("/admin/audit/auditevent/", {"q": "original"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "居** original" in html
    assert "/admin/audit/auditevent/add/" not in html
    assert 'value="delete_selected"' not in html


def test_changelist_filters_by_action(admin_client, event):
    record(actor=None, action=AuditAction.LOGIN_FAILED, summary="someone")

    response = admin_client.get("/admin/audit/auditevent/", {"action__exact": "login_failed"})

    html = response.content.decode()
    assert "someone" in html
    assert "居** original" not in html


def test_add_page_is_refused(admin_client, event):
    response = admin_client.post("/admin/audit/auditevent/add/", {"summary": "forged"})

    assert response.status_code == 403
    assert not AuditEvent.objects.filter(summary="forged").exists()


def test_change_post_is_refused_and_nothing_changes(admin_client, event):
    response = admin_client.post(f"/admin/audit/auditevent/{event.pk}/change/", {"summary": "tampered"})

    assert response.status_code == 403
    event.refresh_from_db()
    assert event.summary == "居** original"


def test_delete_post_is_refused_and_the_row_stays(admin_client, event):
    single = admin_client.post(f"/admin/audit/auditevent/{event.pk}/delete/", {"post": "yes"})
    bulk = admin_client.post(
        "/admin/audit/auditevent/", {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"}
    )

    assert single.status_code == 403
    assert bulk.status_code in (200, 302)
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_change_page_is_view_only(admin_client, event):
    response = admin_client.get(f"/admin/audit/auditevent/{event.pk}/change/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "居** original" in html
    assert 'name="_save"' not in html
