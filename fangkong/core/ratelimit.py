"""Rate limits of the public pages and the client's address behind a reverse proxy (issue 16 A5).

Counting is django-ratelimit's (fixed windows in the cache named by RATELIMIT_USE_CACHE): with REDIS_URL
set that is Redis, shared by every gunicorn worker and machine; without it the demo's local-memory cache
counts per process. The address is the connecting peer's, unless BEHIND_PROXY says a trusted reverse proxy
stands in front: then it is the entry that proxy appended to TRUSTED_PROXY_HEADER (entries further left
are written by the client and can be forged).
"""

from __future__ import annotations

import ipaddress
import logging
from typing import Any

from django.conf import settings
from django.core import checks
from django.http import HttpRequest
from django_ratelimit.core import get_usage

logger = logging.getLogger(__name__)


def _valid_ip(value: str) -> str:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return ""


def client_ip(request: Any) -> str:
    """The client's address: REMOTE_ADDR, or behind a trusted proxy the address that proxy saw."""
    meta = getattr(request, "META", {})
    remote = _valid_ip(meta.get("REMOTE_ADDR", "") or "")
    if not getattr(settings, "BEHIND_PROXY", False):
        return remote
    hops = [hop.strip() for hop in (meta.get(settings.TRUSTED_PROXY_HEADER, "") or "").split(",") if hop.strip()]
    count = max(int(settings.TRUSTED_PROXY_COUNT), 1)
    # The last `count` entries were appended by our proxies; the one they got the request from is the client.
    if len(hops) < count:
        return remote
    return _valid_ip(hops[-count]) or remote


def over_limit(request: HttpRequest | None, *, group: str, key: str, rate: str) -> bool:
    """Count one more hit of `key` in `group` (rate like "30/h"); True once the rate is passed.

    A cache that cannot be reached lets the hit through (a report must not be lost to an outage) and says so
    in the log.
    """
    if not key:
        return False
    try:
        usage = get_usage(request or HttpRequest(), group=group, key=lambda _g, _r: key, rate=rate, increment=True)
    except Exception:  # the shared cache is down: Redis raises its own connection errors
        logger.warning("rate limit not counted: the cache is unavailable (group=%s)", group)
        return False
    return bool(usage and usage["should_limit"])


def over_ip_limit(request: HttpRequest | None, *, group: str, rate: str) -> bool:
    ip = client_ip(request) if request is not None else ""
    return over_limit(request, group=group, key=f"ip:{ip}" if ip else "", rate=rate)


@checks.register(checks.Tags.caches, deploy=True)
def check_shared_cache(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    """Rate limits hold across processes only in a shared cache."""
    backend = settings.CACHES.get(settings.RATELIMIT_USE_CACHE, {}).get("BACKEND", "")
    if backend.endswith(("LocMemCache", "DummyCache")):
        return [
            checks.Warning(
                "Rate limits are counted per process: the cache is not shared.",
                hint="Set REDIS_URL so every worker counts in the same Redis.",
                id="fangkong.W001",
            )
        ]
    return []
