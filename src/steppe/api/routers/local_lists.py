"""Stations' local authorization lists: manage one, synchronise it, read it, stop managing it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, ConfigDict, Field

from steppe.api.deps import Context, Operator, Viewer
from steppe.domain.local_lists.models import ListEntry, ListState, LocalList, SyncReport

router = APIRouter(prefix="/api/v1/stations", tags=["local lists"])
StationPath = Annotated[str, Path(max_length=48)]


class SyncRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    full: bool = Field(False, description="send the whole list even if the station's is current")


class EntryOut(BaseModel):
    id_token: str
    id_token_type: str
    status: str
    expires_at: datetime | None
    parent_id_token: str | None

    @classmethod
    def of(cls, e: ListEntry) -> EntryOut:
        return cls.model_validate(e, from_attributes=True)


class LocalListOut(BaseModel):
    station_id: str
    version: int = Field(description="the version the station last accepted from Steppe")
    station_version: int | None = Field(description="what the station said, last time asked")
    status: ListState
    last_error: str | None
    synced_at: datetime | None
    entries: int

    @classmethod
    def of(cls, state: LocalList) -> LocalListOut:
        return cls.model_validate(state, from_attributes=True)


class LocalListDetail(LocalListOut):
    items: list[EntryOut]


class SyncOut(BaseModel):
    update_type: str | None = Field(description="Full, Differential, or null: nothing to send")
    messages: int
    version: int
    status: ListState

    @classmethod
    def of(cls, report: SyncReport) -> SyncOut:
        return cls(
            update_type=report.update_type,
            messages=report.messages,
            version=report.version,
            status=report.status,
        )


@router.get(
    "/{station_id}/local-list",
    response_model=LocalListDetail,
    summary="The local list Steppe keeps on a station, with its entries",
)
async def get_local_list(station_id: StationPath, context: Context, _: Viewer) -> LocalListDetail:
    lists = context.services.local_lists
    state = await lists.get(station_id)
    entries = await lists.entries(station_id)
    return LocalListDetail(
        **LocalListOut.of(state).model_dump(), items=[EntryOut.of(e) for e in entries]
    )


@router.post(
    "/{station_id}/local-list/sync",
    response_model=SyncOut,
    summary="Manage the station's local list and bring it up to date now (full or differential)",
)
async def sync_local_list(
    station_id: StationPath, context: Context, who: Operator, body: SyncRequest | None = None
) -> SyncOut:
    await context.services.stations.get(station_id)
    full = body.full if body is not None else False
    report = await context.services.local_list_sync.sync(who.actor, station_id, full=full)
    return SyncOut.of(report)


@router.delete(
    "/{station_id}/local-list",
    status_code=204,
    summary="Stop managing the station's local list (the station keeps what it has)",
)
async def forget_local_list(station_id: StationPath, context: Context, _: Operator) -> Response:
    await context.services.local_lists.forget(station_id)
    return Response(status_code=204)
