from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field


class PhaseOut(Schema):
    kind: str = Field(description="central_quarantine | home_quarantine | home_monitoring | daily_check | none")
    days: int
    test_days: list[int] = Field(description="Days of the phase (1 = its first day) on which a test is due.")


class CategoryOut(Schema):
    code: str
    name: str
    description: str
    measure: str = Field(description="The kind of the measure's first phase; 'none' without phases.")
    total_days: int
    phases: list[PhaseOut]
    release_conditions: str
    is_push_default: bool
    is_fever_default: bool = Field(description="The category a fever found at a checkpoint makes.")
    identify_within_hours: int | None = Field(description="Hours from report to identification; null: none set.")
    returnee_risk_level: str = Field(
        "", description="high/medium/low: the category a pushed person returning from an area of that risk level gets."
    )


class ProtocolOut(Schema):
    id: int
    code: str
    disease: str
    name: str
    edition: str
    effective_from: dt.date | None
    is_active: bool = Field(description="Whether it is the active protocol of your district.")
    categories: list[CategoryOut]
