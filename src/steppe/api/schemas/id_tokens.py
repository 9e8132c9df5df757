"""Id token bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints

from steppe.api.schemas.values import Moment
from steppe.domain.tokens.models import IdToken

TokenValue = Annotated[str, StringConstraints(min_length=1, max_length=36)]
TokenStatusName = Literal["Accepted", "Blocked", "Expired", "Invalid", "ConcurrentTx"]
TokenType = Literal[
    "Central", "eMAID", "ISO14443", "ISO15693", "KeyCode", "Local", "MacAddress", "NoAuthorization"
]


class IdTokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id_token: TokenValue
    status: TokenStatusName = "Accepted"
    type: TokenType = "ISO14443"
    expires_at: Moment | None = None
    parent_id_token: TokenValue | None = None


class IdTokenUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: TokenStatusName | None = None
    type: TokenType | None = None
    expires_at: Moment | None = None
    parent_id_token: TokenValue | None = None


class IdTokenOut(BaseModel):
    id_token: str
    status: str
    type: str
    expires_at: datetime | None
    parent_id_token: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, token: IdToken) -> IdTokenOut:
        return cls(
            id_token=token.id_token,
            status=token.status.value,
            type=token.type,
            expires_at=token.expires_at,
            parent_id_token=token.parent_id_token,
            created_at=token.created_at,
            updated_at=token.updated_at,
        )


class IdTokenPage(BaseModel):
    items: list[IdTokenOut]
    next: str | None
