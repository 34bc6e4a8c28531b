import hashlib
import re

import pytest
from django.test import Client

from fangkong.accounts.models import ApiToken, Role
from fangkong.accounts.services import issue_token, user_for_token
from fangkong.audit.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def created_raw(html: str) -> str:
    match = re.search(r'id="new-token-value" value="([^"]+)"', html)
    assert match, "the new token is not shown"
    return match.group(1)


def test_created_token_is_shown_once_and_authenticates(world):
    user = world.user(Role.GRID_WORKER, "A")
    client = client_for(user)

    response = client.post("/accounts/tokens/", {"name": "手机采集"})

    assert response.status_code == 200
    raw = created_raw(response.content.decode())
    assert user_for_token(raw) == user
    assert "no-store" in response["Cache-Control"]
    again = client.get("/accounts/tokens/").content.decode()
    assert raw not in again
    assert "手机采集" in again
    assert raw[:8] in again  # the starts-with hint


def test_only_the_sha256_of_the_token_is_stored(world):
    response = client_for(world.hq).post("/accounts/tokens/", {"name": "script"})

    raw = created_raw(response.content.decode())
    token = ApiToken.objects.get(name="script")
    assert token.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    stored = list(ApiToken.objects.values_list("name", "key_hash", "hint"))
    assert all(raw not in value for row in stored for value in row)


def test_creating_a_token_is_audited(world):
    client_for(world.hq).post("/accounts/tokens/", {"name": "script"})

    event = AuditEvent.objects.get(action=AuditAction.TOKEN_CREATED)
    assert event.actor == world.hq
    assert event.summary == "script"


def test_token_without_a_name_is_refused_with_a_message(world):
    response = client_for(world.hq).post("/accounts/tokens/", {"name": "  "})

    assert response.status_code == 422
    assert 'id="new-token-value"' not in response.content.decode()
    assert "is-invalid" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_overlong_or_garbled_token_name_is_refused(world):
    long_name = client_for(world.hq).post("/accounts/tokens/", {"name": "x" * 101})
    garbled = client_for(world.hq).post("/accounts/tokens/", {"name": "bad\x00name"})

    assert long_name.status_code == 422
    assert garbled.status_code == 422
    assert not ApiToken.objects.exists()


def test_revoked_token_no_longer_works(world):
    user = world.user(Role.GRID_WORKER, "A")
    token, raw = issue_token(user=user, name="device")

    response = client_for(user).post(f"/accounts/tokens/{token.pk}/revoke/")

    assert response.status_code == 302
    assert user_for_token(raw) is None
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEvent.objects.filter(action=AuditAction.TOKEN_REVOKED, object_id=str(token.pk)).exists()
    page = client_for(user).get("/accounts/tokens/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "revoked" in page


def test_user_cannot_revoke_another_users_token(world):
    owner = world.user(Role.GRID_WORKER, "A")
    token, raw = issue_token(user=owner, name="device")

    response = client_for(world.user(Role.GRID_WORKER, "B")).post(f"/accounts/tokens/{token.pk}/revoke/")

    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert user_for_token(raw) == owner


def test_even_hq_cannot_revoke_another_users_token_through_the_page(world):
    token, _raw = issue_token(user=world.user(Role.GRID_WORKER, "A"), name="device")

    response = client_for(world.hq).post(f"/accounts/tokens/{token.pk}/revoke/")

    assert response.status_code == 404


def test_token_list_shows_only_own_tokens(world):
    issue_token(user=world.user(Role.GRID_WORKER, "A"), name="A的设备")
    issue_token(user=world.user(Role.GRID_WORKER, "B"), name="B的设备")

    page = client_for(world.user(Role.GRID_WORKER, "B")).get("/accounts/tokens/").content.decode()

    assert "B的设备" in page
    assert "A的设备" not in page


def test_revoke_needs_post(world):
    token, _raw = issue_token(user=world.hq, name="device")

    response = client_for(world.hq).get(f"/accounts/tokens/{token.pk}/revoke/")

    assert response.status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None


def test_token_page_requires_login(world):
    response = Client().get("/accounts/tokens/")

    assert response.status_code == 302


def test_token_page_issues_a_token_that_expires_and_shows_it_expired(world):
    import datetime as dt

    from django.utils import timezone

    user = world.user(Role.GRID_WORKER, "A")
    client = client_for(user)
    raw = created_raw(client.post("/accounts/tokens/", {"name": "临时设备", "valid_days": "3"}).content.decode())
    token = ApiToken.objects.get(user=user)
    assert token.expires_at is not None
    assert token.expires_at > timezone.now() + dt.timedelta(days=2)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    assert user_for_token(raw) is None
    client.force_login(user)
    page = client.get("/accounts/tokens/", headers={"Accept-Language": "en"}).content.decode()
    assert "expired" in page
    bad = client.post("/accounts/tokens/", {"name": "x", "valid_days": "400"})
    assert bad.status_code == 422
    assert ApiToken.objects.filter(user=user).count() == 1
