"""GET /api/v1/: an index of the API (its sections and operations) with links to the docs.

Public like the docs themselves: it describes the API and holds no data.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

METHODS = ("get", "post", "put", "patch", "delete")


@cache
def _operations() -> dict[str, list[dict[str, str]]]:
    """The OpenAPI operations by tag; the schema is fixed for the life of the process."""
    from fangkong.api.api import api

    sections: dict[str, list[dict[str, str]]] = {}
    for path, operations in api.get_openapi_schema()["paths"].items():
        for method in METHODS:
            operation = operations.get(method)
            if operation is None:
                continue
            tag = (operation.get("tags") or ["api"])[0]
            sections.setdefault(tag, []).append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "docs": f"{reverse('api:openapi-view')}#/{tag}/{operation['operationId']}",
                }
            )
    return dict(sorted(sections.items()))


@require_GET
def index(request: HttpRequest) -> JsonResponse:
    from fangkong.api.api import api

    body: dict[str, Any] = {
        "name": api.title,
        "version": api.version,
        "docs": request.build_absolute_uri(reverse("api:openapi-view")),
        "openapi": request.build_absolute_uri(reverse("api:openapi-json")),
        "token": request.build_absolute_uri(reverse("api:api-root") + "auth/token"),
        "authentication": "Authorization: Bearer <token>, or the web session with X-CSRFToken on unsafe methods",
        "sections": _operations(),
    }
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False, "indent": 1})
