"""Chargers that answer operator commands, for the command and event tests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import websockets
from ocpp.routing import on
from ocpp.v16 import ChargePoint as V16ChargePoint
from ocpp.v16 import call_result as v16_result
from ocpp.v16.enums import Action as V16Action
from ocpp.v201 import ChargePoint as V201ChargePoint
from ocpp.v201 import call_result as v201_result
from ocpp.v201.enums import Action as V201Action

from tests.e2e.charger import basic_auth

PASSWORD = "command-test-passw0rd"


class RecordingV16(V16ChargePoint):
    """A 1.6 charger that accepts remote starts and resets and remembers what it was asked."""

    received: list[tuple[str, dict[str, Any]]]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.received = []

    @on(V16Action.remote_start_transaction)
    async def remote_start(self, **payload: Any) -> v16_result.RemoteStartTransaction:
        self.received.append(("RemoteStartTransaction", payload))
        return v16_result.RemoteStartTransaction(status="Accepted")

    @on(V16Action.reset)
    async def reset(self, **payload: Any) -> v16_result.Reset:
        self.received.append(("Reset", payload))
        return v16_result.Reset(status="Rejected")


class RecordingV201(V201ChargePoint):
    """A 2.0.1 charger that accepts remote starts and answers variable reads."""

    received: list[tuple[str, dict[str, Any]]]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.received = []

    @on(V201Action.request_start_transaction)
    async def request_start(self, **payload: Any) -> v201_result.RequestStartTransaction:
        self.received.append(("RequestStartTransaction", payload))
        return v201_result.RequestStartTransaction(status="Accepted")

    @on(V201Action.get_variables)
    async def get_variables(self, **payload: Any) -> v201_result.GetVariables:
        self.received.append(("GetVariables", payload))
        results = [
            {
                "attributeStatus": "Accepted",
                "attributeValue": "300",
                "component": item["component"],
                "variable": item["variable"],
            }
            for item in payload["get_variable_data"]
        ]
        return v201_result.GetVariables(get_variable_result=results)


async def register(api: httpx.AsyncClient, *station_ids: str) -> None:
    for station_id in station_ids:
        answer = await api.post("/api/v1/stations", json={"id": station_id, "password": PASSWORD})
        assert answer.status_code == 201, answer.text


@asynccontextmanager
async def connect_recording_v201(ocpp_url: str, station_id: str) -> AsyncIterator[RecordingV201]:
    """A connected RecordingV201 whose reader runs until the block ends."""
    async with websockets.connect(
        f"{ocpp_url}/{station_id}",
        subprotocols=["ocpp2.0.1"],  # type: ignore[list-item]
        additional_headers=basic_auth(station_id, PASSWORD),
        open_timeout=5,
    ) as ws:
        cp = RecordingV201(station_id, ws)
        reader = asyncio.create_task(cp.start())
        try:
            yield cp
        finally:
            reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)
