from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Schema
from pydantic import ConfigDict, Field

from fangkong.api.types import MAX_OFFSET, AnyDateTime, DbId

MAX_BATCH = 1000


class CheckpointFilters(Schema):
    type: Literal["traffic", "community_gate", "mobile", "station", "venue", ""] = ""
    status: Literal["open", "closed", "suspended", ""] = ""
    place_id: DbId | None = Field(None, description="Only checkpoints at or below this place.")
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class CheckpointItem(Schema):
    id: int
    name: str
    type: str = Field(description="traffic | community_gate | mobile | station | venue")
    place_id: int
    status: str = Field(description="open | closed | suspended")


class CheckpointList(Schema):
    items: list[CheckpointItem]
    count: int


class RegistrationIn(Schema):
    """One passage. Values are checked one item at a time, so a bad item never sinks the batch."""

    model_config = ConfigDict(extra="ignore")

    client_id: Any = Field(None, description="UUID made by the device; a replay of it is answered 'duplicate'.")
    checkpoint_id: Any = Field(None, description="A checkpoint in your jurisdiction that is open.")
    document_type: Any = Field("", description="resident_id (default) | passport | hk_macau_pass | other")
    document_number: Any = Field("", description="Validated (an 18-digit ID's check character); or give phone.")
    phone: Any = Field("", description="11-digit mainland mobile number.")
    name: Any = ""
    direction: Any = Field(None, description="in | out")
    temperature: Any = Field(None, description="°C, 35.0-42.0; ≥ 37.3 is a fever and is escalated.")
    health_code: Any = Field("", description="green | yellow | red (yellow and red are escalated).")
    itinerary_code: Any = Field("", description="normal | starred")
    vaccination: Any = Field("", description="none | partial | full | booster")
    latest_test_on: Any = Field(None, description="Date of the latest nucleic-acid result (YYYY-MM-DD).")
    vehicle_plate: Any = ""
    passengers: Any = None
    came_from: Any = Field("", description="Where the person came from (matched against risk areas).")
    reason: Any = ""
    destination: Any = ""
    occurred_at: Any = Field(None, description="ISO 8601; future or older than 7 days is stored but flagged.")


class BatchIn(Schema):
    items: list[RegistrationIn] = Field(..., min_length=1, max_length=MAX_BATCH)
    source: Literal["api", "gate"] = Field(
        "api", description="gate: sent by the gate page's offline queue (staff at the gate); api: a device or system."
    )


class AlertOut(Schema):
    id: int
    reasons: list[str] = Field(
        description="fever | red_code | yellow_code | leaving_under_measure | risk_area_returnee"
    )
    next_step: str = Field(description="hold | fever_clinic | refuse")
    key_person_id: int | None


class ItemResult(Schema):
    client_id: str
    status: Literal["created", "duplicate", "rejected"]
    errors: dict[str, list[str]] = Field(default_factory=dict)
    alert: AlertOut | None = None


class BatchOut(Schema):
    results: list[ItemResult]


class ColocatedItem(Schema):
    registration_id: int
    checkpoint_id: int
    person_id: int | None
    name: str
    document_number: str = Field(description="Masked.")
    phone: str = Field(description="Masked.")
    direction: str
    occurred_at: dt.datetime
    matched_registration_id: int | None = Field(
        None, description="By person: the person's own passage this one was near."
    )


class ColocatedOut(Schema):
    items: list[ColocatedItem]
    count: int
    truncated: bool


class ColocatedQuery(Schema):
    # Required, but checked after the caller's permission, so a refusal never depends on the input.
    from_: AnyDateTime | None = Field(None, alias="from", description="Start of the window (ISO 8601); required.")
    to: AnyDateTime | None = Field(None, description="End of the window, at most 31 days after `from`; required.")
    person_id: DbId | None = Field(None, description="Who passed near this person's own passages.")
    checkpoint_id: DbId | None = Field(None, description="Who passed this checkpoint in the window.")
    margin_minutes: int = Field(30, ge=0, le=1440, description="± minutes around each of the person's passages.")
