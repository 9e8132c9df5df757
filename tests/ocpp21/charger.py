"""An independent 2.1 charger for tests: the `ocpp` library's v21 ChargePoint over a real
socket, and the steps it takes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import websockets
from ocpp.v21 import ChargePoint, call

from tests.e2e.charger import basic_auth

BASE = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
PASSWORD = "s3cret-passw0rd-21"
TAG = {"idToken": "TAG-21", "type": "ISO14443"}


def at(minutes: float) -> str:
    return (BASE + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


@asynccontextmanager
async def connect_v21(
    ocpp_url: str,
    station_id: str,
    password: str = PASSWORD,
    *,
    subprotocols: tuple[str, ...] = ("ocpp2.1",),
    cls: type[ChargePoint] = ChargePoint,
) -> AsyncIterator[ChargePoint]:
    """A connected 2.1 ChargePoint (Basic auth) whose reader runs until the block ends."""
    async with websockets.connect(
        f"{ocpp_url}/{station_id}",
        subprotocols=list(subprotocols),  # type: ignore[arg-type]
        additional_headers=basic_auth(station_id, password),
        open_timeout=5,
    ) as ws:
        cp = cls(station_id, ws)
        reader = asyncio.create_task(cp.start())
        try:
            yield cp
        finally:
            reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)


async def register(api: httpx.AsyncClient, station_id: str, password: str = PASSWORD) -> None:
    """The station and an accepted id token, as an operator would set them up."""
    created = await api.post("/api/v1/stations", json={"id": station_id, "password": password})
    assert created.status_code == 201, created.text
    token = await api.post("/api/v1/id-tokens", json={"id_token": TAG["idToken"]})
    assert token.status_code in (201, 409), token.text


async def boot(cp: ChargePoint) -> Any:
    return await cp.call(
        call.BootNotification(
            charging_station={"vendorName": "Steppe Test", "model": "V2X-21"}, reason="PowerUp"
        )
    )


def register_value(minutes: float, wh: float, context: str) -> dict[str, Any]:
    """A meter value with the energy register in Wh."""
    sampled = {"value": wh, "measurand": "Energy.Active.Import.Register", "context": context}
    return {"timestamp": at(minutes), "sampledValue": [sampled]}


def event(
    kind: str,
    tx_id: str,
    seq_no: int,
    minutes: float,
    *,
    trigger: str = "MeterValuePeriodic",
    meter: list[dict[str, Any]] | None = None,
    info: dict[str, Any] | None = None,
    **extra: Any,
) -> call.TransactionEvent:
    return call.TransactionEvent(
        event_type=kind,
        timestamp=at(minutes),
        trigger_reason=trigger,
        seq_no=seq_no,
        transaction_info={"transactionId": tx_id, **(info or {})},
        meter_value=meter,
        **extra,
    )


async def charge(cp: ChargePoint, tx_id: str, start_wh: float, stop_wh: float, **ended: Any) -> Any:
    """A whole charge on EVSE 1: Started with the begin reading, Ended 30 minutes later; the
    answer to the Ended."""
    await cp.call(
        event(
            "Started",
            tx_id,
            0,
            0,
            trigger="Authorized",
            id_token=TAG,
            evse={"id": 1, "connectorId": 1},
            info={"chargingState": "Charging"},
            meter=[register_value(0, start_wh, "Transaction.Begin")],
        )
    )
    return await cp.call(
        event(
            "Ended",
            tx_id,
            1,
            30,
            trigger="EVDeparted",
            info={"stoppedReason": "EVDisconnected", "chargingState": "Idle"},
            meter=[register_value(30, stop_wh, "Transaction.End")],
            **ended,
        )
    )


async def transaction(api: httpx.AsyncClient, tx_id: str, station_id: str) -> dict[str, Any]:
    answer = await api.get(f"/api/v1/transactions/{tx_id}", params={"station_id": station_id})
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body
