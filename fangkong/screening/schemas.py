from __future__ import annotations

from typing import Literal

from ninja import Schema
from pydantic import Field

from fangkong.api.types import MAX_OFFSET, CleanStr, DbId

ClearStateName = Literal["new", "identified", "verified", "controlled", "released"]


class KeyPersonFilters(Schema):
    category: str = Field("", max_length=40, description="Category code of the protocol, e.g. close_contact.")
    clear_state: ClearStateName | Literal[""] = ""
    overdue: bool | None = Field(None, description="true: only overdue; false: only not overdue.")
    place_id: DbId | None = Field(None, description="Only key persons at or below this place.")
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class KeyPersonItem(Schema):
    id: int
    person_id: int
    category: str
    clear_state: ClearStateName
    measure: str = Field(description="central_quarantine | home_quarantine | home_monitoring | daily_check | none")
    place_id: int
    overdue: bool


class KeyPersonList(Schema):
    items: list[KeyPersonItem]
    count: int


class TransitionIn(Schema):
    to: Literal["identified", "verified", "controlled"]
    note: CleanStr = Field("", max_length=300)
    version: int | None = Field(
        None, ge=1, description="The version you read; a stale one answers 409 instead of overwriting."
    )


class CoverageCounts(Schema):
    place_id: int | None = Field(description="The child place; null for key persons held at the place itself.")
    name: str
    total: int
    by_category: dict[str, int]
    by_clear_state: dict[str, int]
    overdue: int
    unplaced: int
    outside_district: int


class CoverageOut(Schema):
    place_id: int
    name: str
    totals: CoverageCounts
    children: list[CoverageCounts]
