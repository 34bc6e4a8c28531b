"""Security basics that hold for every page: CSRF, headers, cookies, production settings, uploads."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.utils import get_app_template_dirs
from django.test import Client
from django.urls import reverse

from fangkong.accounts.models import Role
from fangkong.conftest import PASSWORD

BASE = Path(settings.BASE_DIR)


def template_files() -> list[Path]:
    dirs = [Path(settings.BASE_DIR) / "templates"]
    dirs += [Path(d) for d in get_app_template_dirs("templates") if str(d).startswith(str(BASE / "fangkong"))]
    return sorted(p for d in dirs for p in d.rglob("*.html"))


def relative(path: Path) -> str:
    return str(path.relative_to(BASE))


def test_every_post_form_carries_a_csrf_token():
    missing = []
    for path in template_files():
        html = path.read_text(encoding="utf-8")
        for form in re.finditer(r"<form\b[^>]*>.*?</form>", html, re.S | re.I):
            opening = form.group(0).split(">", 1)[0]
            if re.search(r"method=[\"']?post", opening, re.I) and "{% csrf_token %}" not in form.group(0):
                missing.append(f"{relative(path)}: {opening[:80]}")
    assert not missing, "POST forms without {% csrf_token %}:\n  " + "\n  ".join(missing)


def test_templates_have_no_inline_scripts_or_event_handlers():
    """The Content-Security-Policy allows scripts from our static files only, so these would not run."""
    found = []
    for path in template_files():
        html = path.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", html, re.I):
            if "src=" not in tag and "application/json" not in tag:
                found.append(f"{relative(path)}: inline {tag}")
        for handler in re.findall(r"<[^>]*\son[a-z]+\s*=[^>]*>", html, re.I):
            found.append(f"{relative(path)}: event handler attribute in {handler[:80]}")
        if re.search(r"href=[\"']\s*javascript:", html, re.I):
            found.append(f"{relative(path)}: javascript: link")
    assert not found, (
        "Move these into a static .js file (static/<app>/...js, loaded with <script src>; bind events with "
        "addEventListener, pass data with data-* attributes or json_script):\n  " + "\n  ".join(found)
    )


@pytest.mark.django_db
def test_login_without_csrf_token_is_refused(world):
    client = Client(enforce_csrf_checks=True)

    response = client.post(reverse("accounts:login"), {"username": "hq", "password": PASSWORD})

    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_pages_send_the_security_headers_and_safe_cookies(world):
    client = Client()
    client.get(reverse("accounts:login"))
    response = client.post(reverse("accounts:login"), {"username": "hq", "password": PASSWORD})
    assert response.status_code == 302
    page = client.get(reverse("core:home"))

    assert page["X-Frame-Options"] == "DENY"
    assert page["X-Content-Type-Options"] == "nosniff"
    assert page["Referrer-Policy"] == "same-origin"
    policy = dict(part.strip().split(" ", 1) for part in page["Content-Security-Policy"].split(";"))
    assert policy["script-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'"
    session = response.cookies[settings.SESSION_COOKIE_NAME]
    assert session["httponly"]
    assert session["samesite"] == "Lax"


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "HTTPS", "DJANGO_SETTINGS_MODULE"}}
    return subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, str(BASE / "manage.py"), *args],
        capture_output=True,
        text=True,
        env={**clean, **env},
        cwd=BASE,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_under_production_settings():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        HTTPS="1",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="fangkong.example.org",
        # Rate limits must be shared between workers in production (see test_ratelimit).
        REDIS_URL="redis://127.0.0.1:6379/0",
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNINGS" not in result.stderr


def test_https_turns_on_hsts_secure_cookies_and_the_redirect():
    code = (
        "from django.conf import settings as s; "
        "print(s.DEBUG, s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT)"
    )
    result = _manage("shell", "-c", code, HTTPS="1")

    assert result.stdout.splitlines()[-1].split() == ["False", "31536000", "True", "True", "True"], result.stderr


def test_debug_is_off_unless_asked_for():
    result = _manage("shell", "-c", "from django.conf import settings; print(settings.DEBUG)")

    assert result.stdout.splitlines()[-1] == "False", result.stderr


@pytest.mark.django_db
def test_unknown_page_shows_no_debug_information(world):
    client = Client()
    client.force_login(world.hq)

    response = client.get("/no-such-page/")

    assert response.status_code == 404
    body = response.content.decode()
    assert "URLconf" not in body
    assert "Traceback" not in body
    assert "fangkong.urls" not in body


@pytest.mark.django_db
def test_uploaded_files_are_not_served_back(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "imports").mkdir()
    (tmp_path / "imports" / "page.html").write_text("<script>alert(1)</script>")
    client = Client()
    client.force_login(world.hq)

    for url in ("/media/imports/page.html", "/imports/page.html", "/static/../var/media/imports/page.html"):
        assert client.get(url).status_code == 404, url


@pytest.mark.django_db
def test_an_html_file_uploaded_as_a_spreadsheet_is_refused(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(world.user(Role.COMMUNITY_WORKER, "A"))
    html = b"<html><body><script>alert(document.cookie)</script></body></html>"

    response = client.post(
        reverse("imports:list"),
        {"kind": "population", "place": world.A.community.pk, "file": SimpleUploadedFile("list.xlsx", html)},
    )

    assert response.status_code == 400
    assert not list(tmp_path.rglob("*.xlsx")), "the refused upload was kept"
    assert b"alert(document.cookie)" not in response.content


@pytest.mark.django_db
def test_uploads_over_the_size_limit_are_refused(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.IMPORT_MAX_BYTES = 2000
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(world.user(Role.COMMUNITY_WORKER, "A"))
    big = b"\xe5\xa7\x93\xe5\x90\x8d,id\n" + b"x" * 5000

    response = client.post(
        reverse("imports:list"),
        {"kind": "population", "place": world.A.community.pk, "file": SimpleUploadedFile("big.csv", big)},
    )

    assert response.status_code == 400
    assert "too large" in response.content.decode().lower() or "larger than" in response.content.decode().lower()
    assert not list(tmp_path.rglob("*.csv"))


def test_a_used_session_stays_alive_but_is_written_at_most_once_a_minute(world, monkeypatch):
    from django.contrib.sessions.models import Session

    from fangkong.core import middleware

    client = Client()
    client.force_login(world.hq)
    key = client.session.session_key

    def expiry():
        return Session.objects.get(session_key=key).expire_date

    client.get(reverse("core:home"))
    first = expiry()
    client.get(reverse("core:home"))
    assert expiry() == first, "a second request within the minute must not write the session"
    later = middleware.time.time() + settings.SESSION_REFRESH_SECONDS + 1
    monkeypatch.setattr(middleware, "time", SimpleNamespace(time=lambda: later))
    client.get(reverse("core:home"))
    assert expiry() > first, "a request after the minute moves the idle timeout"


@pytest.mark.django_db
def test_pages_and_api_answers_with_personal_values_are_never_stored(world):
    from fangkong.api.testing import bearer_client

    person = world.A.person
    page = Client()
    page.force_login(world.hq)
    detail = page.get(f"/people/{person.pk}/")
    assert person.document_number in detail.content.decode()  # HQ sees the full values
    api = bearer_client(world.hq).get(f"/api/v1/persons/{person.pk}")
    assert api.status_code == 200
    assert api.json()["document_number"] == person.document_number
    for response in (detail, api, page.get("/people/")):
        assert "no-store" in response["Cache-Control"]
