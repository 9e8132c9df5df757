"""Reservations: make one (ReserveNow), read them, cancel one (CancelReservation)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from steppe.api.deps import Context, Operator, Viewer
from steppe.api.schemas.reservations import ReservationCreate, ReservationOut, ReservationPage
from steppe.domain.commands.models import CancelReservation, ReserveNow
from steppe.domain.reservations.models import ReservationStatus

router = APIRouter(prefix="/api/v1/reservations", tags=["reservations"])
IdPath = Annotated[int, Path(ge=1)]


@router.post(
    "",
    status_code=201,
    response_model=ReservationOut,
    summary="Reserve an EVSE for a token (ReserveNow); the answer says what the station said",
)
async def reserve(body: ReservationCreate, context: Context, who: Operator) -> ReservationOut:
    params = ReserveNow(**body.model_dump(exclude={"station_id"}))
    sent = await context.services.commands.send(who.actor, body.station_id, "reserve-now", params)
    assert isinstance(sent.params, ReserveNow) and sent.params.reservation_id is not None
    return ReservationOut.of(await context.services.reservations.get(sent.params.reservation_id))


@router.get("", response_model=ReservationPage, summary="List reservations, newest first")
async def list_reservations(
    context: Context,
    _: Viewer,
    station_id: Annotated[str | None, Query(max_length=48)] = None,
    status: ReservationStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> ReservationPage:
    items = await context.services.reservations.list(
        station_id=station_id, status=status, limit=limit
    )
    return ReservationPage(items=[ReservationOut.of(r) for r in items])


@router.get("/{reservation_id}", response_model=ReservationOut, summary="One reservation")
async def get_reservation(reservation_id: IdPath, context: Context, _: Viewer) -> ReservationOut:
    return ReservationOut.of(await context.services.reservations.get(reservation_id))


@router.delete(
    "/{reservation_id}",
    response_model=ReservationOut,
    summary="Cancel a reservation (CancelReservation to its station)",
)
async def cancel_reservation(
    reservation_id: IdPath, context: Context, who: Operator
) -> ReservationOut:
    reservation = await context.services.reservations.get(reservation_id)
    params = CancelReservation(reservation_id=reservation_id)
    await context.services.commands.send(
        who.actor, reservation.station_id, "cancel-reservation", params
    )
    return ReservationOut.of(await context.services.reservations.get(reservation_id))
