from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import Field

from fangkong.api.types import MAX_OFFSET, CleanStr, DbId, PastDate

DocumentTypeName = Literal["resident_id", "passport", "hk_macau_pass", "other"]
SexCode = Literal["M", "F", ""]
ResidentTypeName = Literal["registered", "permanent", "floating", "temporary"]
TagName = Annotated[CleanStr, Field(max_length=30)]


class PersonFilters(Schema):
    place_id: DbId | None = Field(None, description="Only persons at or below this place.")
    q: CleanStr = Field("", max_length=100, description="Name prefix, full document number or mobile number.")
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class PersonListItem(Schema):
    id: int
    name: str
    document_type: DocumentTypeName
    document_number: str = Field(description="Masked, e.g. 410402********1234.")
    phone: str = Field(description="Masked, e.g. 138****5678.")
    place_id: int


class PersonList(Schema):
    items: list[PersonListItem]
    count: int


class PersonOut(Schema):
    id: int
    name: str
    document_type: DocumentTypeName
    document_number: str = Field(description="In full only with the people.view_full_person permission.")
    phone: str = Field(description="In full only with the people.view_full_person permission.")
    sex: SexCode
    birth_date: dt.date | None
    address: str = Field(description="In full only with the people.view_full_person permission.")
    registered_residence: str = Field(description="In full only with the people.view_full_person permission.")
    resident_type: ResidentTypeName
    tags: list[str]
    place_id: int
    version: int = Field(description="Send it back with PATCH; a stale version is refused with 409.")
    merged_into_id: int | None
    masked: bool = Field(description="True when personal values are masked for this caller.")


class PersonIn(Schema):
    name: CleanStr = Field(max_length=50)
    document_type: DocumentTypeName
    document_number: CleanStr = Field(
        max_length=40, description="Full-width digits, lower-case x and 15-digit IDs are normalised."
    )
    phone: CleanStr = Field(
        "", max_length=30, description="11-digit mainland mobile; spaces, dashes and +86 are removed."
    )
    place_id: DbId
    sex: SexCode = Field("", description="Derived from a resident ID; checked against it if given.")
    birth_date: PastDate | None = Field(None, description="Derived from a resident ID; checked against it if given.")
    address: CleanStr = Field("", max_length=200)
    registered_residence: CleanStr = Field("", max_length=200)
    resident_type: ResidentTypeName = "permanent"
    tags: list[TagName] = Field(default_factory=list, max_length=50)


# Default of a PATCH field that may be left out but not set to null: its type stays non-nullable
# in the OpenAPI document, and an explicit null is refused with a 422.
OMITTED: Any = None


class PersonPatch(Schema):
    """Only the fields sent are changed; `version` is the one read before editing."""

    version: int = Field(ge=1, le=2**31 - 1)
    name: CleanStr = Field(OMITTED, max_length=50)
    document_type: DocumentTypeName = OMITTED
    document_number: CleanStr = Field(OMITTED, max_length=40)
    phone: CleanStr | None = Field(None, max_length=30)
    place_id: DbId = OMITTED
    sex: SexCode | None = None
    birth_date: PastDate | None = None
    address: CleanStr | None = Field(None, max_length=200)
    registered_residence: CleanStr | None = Field(None, max_length=200)
    resident_type: ResidentTypeName = OMITTED
    tags: list[TagName] = Field(OMITTED, max_length=50)


class TimelineItem(Schema):
    at: dt.datetime
    kind: str = Field(description='Stable code "<app>.<what>", e.g. "quarantine.measure_started".')
    label: str = Field(description="The kind in the caller's language.")
    summary: str = Field(description="What happened; never a full ID number, phone or address.")
    url: str = Field(description="The record's page, or empty when the caller may not open it.")


class PersonTimeline(Schema):
    person_id: int
    items: list[TimelineItem] = Field(description="Newest first.")
    counts: dict[str, int] = Field(description="Events of each kind.")
