"""Firmware rollouts to many stations in waves, and each station's jobs (firmware, logs)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from steppe.api.deps import Context, Operator, Viewer
from steppe.domain.firmware.models import Job, JobKind, JobStatus, Rollout, RolloutStatus

router = APIRouter(tags=["firmware"])
StationPath = Annotated[str, Path(max_length=48)]


class RolloutCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    station_ids: list[str] = Field(..., min_length=1, max_length=100_000)
    location: str = Field(..., max_length=512)
    retrieve_at: AwareDatetime | None = Field(None, description="default: at once")
    wave_size: int = Field(10, ge=1)
    max_failures: int = Field(0, ge=0, description="halt once more stations than this failed")
    wave_timeout: int = Field(3600, ge=1, description="seconds a wave may take")
    signing_certificate: str | None = Field(None, max_length=5500)
    signature: str | None = Field(None, max_length=800)


class JobOut(BaseModel):
    id: int
    kind: JobKind
    station_id: str
    request_id: int | None
    rollout_id: str | None
    wave: int | None
    status: JobStatus
    station_status: str | None = Field(description="the station's last notification or answer")
    detail: str | None
    created_at: datetime
    sent_at: datetime | None
    updated_at: datetime
    finished_at: datetime | None

    @classmethod
    def of(cls, job: Job) -> JobOut:
        return cls.model_validate(job, from_attributes=True)


class RolloutOut(BaseModel):
    id: str
    location: str
    retrieve_at: datetime | None
    wave_size: int
    max_failures: int
    wave_timeout: int
    status: RolloutStatus
    wave: int = Field(description="the wave sent last (0: none yet)")
    reason: str | None
    created_by: str | None
    created_at: datetime
    finished_at: datetime | None
    counts: dict[str, int] = Field(description="stations by job status")

    @classmethod
    def of(cls, rollout: Rollout) -> RolloutOut:
        return cls.model_validate(rollout, from_attributes=True)


class RolloutDetail(RolloutOut):
    jobs: list[JobOut]


@router.post(
    "/api/v1/firmware/rollouts",
    status_code=201,
    response_model=RolloutOut,
    summary="Roll a firmware out to many stations in waves, halting past a failure threshold",
)
async def create_rollout(body: RolloutCreate, context: Context, who: Operator) -> RolloutOut:
    rollout = await context.services.rollouts.create(
        who.actor, body.station_ids, **body.model_dump(exclude={"station_ids"})
    )
    return RolloutOut.of(rollout)


@router.get(
    "/api/v1/firmware/rollouts", response_model=list[RolloutOut], summary="Firmware rollouts"
)
async def list_rollouts(context: Context, _: Viewer) -> list[RolloutOut]:
    return [RolloutOut.of(r) for r in await context.services.rollouts.list()]


@router.get(
    "/api/v1/firmware/rollouts/{rollout_id}",
    response_model=RolloutDetail,
    summary="One rollout with the job of each station",
)
async def get_rollout(
    rollout_id: Annotated[str, Path(max_length=32)], context: Context, _: Viewer
) -> RolloutDetail:
    rollouts = context.services.rollouts
    rollout = await rollouts.get(rollout_id)
    jobs = await rollouts.jobs(rollout_id)
    return RolloutDetail(**RolloutOut.of(rollout).model_dump(), jobs=[JobOut.of(j) for j in jobs])


@router.post(
    "/api/v1/firmware/rollouts/{rollout_id}/cancel",
    response_model=RolloutOut,
    summary="Cancel a rollout: the waves not sent yet are skipped",
)
async def cancel_rollout(
    rollout_id: Annotated[str, Path(max_length=32)], context: Context, _: Operator
) -> RolloutOut:
    return RolloutOut.of(await context.services.rollouts.cancel(rollout_id))


@router.get(
    "/api/v1/stations/{station_id}/jobs",
    response_model=list[JobOut],
    summary="A station's firmware updates, log uploads and publications, newest first",
)
async def station_jobs(
    station_id: StationPath,
    context: Context,
    _: Viewer,
    kind: JobKind | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[JobOut]:
    await context.services.stations.get(station_id)
    jobs = await context.services.firmware_jobs.of_station(station_id, kind=kind, limit=limit)
    return [JobOut.of(j) for j in jobs]
