"""A simulated OCPP 1.6 charger on the lean WebSocket client, and the tally its calls feed."""

from __future__ import annotations

import asyncio
import base64
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from bench.histogram import Histogram
from bench.wsclient import ClientSocket, connect

CALL, CALLRESULT, CALLERROR = 2, 3, 4
ENERGY_STEP_WH = 10
MAX_ERROR_SAMPLES = 5


@dataclass
class Tally:
    """What a group of chargers saw during one phase; merged across worker processes."""

    sent: int = 0
    answered: int = 0
    measured: int = 0
    call_errors: int = 0
    failures: int = 0
    server_calls: int = 0
    booted: int = 0
    first_boot_at: float = 0.0
    last_boot_at: float = 0.0
    latency: Histogram = field(default_factory=Histogram)
    per_action: dict[str, int] = field(default_factory=dict)
    action_latency: dict[str, Histogram] = field(default_factory=dict)
    error_samples: list[str] = field(default_factory=list)
    chargers: list[tuple[str, int | None, int, int]] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return self.call_errors + self.failures

    def note_error(self, text: str) -> None:
        if len(self.error_samples) < MAX_ERROR_SAMPLES:
            self.error_samples.append(text[:300])

    def merge(self, other: Tally) -> None:
        self.sent += other.sent
        self.answered += other.answered
        self.measured += other.measured
        self.call_errors += other.call_errors
        self.failures += other.failures
        self.server_calls += other.server_calls
        self.booted += other.booted
        if other.booted:
            firsts = [t for t in (self.first_boot_at, other.first_boot_at) if t]
            self.first_boot_at = min(firsts) if firsts else 0.0
            self.last_boot_at = max(self.last_boot_at, other.last_boot_at)
        self.latency.merge(other.latency)
        for action, n in other.per_action.items():
            self.per_action[action] = self.per_action.get(action, 0) + n
        for action, histogram in other.action_latency.items():
            self.action_latency.setdefault(action, Histogram()).merge(histogram)
        for sample in other.error_samples:
            self.note_error(sample)
        self.chargers.extend(other.chargers)


class CallError(Exception):
    """The server answered a call with a CALLERROR."""


def basic_auth(station_id: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{station_id}:{password}".encode()).decode()


def now_iso() -> str:
    # Microseconds: a charger answered within a millisecond sends its next reading with a new
    # timestamp (samples are unique per station, EVSE, time and measurand).
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def meter_value(transaction_id: int, energy_wh: int) -> dict[str, Any]:
    return {
        "connectorId": 1,
        "transactionId": transaction_id,
        "meterValue": [
            {
                "timestamp": now_iso(),
                "sampledValue": [
                    {
                        "value": str(energy_wh),
                        "context": "Sample.Periodic",
                        "measurand": "Energy.Active.Import.Register",
                        "unit": "Wh",
                    }
                ],
            }
        ],
    }


class Charger:
    """One station: its socket, its message ids, its transaction and meter reading."""

    def __init__(self, station_id: str, url: str, password: str, tally: Tally) -> None:
        self.station_id = station_id
        self.url = f"{url}/{station_id}"
        self.password = password
        self.tally = tally
        self.ws: ClientSocket | None = None
        self.transaction_id: int | None = None
        self.energy_wh = 0
        self.meter_values_acked = 0
        self._seq = 0

    async def connect(self, open_timeout: float) -> None:
        self.ws = await connect(
            self.url,
            subprotocol="ocpp1.6",
            headers={"Authorization": basic_auth(self.station_id, self.password)},
            open_timeout=open_timeout,
        )

    async def close(self) -> None:
        if self.ws is not None:
            ws, self.ws = self.ws, None
            try:
                await asyncio.wait_for(ws.close(), 10)
            except (OSError, TimeoutError):
                if ws.transport is not None:
                    ws.transport.abort()

    async def call(self, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Send one CALL and wait for its answer; raise CallError on a CALLERROR."""
        ws = self.ws
        assert ws is not None
        self._seq += 1
        message_id = str(self._seq)
        await ws.send(orjson.dumps([CALL, message_id, action, payload]), text=True)
        self.tally.sent += 1
        while True:
            frame = orjson.loads(await ws.recv())
            kind = frame[0]
            if kind == CALL:  # the server asks something: answer politely and keep waiting
                self.tally.server_calls += 1
                await ws.send(orjson.dumps([CALLRESULT, frame[1], {}]), text=True)
                continue
            if frame[1] != message_id:
                continue
            if kind == CALLRESULT:
                self.tally.answered += 1
                per_action = self.tally.per_action
                per_action[action] = per_action.get(action, 0) + 1
                result: dict[str, Any] = frame[2]
                return result
            self.tally.call_errors += 1
            self.tally.note_error(f"{self.station_id} {action}: {frame[2]} {frame[3]}")
            raise CallError(frame[2])

    async def boot(self) -> None:
        reply = await self.call(
            "BootNotification",
            {"chargePointVendor": "Steppe-Bench", "chargePointModel": "LoadGen-1"},
        )
        if reply.get("status") != "Accepted":
            self.tally.failures += 1
            self.tally.note_error(f"{self.station_id} boot {reply}")
            raise CallError("boot not accepted")

    async def status(self, status: str) -> None:
        await self.call(
            "StatusNotification",
            {"connectorId": 1, "errorCode": "NoError", "status": status, "timestamp": now_iso()},
        )

    async def start_transaction(self, id_tag: str) -> None:
        reply = await self.call(
            "StartTransaction",
            {
                "connectorId": 1,
                "idTag": id_tag,
                "meterStart": self.energy_wh,
                "timestamp": now_iso(),
            },
        )
        if reply.get("idTagInfo", {}).get("status") != "Accepted":
            self.tally.failures += 1
            self.tally.note_error(f"{self.station_id} start {reply}")
            raise CallError("transaction not accepted")
        self.transaction_id = int(reply["transactionId"])

    async def meter_values(self) -> None:
        assert self.transaction_id is not None
        self.energy_wh += ENERGY_STEP_WH
        await self.call("MeterValues", meter_value(self.transaction_id, self.energy_wh))
        self.meter_values_acked += 1

    async def stop_transaction(self, id_tag: str) -> None:
        assert self.transaction_id is not None
        await self.call(
            "StopTransaction",
            {
                "transactionId": self.transaction_id,
                "idTag": id_tag,
                "meterStop": self.energy_wh,
                "timestamp": now_iso(),
                "reason": "Local",
            },
        )
        self.transaction_id = None

    async def heartbeat(self) -> None:
        await self.call("Heartbeat", {})

    def report(self) -> tuple[str, int | None, int, int]:
        return (self.station_id, self.transaction_id, self.energy_wh, self.meter_values_acked)


def failed(tally: Tally, station_id: str, exc: BaseException) -> None:
    """Count a lost connection, refused handshake or timeout (a CALLERROR is counted already)."""
    if isinstance(exc, CallError):
        return
    tally.failures += 1
    tally.note_error(f"{station_id}: {type(exc).__name__}: {exc}")


def wall() -> float:
    return time.time()
