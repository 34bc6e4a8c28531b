from __future__ import annotations

from datetime import datetime

from ninja import Schema
from pydantic import Field

from fangkong.api.types import CleanStr


class TokenIn(Schema):
    username: CleanStr = Field(min_length=1, max_length=150)
    password: CleanStr = Field(min_length=1, max_length=4096)
    valid_days: int | None = Field(
        None, ge=1, le=365, description="Days until the token stops working on its own; without it, until revoked."
    )


class TokenOut(Schema):
    token: str = Field(description="Shown once; send it as 'Authorization: Bearer <token>'.")
    expires_at: datetime | None = Field(None, description="When the token stops working; null: until revoked.")


class MembershipOut(Schema):
    place_id: int
    place_name: str
    place_type: str
    role: str
    role_label: str
    hq_group: str


class MeOut(Schema):
    username: str
    display_name: str
    memberships: list[MembershipOut]
    permissions: list[str] = Field(description="The permissions the web UI switches on, as 'app.codename'.")
