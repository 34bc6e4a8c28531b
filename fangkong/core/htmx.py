"""One URL, two answers: the whole page, or the partial an HTMX request swaps into its target."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers


def is_htmx_target(request: HttpRequest, target: str) -> bool:
    """An HTMX request that swaps element `target` (a history restore wants the whole page)."""
    htmx: Any = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request and htmx.target == target


def vary_on_htmx(response: HttpResponse) -> HttpResponse:
    # The same URL answers with a partial or a page; caches must keep them apart.
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


def render_page_or_partial(
    request: HttpRequest, context: dict[str, Any], *, page: str, partial: str, target: str
) -> HttpResponse:
    template = partial if is_htmx_target(request, target) else page
    return vary_on_htmx(render(request, template, context))
