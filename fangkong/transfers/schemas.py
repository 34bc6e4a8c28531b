from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Schema
from pydantic import Field

from fangkong.api.types import MAX_OFFSET, AnyDate, AnyDateTime, CleanStr, DbId, EventDateTime

TaskStatus = Literal["planned", "en_route", "arrived", "cancelled"]
TaskKind = Literal["to_site", "to_hospital", "to_home", "fever_clinic"]


class VehicleFilters(Schema):
    status: Literal["available", "on_task", "disinfecting", "out_of_service", ""] = ""
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class VehicleItem(Schema):
    id: int
    plate: str
    kind: str = Field(description="ambulance | bus | van | car")
    seats: int = Field(description="Passenger seats (the crew aside).")
    status: str = Field(description="available | on_task | disinfecting | out_of_service")
    place_id: int


class VehicleList(Schema):
    items: list[VehicleItem]
    count: int


class TaskFilters(Schema):
    status: TaskStatus | Literal[""] = ""
    kind: TaskKind | Literal[""] = ""
    day: AnyDate | None = Field(None, description="Only tasks planned to leave on this day.")
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class TaskItem(Schema):
    id: int
    kind: str = Field(description="to_site | to_hospital | to_home | fever_clinic")
    status: str = Field(description="planned | en_route | arrived | cancelled")
    place_id: int
    from_address: str
    to_site_id: int | None
    to_text: str
    vehicle_id: int | None
    planned_at: dt.datetime
    departed_at: dt.datetime | None
    arrived_at: dt.datetime | None
    disinfected_at: dt.datetime | None
    passenger_count: int


class TaskList(Schema):
    items: list[TaskItem]
    count: int


class PassengerOut(Schema):
    measure_id: int | None = Field(description="None for a person taken to the fever clinic before any measure.")
    person_id: int
    name: str
    document_number: str = Field(description="Masked.")
    is_active: bool = Field(description="True while the task is planned or en route.")
    outcome: str = Field(description="What happened on arrival (placed in a room, or why not).")


class CrewOut(Schema):
    id: int
    role: str = Field(description="driver | medic | security | psychologist")
    name: str
    phone: str = Field(description="Masked.")


class TaskOut(TaskItem):
    reason: str
    arrival_note: str
    cancel_reason: str
    passengers: list[PassengerOut]
    crew: list[CrewOut]


class CrewIn(Schema):
    role: Literal["driver", "medic", "security", "psychologist"]
    name: CleanStr = Field(max_length=50)
    phone: str = Field("", max_length=20)


class TaskIn(Schema):
    kind: TaskKind
    measure_ids: list[DbId] = Field(
        min_length=1, max_length=60, description="Measures (persons under a measure) in your jurisdiction."
    )
    planned_at: AnyDateTime
    vehicle_id: DbId | None = Field(None, description="An available vehicle; may be assigned later.")
    to_site_id: DbId | None = Field(None, description="Required for to_site.")
    to_text: CleanStr = Field("", max_length=200, description="Hospital or address, for to_hospital and to_home.")
    from_address: CleanStr = Field("", max_length=200, description="Default: the first passenger's room or address.")
    reason: CleanStr = Field("", max_length=300)
    crew: list[CrewIn] = Field(default_factory=list, max_length=10)


class TimeIn(Schema):
    at: EventDateTime | None = Field(None, description="When it happened; default now. Never in the future.")


class ArriveIn(TimeIn):
    place_passengers: bool = Field(
        True, description="to_site: place each passenger in the next free room of the site (else leave unplaced)."
    )


class CancelIn(Schema):
    reason: CleanStr = Field(min_length=1, max_length=200)


class ArrivalOut(TaskOut):
    message: str
    unplaced_measure_ids: list[int]
