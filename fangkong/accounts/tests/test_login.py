import pytest
from django.conf import settings
from django.test import Client

from fangkong.accounts.models import Role
from fangkong.audit.models import AuditAction, AuditEvent
from fangkong.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def attempt(client: Client, username: str, password: str):
    return client.post(LOGIN, {"username": username, "password": password})


def test_login_with_the_right_password_lands_on_the_overview_and_is_audited(world):
    client = Client()

    response = attempt(client, "grid_worker_A", PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200
    event = AuditEvent.objects.get(action=AuditAction.LOGIN)
    assert event.actor == world.user(Role.GRID_WORKER, "A")
    assert event.ip_address == "127.0.0.1"


def test_wrong_password_shows_a_message_and_writes_a_failed_login_row(world):
    response = attempt(Client(), "grid_worker_A", "wrong-password")

    assert response.status_code == 200
    assert "alert-danger" in response.content.decode()
    event = AuditEvent.objects.get(action=AuditAction.LOGIN_FAILED)
    assert event.actor is None
    assert event.summary == "grid_worker_A"
    assert "wrong-password" not in str(event.changes) + event.summary


def test_five_wrong_passwords_lock_the_account_even_for_the_right_password(world):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")

    failures = [attempt(client, "grid_worker_A", f"wrong-{i}") for i in range(5)]
    sixth = attempt(client, "grid_worker_A", PASSWORD)

    assert [r.status_code for r in failures] == [200, 200, 200, 200, 429]
    assert sixth.status_code == 429
    assert "Too many failed logins" in sixth.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get("/").status_code == 302
    # The refused sixth attempt is itself a failed login.
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED, summary="grid_worker_A").count() == 6
    assert not AuditEvent.objects.filter(action=AuditAction.LOGIN).exists()


def test_each_failure_writes_one_failed_login_row(world):
    client = Client()

    for i in range(4):
        attempt(client, "grid_worker_A", f"wrong-{i}")

    assert AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED, summary="grid_worker_A").count() == 4


def test_lock_out_of_one_account_leaves_other_accounts_alone(world):
    client = Client()
    for i in range(5):
        attempt(client, "grid_worker_A", f"wrong-{i}")

    response = attempt(client, "grid_worker_B", PASSWORD)

    assert response.status_code == 302


def test_four_failures_then_the_right_password_still_logs_in(world):
    client = Client()
    for i in range(4):
        attempt(client, "grid_worker_A", f"wrong-{i}")

    response = attempt(client, "grid_worker_A", PASSWORD)

    assert response.status_code == 302
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN).count() == 1


def test_logout_is_audited_and_ends_the_session(world):
    client = Client()
    attempt(client, "hq", PASSWORD)

    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert AuditEvent.objects.filter(action=AuditAction.LOGOUT, actor=world.hq).count() == 1
    assert client.get("/").status_code == 302


def test_sessions_expire_after_one_shift_and_when_the_browser_closes():
    assert settings.SESSION_COOKIE_AGE <= 12 * 3600
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_LOCKOUT_TEMPLATE == "accounts/locked_out.html"


def test_expired_session_is_sent_back_to_login(world):
    client = Client()
    attempt(client, "hq", PASSWORD)
    session = client.session
    session.set_expiry(-1)
    session.save()

    response = client.get("/")

    assert response.status_code == 302
    assert LOGIN in response["Location"]


def test_login_page_renders_for_anonymous_visitors(world):
    response = Client().get(LOGIN)

    assert response.status_code == 200
    assert 'name="password"' in response.content.decode()


def test_permissions_from_the_role_and_from_a_direct_grant_are_read_in_one_query(world):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user = world.user("grid_worker", "A")
    user.user_permissions.add(Permission.objects.get(codename="add_checkpoint"))
    fresh = get_user_model().objects.get(pk=user.pk)
    with CaptureQueriesContext(connection) as queries:
        assert fresh.has_perm("people.view_person")  # through the role's group
        assert fresh.has_perm("checkpoints.add_checkpoint")  # granted directly
        assert not fresh.has_perm("quarantine.add_site")
    # Django reads them in two; on PostgreSQL the one query is prepared outside Django's query log.
    assert len(queries) <= 1
    fresh.is_active = False
    assert not fresh.has_perm("people.view_person")


def test_failures_from_many_addresses_still_lock_the_account(world):
    failures = [
        attempt(Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR=f"10.0.0.{i + 1}"), "grid_worker_A", f"wrong-{i}")
        for i in range(5)
    ]
    fresh = attempt(Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR="10.0.9.9"), "grid_worker_A", PASSWORD)

    assert failures[-1].status_code == 429
    assert fresh.status_code == 429
    assert "Too many failed logins" in fresh.content.decode()
    other = attempt(Client(REMOTE_ADDR="10.0.9.9"), "grid_worker_B", PASSWORD)
    assert other.status_code == 302
