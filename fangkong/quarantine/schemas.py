from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Schema
from pydantic import Field

from fangkong.api.types import MAX_OFFSET, DbId


class SiteFilters(Schema):
    status: Literal["in_use", "reserve", "disinfecting", "closed", ""] = ""
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class SiteItem(Schema):
    id: int
    name: str
    kind: str = Field(description="hotel | facility")
    status: str = Field(description="in_use | reserve | disinfecting | closed")
    address: str
    place_id: int
    rooms: int
    free: int


class SiteList(Schema):
    items: list[SiteItem]
    count: int


class RoomFilters(Schema):
    status: Literal["free", "occupied", "cleaning", "out_of_service", ""] = ""
    limit: int = Field(500, ge=1, le=5000)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class RoomItem(Schema):
    id: int
    number: str
    floor: int
    room_type: str = Field(description="single | double | family")
    capacity: int
    occupants: int
    status: str = Field(description="free | occupied | cleaning | out_of_service")


class RoomList(Schema):
    items: list[RoomItem]
    count: int


class PlacementIn(Schema):
    person_id: DbId = Field(description="A person under an active measure, in your jurisdiction.")
    room_id: DbId


class PlacementOut(Schema):
    id: int
    person_id: int
    measure_id: int
    site_id: int
    room_id: int
    room: str
    placed_at: dt.datetime
    expected_end: dt.date
    ended_at: dt.datetime | None


class ReleaseIn(Schema):
    early_reason: str = Field(
        "", max_length=300, description="Required to release before the measure's end date; audited."
    )


class ReleaseOut(Schema):
    measure_id: int
    status: str
    released_at: dt.datetime
    certificate_code: str
    certificate_url: str
