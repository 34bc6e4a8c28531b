"""The one NinjaAPI instance: /api/v1/, documented at /api/v1/docs and /api/v1/openapi.json."""

from __future__ import annotations

from ninja import NinjaAPI

from fangkong.accounts.api import router as accounts_router
from fangkong.api import errors
from fangkong.api.auth import AUTH
from fangkong.checkpoints.api import registrations_router
from fangkong.checkpoints.api import router as checkpoints_router
from fangkong.imports.api import router as imports_router
from fangkong.monitoring.api import router as monitoring_router
from fangkong.people.api import router as persons_router
from fangkong.places.api import router as places_router
from fangkong.protocols.api import router as protocols_router
from fangkong.quarantine.api import router as quarantine_router
from fangkong.screening.api import coverage_router as screening_router
from fangkong.screening.api import router as key_persons_router
from fangkong.transfers.api import router as transfers_router

api = NinjaAPI(
    title="Fangkong API",
    version="1",
    description=(
        "Places and persons of the district, always limited to the caller's jurisdiction. "
        "Authenticate with `Authorization: Bearer <token>` (get one from POST /auth/token) "
        "or with the web session (send X-CSRFToken on unsafe methods). "
        'Errors are JSON: `{"message": ..., "errors": {"field": [...]}}`.'
    ),
    urls_namespace="api",
    auth=AUTH,
)
errors.install(api)

api.add_router("/", accounts_router)
api.add_router("/persons", persons_router)
api.add_router("/places", places_router)
api.add_router("/imports", imports_router)
api.add_router("/protocols", protocols_router)
api.add_router("/key-persons", key_persons_router)
api.add_router("/screening", screening_router)
api.add_router("/checkpoints", checkpoints_router)
api.add_router("/registrations", registrations_router)
api.add_router("/quarantine", quarantine_router)
api.add_router("/transfers", transfers_router)
api.add_router("/monitoring", monitoring_router)
