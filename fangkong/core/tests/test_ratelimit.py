"""Rate limits of the public forms hold across processes and see the client behind the proxy (issue 16 A5)."""

from __future__ import annotations

import datetime as dt
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache, caches
from django.test import Client, RequestFactory
from django.utils import timezone

from fangkong.checkpoints.models import Registration
from fangkong.checkpoints.tests.factories import make_checkpoint
from fangkong.checkpoints.views import check_in_token
from fangkong.core.ratelimit import client_ip, over_limit
from fangkong.core.testing.idnumbers import make_resident_id
from fangkong.core.tests.test_security import _manage
from fangkong.people.models import Person
from fangkong.screening.models import SelfReport
from fangkong.screening.selectors import self_report_token

BASE = Path(__file__).resolve().parents[3]
TOO_MANY = "Too many reports from this phone or network"


def _report(seq: int, *, phone: str = "") -> dict[str, str]:
    return {
        "reporter": "resident", "name": f"来者{seq}", "document_type": "resident_id",
        "document_number": make_resident_id("110105", dt.date(1992, 3, 4), 2 * seq + 1, male=True),
        "phone": phone or f"1375555{seq:04d}", "came_from": "上海市", "arrived_on": timezone.localdate().isoformat(),
    }  # fmt: skip


# --- the client's address --------------------------------------------------------------------------


def test_without_a_proxy_the_address_is_the_peer_and_forwarded_headers_are_ignored(settings: Any) -> None:
    settings.BEHIND_PROXY = False
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert client_ip(request) == "203.0.113.9"


def test_behind_the_proxy_the_address_is_the_one_the_proxy_appended(settings: Any) -> None:
    settings.BEHIND_PROXY = True
    settings.TRUSTED_PROXY_HEADER = "HTTP_X_FORWARDED_FOR"
    settings.TRUSTED_PROXY_COUNT = 1
    # The client forged the first entry; nginx appended the address it really saw.
    forged = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.9.9.9, 198.51.100.7")
    assert client_ip(forged) == "198.51.100.7"
    assert client_ip(RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="junk")) == "127.0.0.1"
    assert client_ip(RequestFactory().get("/", REMOTE_ADDR="127.0.0.1")) == "127.0.0.1"
    settings.TRUSTED_PROXY_COUNT = 2  # a load balancer in front of nginx
    assert client_ip(forged) == "10.9.9.9"


@pytest.mark.django_db
def test_two_clients_behind_one_proxy_have_their_own_limits(world: Any, settings: Any) -> None:
    cache.clear()
    settings.BEHIND_PROXY = True
    settings.SELF_REPORT_PER_IP_PER_HOUR = 2
    url = f"/screening/report/{self_report_token(world.A.community)}/"
    client = Client(headers={"Accept-Language": "en"})

    def post(seq: int, address: str) -> int:
        return client.post(url, _report(seq), REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=address).status_code

    first = [post(seq, "198.51.100.1") for seq in range(3)]
    second = [post(seq, "198.51.100.2") for seq in range(3, 5)]

    assert first == [200, 200, 429]
    assert second == [200, 200]  # the proxy's own address is not what is counted


# --- the Nth post in a window ---------------------------------------------------------------------


@pytest.mark.django_db
def test_the_nth_self_report_from_one_address_is_refused_with_429_and_words(world: Any, settings: Any) -> None:
    cache.clear()
    settings.SELF_REPORT_PER_IP_PER_HOUR = 5
    url = f"/screening/report/{self_report_token(world.A.community)}/"
    client = Client(headers={"Accept-Language": "en"})
    persons = Person.objects.count()

    responses = [client.post(url, _report(seq), REMOTE_ADDR="198.51.100.3") for seq in range(6)]

    assert [r.status_code for r in responses] == [200] * 5 + [429]
    assert TOO_MANY in responses[-1].content.decode()
    assert SelfReport.objects.count() == 5
    assert Person.objects.count() == persons  # anonymous reports make no register entries at all


@pytest.mark.django_db
def test_a_flood_from_rotating_addresses_and_phones_stops_at_the_links_limit(world: Any, settings: Any) -> None:
    cache.clear()
    settings.SELF_REPORT_PER_LINK_PER_HOUR = 4
    url = f"/screening/report/{self_report_token(world.A.community)}/"
    client = Client(headers={"Accept-Language": "en"})

    statuses = [client.post(url, _report(seq), REMOTE_ADDR=f"198.51.100.{seq}").status_code for seq in range(6)]

    assert statuses == [200] * 4 + [429, 429]
    assert SelfReport.objects.count() == 4
    # Another community's link is counted on its own.
    other = f"/screening/report/{self_report_token(world.B.community)}/"
    assert client.post(other, _report(9), REMOTE_ADDR="198.51.100.77").status_code == 200


@pytest.mark.django_db
def test_the_nth_check_in_at_one_venue_is_refused_with_429_and_words(world: Any, settings: Any) -> None:
    cache.clear()
    settings.CHECK_IN_PER_LINK_PER_HOUR = 3
    gate = make_checkpoint(world.hq, world.A.community)
    url = f"/checkpoints/check-in/{check_in_token(gate)}/"
    client = Client(headers={"Accept-Language": "en"})

    responses = [
        client.post(
            url,
            {"client_id": str(uuid.uuid4()), "name": "游客", "lookup": f"1374444{seq:04d}"},
            REMOTE_ADDR=f"198.51.100.{seq}",
        )
        for seq in range(4)
    ]

    assert [r.status_code for r in responses] == [200, 200, 200, 429]
    assert "Too many check-ins" in responses[-1].content.decode()
    assert Registration.objects.filter(checkpoint=gate).count() == 3


# --- the shared cache -----------------------------------------------------------------------------


def test_the_limiter_counts_in_the_configured_cache(settings: Any) -> None:
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "default"},
        "shared": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "shared"},
    }
    settings.RATELIMIT_USE_CACHE = "shared"
    caches["shared"].clear()
    group = f"test:{uuid.uuid4()}"

    assert [over_limit(None, group=group, key="k", rate="2/h") for _ in range(3)] == [False, False, True]
    keys = list(caches["shared"]._cache)  # type: ignore[attr-defined]
    assert keys, "nothing was counted in the configured cache"
    assert not list(caches["default"]._cache)  # type: ignore[attr-defined]


def test_redis_url_makes_redis_the_cache_the_limits_count_in() -> None:
    code = "from django.conf import settings as s; print(s.CACHES[s.RATELIMIT_USE_CACHE]['BACKEND'])"
    result = _manage("shell", "-c", code, REDIS_URL="redis://127.0.0.1:6399/0")
    assert result.stdout.splitlines()[-1] == "django.core.cache.backends.redis.RedisCache", result.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed")
    port = _free_port()
    process = subprocess.Popen(  # noqa: S603 - the system's redis-server on a private port
        [
            server,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_hits_counted_by_another_process_count_here(redis_url: str, settings: Any) -> None:
    """Two processes, two cache clients, one Redis: the limit holds across gunicorn workers."""
    group = f"test:{uuid.uuid4()}"
    code = (
        "from fangkong.core.ratelimit import over_limit; "
        f"print([over_limit(None, group={group!r}, key='phone', rate='3/h') for _ in range(3)])"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    other = subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, str(BASE / "manage.py"), "shell", "-c", code],
        capture_output=True,
        text=True,
        env={**env, "REDIS_URL": redis_url},
        cwd=BASE,
        timeout=120,
        check=False,
    )
    assert other.stdout.splitlines()[-1] == "[False, False, False]", other.stderr
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}}

    assert over_limit(None, group=group, key="phone", rate="3/h") is True
    assert over_limit(None, group=group, key="another phone", rate="3/h") is False


def test_an_unreachable_cache_lets_the_report_through(settings: Any) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{_free_port()}/0",
        }
    }
    assert over_limit(None, group="test:down", key="k", rate="1/h") is False


# --- production settings ----------------------------------------------------------------------------

DOCUMENTED = {
    "DEBUG": "0",
    "HTTPS": "1",
    "BEHIND_PROXY": "1",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "ALLOWED_HOSTS": "fangkong.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://fangkong.example.org",
}


def test_check_deploy_is_clean_with_the_documented_production_settings() -> None:
    result = _manage("check", "--deploy", "--fail-level", "WARNING", SECRET_KEY=secrets.token_urlsafe(50), **DOCUMENTED)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNINGS" not in result.stderr


def test_check_deploy_warns_that_limits_are_per_process_without_redis() -> None:
    settings_without_redis = {**DOCUMENTED, "REDIS_URL": ""}
    result = _manage("check", "--deploy", SECRET_KEY=secrets.token_urlsafe(50), **settings_without_redis)
    assert "fangkong.W001" in result.stderr, result.stdout + result.stderr


def test_the_readme_documents_the_proxy_https_and_redis_settings() -> None:
    readme = (BASE / "README.md").read_text(encoding="utf-8")
    for name in ("BEHIND_PROXY", "HTTPS", "REDIS_URL", "TRUSTED_PROXY_HEADER", "per process"):
        assert name in readme, name
