"""A reservation made through the API reaches the charger, is honoured when its token starts
a charge there, expires on time, and can be cancelled; a 2.0.1 station's own updates end it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from ocpp.routing import on
from ocpp.v16 import ChargePoint as V16ChargePoint
from ocpp.v16 import call as call16
from ocpp.v16 import call_result as result16
from ocpp.v16.enums import Action as Action16
from ocpp.v201 import ChargePoint as V201ChargePoint
from ocpp.v201 import call as call201
from ocpp.v201 import call_result as result201
from ocpp.v201.enums import Action as Action201

from steppe.app import Steppe, running
from tests.api.commands_helpers import PASSWORD, register
from tests.e2e.charger import connect_v16, connect_v201
from tests.e2e.v201_steps import boot

TAG = "RES-TAG"


@pytest.fixture
async def steppe(make_steppe: Callable[..., Steppe]) -> AsyncIterator[Steppe]:
    """With expiry checked five times a second."""
    async with running(make_steppe(reservation_check_interval=0.2)) as app:
        yield app


class Reserving16(V16ChargePoint):
    """Accepts reservations except on connector 2 (occupied), cancels on request."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reserved: list[dict[str, Any]] = []
        self.cancelled: list[int] = []

    @on(Action16.reserve_now)
    async def reserve(self, connector_id: int, **payload: Any) -> result16.ReserveNow:
        self.reserved.append({"connector_id": connector_id, **payload})
        return result16.ReserveNow(status="Occupied" if connector_id == 2 else "Accepted")

    @on(Action16.cancel_reservation)
    async def cancel(self, reservation_id: int) -> result16.CancelReservation:
        self.cancelled.append(reservation_id)
        return result16.CancelReservation(status="Accepted")


class Reserving201(V201ChargePoint):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reserved: list[dict[str, Any]] = []

    @on(Action201.reserve_now)
    async def reserve(self, **payload: Any) -> result201.ReserveNow:
        self.reserved.append(payload)
        return result201.ReserveNow(status="Accepted")


def soon(seconds: float) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat()


async def status_of(api: httpx.AsyncClient, reservation_id: int) -> str:
    status: str = (await api.get(f"/api/v1/reservations/{reservation_id}")).json()["status"]
    return status


async def test_a_reservation_is_honoured_expires_and_can_be_cancelled(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    """Reserve connector 1 for a token: the charger gets ReserveNow and the reservation is
    active; the token's StartTransaction naming it uses it. Another reservation expires at its
    time, a third is cancelled, and one on an occupied connector is rejected."""
    await register(api, "RES-1")
    await api.post("/api/v1/id-tokens", json={"id_token": TAG, "status": "Accepted"})
    async with connect_v16(steppe.ocpp_url, "RES-1", PASSWORD, cls=Reserving16) as cp:
        await cp.call(call16.BootNotification(charge_point_model="M", charge_point_vendor="V"))
        made = await api.post(
            "/api/v1/reservations",
            json={
                "station_id": "RES-1",
                "connector_id": 1,
                "id_token": TAG,
                "expires_at": soon(3600),
            },
        )
        assert made.status_code == 201, made.text
        reservation = made.json()
        assert reservation["status"] == "active" and reservation["station_status"] == "Accepted"
        assert cp.reserved[0]["id_tag"] == TAG
        assert cp.reserved[0]["reservation_id"] == reservation["id"]

        started = await cp.call(
            call16.StartTransaction(
                connector_id=1,
                id_tag=TAG,
                meter_start=0,
                timestamp=datetime.now(UTC).isoformat(),
                reservation_id=reservation["id"],
            )
        )
        used = (await api.get(f"/api/v1/reservations/{reservation['id']}")).json()
        assert used["status"] == "used" and used["transaction_pk"] == started.transaction_id

        short = await api.post(
            "/api/v1/reservations",
            json={"station_id": "RES-1", "connector_id": 1, "id_token": TAG, "expires_at": soon(3)},
        )
        short_id = short.json()["id"]
        assert short.json()["status"] == "active"
        for _ in range(150):
            if await status_of(api, short_id) == "expired":
                break
            await asyncio.sleep(0.1)
        assert await status_of(api, short_id) == "expired"

        third = await api.post(
            "/api/v1/reservations",
            json={
                "station_id": "RES-1",
                "id_token": TAG,
                "expires_at": soon(600),
                "reservation_id": 77,
            },
        )
        assert third.json()["id"] == 77
        cancelled = await api.delete("/api/v1/reservations/77")
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
        assert cp.cancelled == [77]

        occupied = await api.post(
            "/api/v1/reservations",
            json={
                "station_id": "RES-1",
                "connector_id": 2,
                "id_token": TAG,
                "expires_at": soon(60),
            },
        )
        assert occupied.json()["status"] == "rejected"
        assert occupied.json()["station_status"] == "Occupied"
        past = await api.post(
            "/api/v1/reservations",
            json={"station_id": "RES-1", "id_token": TAG, "expires_at": soon(-60)},
        )
        assert past.status_code == 422
    listed = (await api.get("/api/v1/reservations", params={"station_id": "RES-1"})).json()
    assert sorted(r["status"] for r in listed["items"]) == [
        "cancelled",
        "expired",
        "rejected",
        "used",
    ]


async def test_a_201_reservation_keeps_the_token_type_and_ends_when_the_station_says(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    """ReserveNow carries the stored token's type; ReservationStatusUpdate Removed ends it."""
    await register(api, "RES-2")
    token = {"id_token": "RES-201", "status": "Accepted", "type": "ISO14443"}
    assert (await api.post("/api/v1/id-tokens", json=token)).status_code == 201
    async with connect_v201(steppe.ocpp_url, "RES-2", PASSWORD, cls=Reserving201) as cp:
        await boot(cp)
        made = await api.post(
            "/api/v1/reservations",
            json={
                "station_id": "RES-2",
                "evse_id": 1,
                "id_token": "RES-201",
                "expires_at": soon(600),
            },
        )
        reservation = made.json()
        assert reservation["id_token_type"] == "ISO14443"
        assert cp.reserved[0]["id_token"] == {"id_token": "RES-201", "type": "ISO14443"}
        await cp.call(
            call201.ReservationStatusUpdate(
                reservation_id=reservation["id"], reservation_update_status="Removed"
            )
        )
    assert await status_of(api, reservation["id"]) == "removed"
