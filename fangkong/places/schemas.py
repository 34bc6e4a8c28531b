from __future__ import annotations

from typing import Literal

from ninja import Schema
from pydantic import Field

from fangkong.api.types import MAX_OFFSET, CleanStr

PlaceTypeName = Literal["district", "street", "community", "grid", "compound", "building", "household"]


class PlaceFilters(Schema):
    type: PlaceTypeName | None = None
    q: CleanStr = Field("", max_length=100, description="Part of the place name.")
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class PlaceOut(Schema):
    id: int
    name: str
    type: PlaceTypeName
    code: str
    parent_id: int | None = Field(description="Null at the top of your jurisdiction.")
    depth: int


class PlaceList(Schema):
    items: list[PlaceOut]
    count: int


class PlaceDetail(PlaceOut):
    address: str
    is_ownerless: bool
    cadre_name: str
    cadre_phone: str = Field(description="Masked.")


class ChildOut(PlaceOut):
    households: int
    persons: int


class ChildList(Schema):
    items: list[ChildOut]
    count: int


class SubtreeSummaryOut(Schema):
    place_id: int
    by_type: dict[str, int] = Field(description="Places below, by type (zero for the types that may occur).")
    persons: int
    floating: int
