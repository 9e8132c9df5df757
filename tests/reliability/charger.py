"""A raw-frame 1.6 charger that behaves like a real one across crashes: it keeps each message
until the server acknowledges it, reconnecting and resending as often as it takes, and writes
down every acknowledgement it received (the `Ledger`)."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson
import websockets
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from tests.e2e.charger import basic_auth

PASSWORD = "reliability-password-1"
ID_TAG = "RELIABLE-1"
BASE = datetime(2026, 11, 1, tzinfo=UTC)
METER_VALUES_PER_TRANSACTION = 3
MAX_REFUSALS = 20  # CALLERRORs for one message before the charger reports it as refused


def stamp(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


@dataclass
class Ledger:
    """What the server acknowledged, as the chargers saw it."""

    starts: dict[tuple[str, int], str] = field(default_factory=dict)  # (station, cycle) -> tx id
    meter_start: dict[str, int] = field(default_factory=dict)  # tx id -> meter start
    samples: dict[str, set[datetime]] = field(default_factory=lambda: defaultdict(set))
    stops: dict[str, int] = field(default_factory=dict)  # tx id -> meter stop
    acks: int = 0
    resends: int = 0
    refusals: int = 0  # CALLERROR answers (each message is then sent again)


async def register(api: httpx.AsyncClient, station_ids: list[str]) -> None:
    """Register all stations with one password, and the id tag they charge with."""
    stations = [{"id": sid, "password": PASSWORD} for sid in station_ids]
    response = await api.post("/api/v1/stations/import", json={"stations": stations})
    assert response.status_code == 201, response.text
    response = await api.post("/api/v1/id-tokens", json={"id_token": ID_TAG, "status": "Accepted"})
    assert response.status_code == 201, response.text


class CrashProofCharger:
    """Charges in cycles (start, meter values, stop) until told to stop between two messages."""

    subprotocol = "ocpp1.6"
    boot: dict[str, Any] = {"chargePointVendor": "Reliable", "chargePointModel": "Crash"}

    def __init__(self, ocpp_url: str, station_id: str, number: int, ledger: Ledger) -> None:
        self.url = f"{ocpp_url}/{station_id}"
        self.station_id = station_id
        self.number = number
        self.ledger = ledger
        self.ws: ClientConnection | None = None
        self.in_flight = False
        self.last_error: list[Any] | None = None

    async def run(self, stop: asyncio.Event) -> None:
        cycle = 0
        try:
            while not stop.is_set():
                await self._cycle(cycle, stop)
                cycle += 1
        finally:
            if self.ws is not None:
                await self.ws.close()

    async def _cycle(self, cycle: int, stop: asyncio.Event) -> None:
        begin = BASE + timedelta(hours=cycle, seconds=self.number)
        meter_start = 1_000_000 * cycle + 1000 * self.number
        start = await self.deliver(
            "StartTransaction",
            {
                "connectorId": 1,
                "idTag": ID_TAG,
                "meterStart": meter_start,
                "timestamp": stamp(begin),
            },
        )
        tx = str(start["transactionId"])
        self.ledger.starts[(self.station_id, cycle)] = tx
        self.ledger.meter_start[tx] = meter_start
        for n in range(1, METER_VALUES_PER_TRANSACTION + 1):
            if stop.is_set():
                return
            moment = begin + timedelta(minutes=n)
            sample = {"value": str(meter_start + 500 * n), "unit": "Wh"}
            await self.deliver(
                "MeterValues",
                {
                    "connectorId": 1,
                    "transactionId": int(tx),
                    "meterValue": [{"timestamp": stamp(moment), "sampledValue": [sample]}],
                },
            )
            self.ledger.samples[tx].add(moment)
        if stop.is_set():
            return
        meter_stop = meter_start + 2000 + cycle
        await self.deliver(
            "StopTransaction",
            {
                "transactionId": int(tx),
                "meterStop": meter_stop,
                "timestamp": stamp(begin + timedelta(minutes=10)),
                "reason": "EVDisconnected",
            },
        )
        self.ledger.stops[tx] = meter_stop

    async def deliver(self, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Send until a CALLRESULT arrives (a new message id each time, as many chargers do)."""
        attempt = refused = 0
        while True:
            if refused >= MAX_REFUSALS:
                raise AssertionError(f"{self.station_id}: {action} refused: {self.last_error}")
            if attempt:
                self.ledger.resends += 1
                await asyncio.sleep(random.uniform(0.05, 0.2))
            attempt += 1
            try:
                ws = await self._connected()
                answer = await self._call(ws, action, payload)
            except (OSError, ConnectionClosed, InvalidHandshake, TimeoutError):
                self.ws = None
                continue
            if answer is None:
                refused += 1
                self.ledger.refusals += 1
            else:
                self.ledger.acks += 1
                await asyncio.sleep(random.uniform(0.01, 0.04))  # stay under the rate limit
                return answer

    async def _connected(self) -> ClientConnection:
        if self.ws is not None:
            return self.ws
        ws = await websockets.connect(
            self.url,
            subprotocols=[self.subprotocol],  # type: ignore[list-item]
            additional_headers=basic_auth(self.station_id, PASSWORD),
            open_timeout=5,
            ping_interval=None,
        )
        if await self._call(ws, "BootNotification", self.boot) is None:
            await ws.close()
            raise ConnectionError("boot not acknowledged")
        self.ws = ws
        return ws

    async def _call(
        self, ws: ClientConnection, action: str, payload: dict[str, Any]
    ) -> dict[str, Any] | None:
        """The CALLRESULT payload, or None for a CALLERROR."""
        message_id = uuid.uuid4().hex
        self.in_flight = True
        try:
            await ws.send(orjson.dumps([2, message_id, action, payload]).decode())
            async with asyncio.timeout(10):
                while True:
                    frame = orjson.loads(await ws.recv())
                    if frame[0] in (3, 4) and frame[1] == message_id:
                        if frame[0] == 3:
                            return dict(frame[2])
                        self.last_error = frame
                        return None
        finally:
            self.in_flight = False


class CrashProofCharger201(CrashProofCharger):
    """The same cycles in OCPP 2.0.1: TransactionEvent Started, Updated x3, Ended, with seqNo."""

    subprotocol = "ocpp2.0.1"
    boot = {"chargingStation": {"vendorName": "Reliable", "model": "Crash"}, "reason": "PowerUp"}

    async def _cycle(self, cycle: int, stop: asyncio.Event) -> None:
        begin = BASE + timedelta(hours=cycle, seconds=self.number)
        meter_start = 1_000_000 * cycle + 1000 * self.number
        tx = f"T-{self.station_id}-{cycle}"
        meter_stop = meter_start + 2000 + cycle
        steps: list[tuple[str, int, str, int]] = [
            ("Started", 0, "Transaction.Begin", meter_start),
            *(("Updated", n, "Sample.Periodic", meter_start + 500 * n) for n in (1, 2, 3)),
            ("Ended", 4, "Transaction.End", meter_stop),
        ]
        for kind, seq_no, context, wh in steps:
            if stop.is_set() and kind != "Started":
                return
            moment = begin + timedelta(minutes=10 if kind == "Ended" else seq_no)
            value = {"value": wh, "measurand": "Energy.Active.Import.Register", "context": context}
            info: dict[str, Any] = {"transactionId": tx, "chargingState": "Charging"}
            payload: dict[str, Any] = {
                "eventType": kind,
                "timestamp": stamp(moment),
                "triggerReason": "MeterValuePeriodic",
                "seqNo": seq_no,
                "transactionInfo": info,
                "meterValue": [{"timestamp": stamp(moment), "sampledValue": [value]}],
            }
            if kind == "Started":
                payload["triggerReason"] = "Authorized"
                payload["idToken"] = {"idToken": ID_TAG, "type": "ISO14443"}
                payload["evse"] = {"id": 1, "connectorId": 1}
            if kind == "Ended":
                payload["triggerReason"] = "EVCommunicationLost"
                info.update(chargingState="Idle", stoppedReason="EVDisconnected")
            await self.deliver("TransactionEvent", payload)
            self.ledger.samples[tx].add(moment)
            if kind == "Started":
                self.ledger.starts[(self.station_id, cycle)] = tx
                self.ledger.meter_start[tx] = meter_start
            elif kind == "Ended":
                self.ledger.stops[tx] = meter_stop
