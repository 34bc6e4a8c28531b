"""What the import API answers with."""

from __future__ import annotations

from ninja import Schema
from pydantic import Field


class ImportCreated(Schema):
    id: int
    status: str = Field(description="uploaded (mapping needs a person) | queued | running | done | failed | cancelled")
    reused: bool = Field(description="True when the same file was already uploaded here; nothing new was created.")
    missing_required: list[str] = Field(
        default_factory=list,
        description="Required fields no column was recognised as; map them on the job's page to continue.",
    )


class ImportStatus(Schema):
    id: int
    kind: str
    status: str
    rows_total: int | None
    rows_done: int
    accepted: int
    warnings: int
    rejected: int
    percent: float
    eta_seconds: int | None
    following_up: bool = Field(
        description="True while a done job's follow-up step runs (key persons from a push list, say)."
    )
    result_url: str | None = Field(description="The result workbook, once the import has finished.")
