"""OCPI partner bodies for the operator API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from steppe.domain.roaming.models import OutboxItem, Partner


class PartnerCreate(BaseModel):
    name: str = Field(..., min_length=1, max_length=100)
    raw_token: bool = Field(
        False, description="send our token raw instead of base64 (for OCPI 2.1.1-style peers)"
    )


class PartnerCreated(BaseModel):
    id: str
    token_a: str = Field(..., description="hand this to the partner; shown once")
    versions_url: str


class PartnerConnect(BaseModel):
    versions_url: str = Field(..., min_length=8, max_length=255, pattern=r"^https?://")
    token: str = Field(..., min_length=1, max_length=64, description="the partner's token A")


class QueuedPush(BaseModel):
    module: str
    object_id: str
    full: bool
    attempts: int
    due_at: datetime
    last_error: str | None

    @classmethod
    def of(cls, item: OutboxItem) -> QueuedPush:
        return cls(
            module=item.module.value,
            object_id=item.object_id,
            full=item.full,
            attempts=item.attempts,
            due_at=item.due_at,
            last_error=item.last_error,
        )


class PartnerOut(BaseModel):
    id: str
    name: str
    state: str
    version: str | None
    versions_url: str | None
    roles: list[dict[str, Any]]
    modules: list[dict[str, Any]]
    queued: int = Field(..., description="pushes waiting in the outbox")
    healthy: bool | None = Field(None, description="false when the last push attempt failed")
    last_ok_at: datetime | None
    last_error_at: datetime | None
    last_error: str | None
    created_at: datetime

    @classmethod
    def of(cls, p: Partner) -> PartnerOut:
        healthy = None
        if p.last_ok_at is not None or p.last_error_at is not None:
            healthy = p.last_error_at is None or (
                p.last_ok_at is not None and p.last_ok_at >= p.last_error_at
            )
        return cls(
            id=p.id,
            name=p.name,
            state=p.state.value,
            version=p.version,
            versions_url=p.versions_url,
            roles=[dict(r) for r in p.roles],
            modules=[
                {"identifier": e.get("identifier"), "role": e.get("role")} for e in p.endpoints
            ],
            queued=p.queued,
            healthy=healthy,
            last_ok_at=p.last_ok_at,
            last_error_at=p.last_error_at,
            last_error=p.last_error,
            created_at=p.created_at,
        )


class PartnerDetail(PartnerOut):
    queue: list[QueuedPush]
