"""Reservation bodies."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from steppe.domain.reservations.models import Reservation, ReservationStatus


class ReservationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    station_id: str = Field(..., min_length=1, max_length=48)
    id_token: str = Field(..., min_length=1, max_length=36)
    id_token_type: str | None = Field(None, max_length=20, description="2.0.1; default: stored")
    evse_id: int | None = Field(None, ge=0, description="2.0.1 EVSE, or absent for any")
    connector_id: int | None = Field(None, ge=0, description="1.6 connector; 0 or absent: any")
    expires_at: AwareDatetime
    reservation_id: int | None = Field(None, ge=1, description="made up when not given")
    parent_id_token: str | None = Field(None, max_length=36)


class ReservationOut(BaseModel):
    id: int
    station_id: str
    evse_id: int | None
    id_token: str
    id_token_type: str | None
    group_id_token: str | None
    expires_at: datetime
    status: ReservationStatus
    station_status: str | None = Field(description="the station's last word on it")
    transaction_pk: int | None = Field(description="the transaction that used it")
    created_at: datetime
    updated_at: datetime
    ended_at: datetime | None

    @classmethod
    def of(cls, r: Reservation) -> ReservationOut:
        return cls.model_validate(r, from_attributes=True)


class ReservationPage(BaseModel):
    items: list[ReservationOut]
