"""A station's charging profiles: set one (SetChargingProfile), clear them
(ClearChargingProfile), and read its composite schedule (GetCompositeSchedule). The list is
`GET /api/v1/stations/{station_id}/charging-profiles` (station_reports.py). Each is the
matching command, audited, answered with what the station said."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from steppe.api.deps import Context, Operator
from steppe.api.routers.commands import _send
from steppe.api.schemas.operator import CommandAnswer
from steppe.domain.commands.models import (
    ClearChargingProfile,
    GetCompositeSchedule,
    SetChargingProfile,
)
from steppe.types import MAX_INT32

router = APIRouter(prefix="/api/v1/stations", tags=["charging profiles"])
StationPath = Annotated[str, Path(max_length=48)]
EvseQuery = Annotated[int | None, Query(ge=0, le=MAX_INT32)]


class ProfileIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    evse_id: int = Field(0, ge=0, le=MAX_INT32, description="0: the whole station")
    profile: dict[str, object] = Field(
        ..., description="the station's version's own ChargingProfile (1.6 csChargingProfiles)"
    )


@router.post(
    "/{station_id}/charging-profiles",
    response_model=CommandAnswer,
    summary="Set a charging profile on the station; kept with the station's answer",
)
async def set_profile(
    station_id: StationPath, body: ProfileIn, context: Context, who: Operator
) -> CommandAnswer:
    params = SetChargingProfile(evse_id=body.evse_id, profile=dict(body.profile))
    return await _send(context, who, station_id, "set-charging-profile", params, None)


@router.delete(
    "/{station_id}/charging-profiles",
    response_model=CommandAnswer,
    summary="Clear the station's charging profiles matching the criteria (all without any)",
)
async def clear_profiles(
    station_id: StationPath,
    context: Context,
    who: Operator,
    profile_id: Annotated[int | None, Query(ge=0, le=MAX_INT32)] = None,
    evse_id: EvseQuery = None,
    purpose: Annotated[str | None, Query(max_length=32)] = None,
    stack_level: Annotated[int | None, Query(ge=0, le=MAX_INT32)] = None,
) -> CommandAnswer:
    params = ClearChargingProfile(
        profile_id=profile_id, evse_id=evse_id, purpose=purpose, stack_level=stack_level
    )
    return await _send(context, who, station_id, "clear-charging-profile", params, None)


@router.get(
    "/{station_id}/composite-schedule",
    response_model=CommandAnswer,
    summary="The station's composite schedule for an EVSE (GetCompositeSchedule)",
)
async def composite_schedule(
    station_id: StationPath,
    context: Context,
    who: Operator,
    evse_id: EvseQuery = 0,
    duration: Annotated[int, Query(gt=0, le=MAX_INT32)] = 3600,
    unit: Literal["A", "W"] | None = None,
) -> CommandAnswer:
    params = GetCompositeSchedule(
        evse_id=evse_id,
        duration=duration,
        charging_rate_unit=unit,
    )
    return await _send(context, who, station_id, "get-composite-schedule", params, None)
