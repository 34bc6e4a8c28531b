import json

import pytest
from django.test import Client

from fangkong.accounts.models import ApiToken, Role
from fangkong.accounts.services import issue_token, revoke_token
from fangkong.api.testing import api_client, bearer_client
from fangkong.audit.models import AuditAction, AuditEvent
from fangkong.conftest import PASSWORD

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token"


def post_json(client: Client, url: str, data: object, **extra):
    return client.post(url, data=json.dumps(data), content_type="application/json", **extra)


def test_correct_password_returns_a_token_that_authenticates(world):
    response = post_json(api_client(), TOKEN_URL, {"username": "grid_worker_A", "password": PASSWORD})

    assert response.status_code == 200
    token = response.json()["token"]
    me = api_client(Authorization=f"Bearer {token}").get("/api/v1/me")
    assert me.status_code == 200
    assert me.json()["username"] == "grid_worker_A"
    stored = ApiToken.objects.get(user=world.user(Role.GRID_WORKER, "A"))
    assert stored.name == "API login"
    assert token not in stored.key_hash  # only the hash is kept
    assert AuditEvent.objects.filter(action=AuditAction.TOKEN_CREATED, actor_username="grid_worker_A").exists()


def test_wrong_password_is_401_with_a_message_and_an_audited_failure(world):
    response = post_json(api_client(), TOKEN_URL, {"username": "grid_worker_A", "password": "not-it"})

    assert response.status_code == 401
    assert response.json() == {"message": "Wrong username or password."}
    assert not ApiToken.objects.exists()
    failed = AuditEvent.objects.get(action=AuditAction.LOGIN_FAILED)
    assert failed.summary == "grid_worker_A"


def test_repeated_failures_lock_the_account_out_even_for_the_right_password(world, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        post_json(api_client(), TOKEN_URL, {"username": "grid_worker_A", "password": "guess"})

    response = post_json(api_client(), TOKEN_URL, {"username": "grid_worker_A", "password": PASSWORD})

    assert response.status_code == 429
    assert response["Content-Type"].startswith("application/json")
    assert "locked" in response.json()["message"]
    assert not ApiToken.objects.exists()


def test_token_request_without_fields_lists_each_missing_field(world):
    response = post_json(api_client(), TOKEN_URL, {})

    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"username", "password"}


def test_token_request_with_broken_json_is_400(world):
    response = api_client().post(TOKEN_URL, data=b'{"username": ', content_type="application/json")

    assert response.status_code == 400
    assert "JSON" in response.json()["message"]


def test_revoked_token_is_401(world):
    user = world.user(Role.GRID_WORKER, "A")
    token, raw = issue_token(user=user, name="phone")
    revoke_token(actor=user, token=token)

    response = api_client(Authorization=f"Bearer {raw}").get("/api/v1/me")

    assert response.status_code == 401
    assert "Bearer" in response.json()["message"]


def test_no_credentials_is_401(world):
    response = api_client().get("/api/v1/me")

    assert response.status_code == 401
    assert response.json()["message"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_unknown_token_is_401(world):
    response = api_client(Authorization="Bearer fk_made-up").get("/api/v1/persons/")

    assert response.status_code == 401


def test_token_of_deactivated_user_is_401(world):
    user = world.user(Role.GRID_WORKER, "A")
    client = bearer_client(user)
    user.is_active = False
    user.save()

    assert client.get("/api/v1/me").status_code == 401


def test_me_lists_memberships_and_ui_permissions(world):
    response = bearer_client(world.user(Role.GRID_WORKER, "A")).get("/api/v1/me")

    body = response.json()
    assert body["memberships"] == [
        {
            "place_id": world.A.grid.pk,
            "place_name": world.A.grid.name,
            "place_type": "grid",
            "role": "grid_worker",
            "role_label": "Grid worker",
            "hq_group": "",
        }
    ]
    assert "people.add_person" in body["permissions"]
    assert "audit.view_auditevent" not in body["permissions"]


def test_checkpoint_staff_has_no_edit_permissions_in_me(world):
    body = bearer_client(world.user(Role.CHECKPOINT_STAFF, "A")).get("/api/v1/me").json()

    assert "people.view_person" in body["permissions"]
    assert "people.add_person" not in body["permissions"]
    assert "people.view_full_person" not in body["permissions"]


def test_session_login_authenticates_reads(world):
    client = api_client()
    client.force_login(world.user(Role.GRID_WORKER, "A"))

    response = client.get("/api/v1/me")

    assert response.status_code == 200
    assert response.json()["username"] == "grid_worker_A"


def test_session_write_without_csrf_token_is_refused(world):
    client = api_client()
    client.handler.enforce_csrf_checks = True
    client.force_login(world.user(Role.GRID_WORKER, "A"))

    response = post_json(client, "/api/v1/persons/", {"name": "x"})

    assert response.status_code == 403
    assert "CSRF" in response.json()["message"]


def test_session_write_with_csrf_token_passes_the_check(world):
    client = api_client()
    client.handler.enforce_csrf_checks = True
    client.force_login(world.user(Role.GRID_WORKER, "A"))
    secret = "a" * 32
    client.cookies["csrftoken"] = secret

    response = post_json(client, "/api/v1/persons/", {"name": "x"}, headers={"X-CSRFToken": secret})

    assert response.status_code == 422  # past authentication, stopped by validation


def test_bearer_writes_need_no_csrf_token(world):
    client = bearer_client(world.user(Role.GRID_WORKER, "A"))
    client.handler.enforce_csrf_checks = True

    response = post_json(client, "/api/v1/persons/", {"name": "x"})

    assert response.status_code == 422


def test_token_with_valid_days_works_until_it_expires_then_is_401(world):
    import datetime as dt

    from django.utils import timezone

    response = post_json(api_client(), TOKEN_URL, {"username": "grid_worker_A", "password": PASSWORD, "valid_days": 7})
    assert response.status_code == 200
    raw = response.json()["token"]
    stored = ApiToken.objects.get(user=world.user(Role.GRID_WORKER, "A"))
    assert stored.expires_at is not None
    assert dt.timedelta(days=7) - (stored.expires_at - timezone.now()) < dt.timedelta(minutes=1)
    assert api_client(Authorization=f"Bearer {raw}").get("/api/v1/me").status_code == 200

    ApiToken.objects.filter(pk=stored.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    expired = api_client(Authorization=f"Bearer {raw}").get("/api/v1/me")
    assert expired.status_code == 401


def test_token_without_valid_days_has_no_expiry(world):
    response = post_json(api_client(), TOKEN_URL, {"username": "grid_worker_A", "password": PASSWORD})
    assert response.json()["expires_at"] is None
    assert ApiToken.objects.get(user=world.user(Role.GRID_WORKER, "A")).expires_at is None


@pytest.mark.parametrize("days", [0, -1, 366])
def test_token_validity_out_of_range_is_422(world, days):
    body = {"username": "grid_worker_A", "password": PASSWORD, "valid_days": days}
    response = post_json(api_client(), TOKEN_URL, body)
    assert response.status_code == 422
    assert not ApiToken.objects.exists()
