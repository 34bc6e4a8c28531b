"""The one NinjaAPI instance: /api/v1/, documented at /api/v1/docs and /api/v1/openapi.json.

It imports no domain app: its routers are the ones the installed apps declare in their plugin.py.
"""

from __future__ import annotations

from ninja import NinjaAPI

from fangkong.api import errors
from fangkong.api.auth import AUTH
from fangkong.core import plugins

DESCRIPTION = (
    "Places and persons of the district, always limited to the caller's jurisdiction. "
    "Authenticate with `Authorization: Bearer <token>` (get one from POST /auth/token) "
    "or with the web session (send X-CSRFToken on unsafe methods). "
    'Errors are JSON: `{"message": ..., "errors": {"field": [...]}}`.'
)


def build() -> NinjaAPI:
    """A NinjaAPI serving every installed app's declared routers (and their errors' mapping)."""
    built = NinjaAPI(
        title="Fangkong API",
        version="1",
        description=DESCRIPTION,
        urls_namespace="api",
        auth=AUTH,
    )
    errors.install(built)
    for _app, route in plugins.each("api"):
        built.add_router(route.prefix, plugins.resolve(route.router))
    return built


api = build()
