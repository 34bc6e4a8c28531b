from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from ninja import Schema
from pydantic import Field

from fangkong.api.types import MAX_OFFSET, AnyDate, CleanStr, DbId, EventDate

SymptomName = Literal["fever", "cough", "sore_throat", "fatigue", "taste_smell", "diarrhoea", "breath", "other"]


class AlertFilters(Schema):
    status: Literal["open", "closed", ""] = Field("open", description="open (default) | closed | empty for all")
    kind: Literal["missed_report", "fever", "symptoms", ""] = ""
    urgency: Literal["normal", "urgent", ""] = ""
    measure_id: DbId | None = Field(None, description="Only this measure's alerts.")
    since: AnyDate | None = Field(None, description="Only alerts for this day or later.")
    mine: bool = Field(False, description="Only alerts assigned to you as the responsible worker.")
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class AlertItem(Schema):
    id: int
    measure_id: int
    person_id: int
    kind: str = Field(description="missed_report | fever | symptoms")
    urgency: str = Field(description="normal | urgent")
    date: dt.date
    slot: str = Field(description="morning | afternoon")
    detail: str
    status: str = Field(description="open | closed")
    assigned_to_id: int | None
    created_at: dt.datetime
    closed_at: dt.datetime | None
    close_note: str


class AlertList(Schema):
    items: list[AlertItem]
    count: int


class ReportIn(Schema):
    measure_id: DbId
    date: EventDate
    slot: Literal["morning", "afternoon"]
    temperature: Decimal = Field(description="°C; 34.0–43.0 (anything else is not a human body temperature: 422).")
    symptoms: list[SymptomName] = Field(default_factory=list, max_length=8)
    other_symptom: CleanStr = Field("", max_length=100)
    source: Literal["site_medic", "care_team", ""] = Field(
        "", description="Who measured; by default the site medic when the person is at a site, else the care team."
    )


class ReportOut(Schema):
    id: int
    measure_id: int
    date: dt.date
    slot: str
    temperature: Decimal
    symptoms: list[str]
    other_symptom: str
    source: str
    alerts: list[AlertItem] = Field(description="Alerts the report raised (fever, symptoms: urgent).")
