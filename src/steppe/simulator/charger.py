"""A simulated charger: boots, reports status, and charges cars in realistic sessions.

A session: plug in (Preparing), Authorize, start, meter values every `meter_interval` seconds at
the profile's power, stop (EVDisconnected, or Remote when the server asks), back to Available.
The server's own calls are answered the way a well-behaved charger answers them; a remote start
begins a session with the id token it names.
"""

from __future__ import annotations

import asyncio
import logging
import random
import ssl
from dataclasses import dataclass, field
from typing import Any

from steppe.simulator.dialects import DIALECTS, SessionState, now_iso
from steppe.simulator.link import CallRefused, Link

log = logging.getLogger("steppe.simulator")


@dataclass(frozen=True)
class ChargerProfile:
    """How one simulated charger behaves. Times are in real seconds."""

    station_id: str
    password: str | None = None
    ocpp_version: str = "1.6"
    connectors: int = 2
    power_kw: float = 22.0
    id_tokens: tuple[str, ...] = ("SIM-TOKEN",)
    sessions: int | None = None  # None: keep charging until stopped
    idle_seconds: tuple[float, float] = (2.0, 10.0)
    session_seconds: tuple[float, float] = (30.0, 120.0)
    meter_interval: float = 10.0
    time_scale: float = 1.0  # simulated seconds of charging per real second
    heartbeat_max: float = 300.0
    vendor: str = "Steppe"
    model: str = "Simulated AC/DC"
    seed: int | None = None


@dataclass
class ChargerStats:
    calls: int = 0
    refused: int = 0
    sessions_started: int = 0
    sessions_completed: int = 0
    energy_wh: int = 0
    errors: list[str] = field(default_factory=list)


class Charger:
    """One simulated charger on one WebSocket."""

    def __init__(
        self, profile: ChargerProfile, url: str, *, ssl_context: ssl.SSLContext | None = None
    ) -> None:
        self.profile = profile
        self.url = url
        self.ssl_context = ssl_context
        self.dialect = DIALECTS[profile.ocpp_version]()
        self.stats = ChargerStats()
        self.rng = random.Random(profile.seed if profile.seed is not None else profile.station_id)
        self.meter_wh = self.rng.randrange(0, 5_000_000)
        self.sessions: dict[int, SessionState] = {}
        self.stop_requests: dict[int, asyncio.Event] = {}
        self.remote_starts: asyncio.Queue[tuple[str, int | None, int | None]] = asyncio.Queue()
        self.configuration: dict[str, str] = {
            "HeartbeatInterval": "300",
            "MeterValueSampleInterval": "10",
        }
        self.link: Link | None = None
        self.heartbeat_interval = 300.0
        self._remote_ids = 0

    # -- the charger's calls ----------------------------------------------------------------------

    async def _call(self, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        assert self.link is not None
        try:
            answer: dict[str, Any] = await self.link.call(action, payload)
        except CallRefused as exc:
            self.stats.refused += 1
            self.stats.errors.append(str(exc))
            raise
        self.stats.calls += 1
        return answer

    async def run(self) -> ChargerStats:
        """Connect, boot, and charge until the profile's sessions are done (or cancelled)."""
        p = self.profile
        self.link = await Link.open(
            self.url,
            p.station_id,
            p.password,
            self.dialect.subprotocol,
            self._on_server_call,
            ssl_context=self.ssl_context,
        )
        reader = asyncio.create_task(self.link.read(), name=f"{p.station_id}-reader")
        try:
            await self._boot()
            for connector in range(1, p.connectors + 1):
                await self._call(*self.dialect.status(connector, "Available"))
            async with asyncio.TaskGroup() as group:
                beat = group.create_task(self._heartbeats())
                await self._charge_loop()
                beat.cancel()
        finally:
            await self.link.close()
            reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)
        return self.stats

    async def _boot(self) -> None:
        p = self.profile
        while True:
            answer = await self._call(*self.dialect.boot(p.vendor, p.model, p.station_id))
            self.heartbeat_interval = float(answer.get("interval") or 300)
            if answer.get("status") == "Accepted":
                return
            log.info("[%s] boot %s; retrying", p.station_id, answer.get("status"))
            await asyncio.sleep(min(max(self.heartbeat_interval, 1.0), 30.0))

    async def _heartbeats(self) -> None:
        while True:
            await asyncio.sleep(min(self.heartbeat_interval, self.profile.heartbeat_max))
            await self._call("Heartbeat", {})

    async def _charge_loop(self) -> None:
        p = self.profile
        done = 0
        while p.sessions is None or done < p.sessions:
            try:
                token, connector, remote_id = await asyncio.wait_for(
                    self.remote_starts.get(), timeout=self.rng.uniform(*p.idle_seconds)
                )
            except TimeoutError:
                token, connector, remote_id = self.rng.choice(p.id_tokens), None, None
            free = [c for c in range(1, p.connectors + 1) if c not in self.sessions]
            if not free:
                continue
            chosen = connector if connector in free else self.rng.choice(free)
            await self.charge(chosen, token, remote_start_id=remote_id)
            done += 1

    async def charge(
        self, connector: int, id_token: str, *, remote_start_id: int | None = None
    ) -> None:
        """One whole session on `connector`."""
        p = self.profile
        d = self.dialect
        await self._call(*d.status(connector, "Preparing"))
        if remote_start_id is None and d.token_status(await self._call(*d.authorize(id_token))) != (
            "Accepted"
        ):
            await self._call(*d.status(connector, "Available"))
            return
        power_w = int(p.power_kw * 1000 * self.rng.uniform(0.6, 1.0))
        tx = SessionState(connector, id_token, self.meter_wh, power_w)
        self.sessions[connector] = tx
        stop = self.stop_requests[connector] = asyncio.Event()
        try:
            answer = await self._call(*d.start(tx, remote_start_id))
            tx.tx_id = d.started_id(tx, answer)
            self.stats.sessions_started += 1
            await self._call(*d.status(connector, d.charging_status))
            length = self.rng.uniform(*p.session_seconds)
            elapsed = 0.0
            reason = "EVDisconnected"
            while elapsed < length:
                step = min(p.meter_interval, length - elapsed)
                try:
                    await asyncio.wait_for(stop.wait(), timeout=step)
                    reason = "Remote"
                except TimeoutError:
                    pass
                elapsed += step
                tx.meter_wh += round(power_w * step * p.time_scale / 3600)
                if reason == "Remote":
                    break
                await self._call(*d.meter(tx))
            await self._call(*d.stop(tx, reason))
            self.stats.sessions_completed += 1
            self.stats.energy_wh += tx.meter_wh - tx.meter_start_wh
            self.meter_wh = tx.meter_wh
            await self._call(*d.status(connector, "Finishing"))
            await self._call(*d.status(connector, "Available"))
        finally:
            self.sessions.pop(connector, None)
            self.stop_requests.pop(connector, None)

    # -- the server's calls -----------------------------------------------------------------------

    async def _on_server_call(self, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        if action in ("RemoteStartTransaction", "RequestStartTransaction"):
            return self._remote_start(action, payload)
        if action in ("RemoteStopTransaction", "RequestStopTransaction"):
            wanted = str(payload.get("transactionId"))
            for connector, tx in self.sessions.items():
                if tx.tx_id == wanted:
                    self.stop_requests[connector].set()
                    return {"status": "Accepted"}
            return {"status": "Rejected"}
        if action == "GetConfiguration":
            keys = payload.get("key") or list(self.configuration)
            known = [k for k in keys if k in self.configuration]
            return {
                "configurationKey": [
                    {"key": k, "readonly": False, "value": self.configuration[k]} for k in known
                ],
                "unknownKey": [k for k in keys if k not in self.configuration],
            }
        if action == "ChangeConfiguration":
            self.configuration[payload["key"]] = payload["value"]
            return {"status": "Accepted"}
        if action == "GetVariables":
            return {
                "getVariableResult": [
                    {
                        "attributeStatus": "UnknownVariable",
                        "component": item["component"],
                        "variable": item["variable"],
                    }
                    for item in payload["getVariableData"]
                ]
            }
        if action == "SetVariables":
            return {
                "setVariableResult": [
                    {
                        "attributeStatus": "Accepted",
                        "component": item["component"],
                        "variable": item["variable"],
                    }
                    for item in payload["setVariableData"]
                ]
            }
        if action == "UnlockConnector":
            return {"status": "Unlocked"}
        if action == "GetLocalListVersion":
            return (
                {"listVersion": 0} if self.profile.ocpp_version == "1.6" else {"versionNumber": 0}
            )
        if action == "DataTransfer":
            return {"status": "UnknownVendorId"}
        if action == "TriggerMessage":
            return {"status": "Accepted"}
        if action == "GetCompositeSchedule":
            return {"status": "Rejected"}
        if action == "UpdateFirmware" and self.profile.ocpp_version == "1.6":
            return {}
        if action == "GetDiagnostics":
            return {"fileName": f"{self.profile.station_id}-diagnostics.log"}
        if action == "GetLog":
            return {"status": "Accepted", "filename": f"{self.profile.station_id}.log"}
        if action in _ACCEPTED:
            return {"status": "Accepted"}
        raise NotImplementedError(action)

    def _remote_start(self, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        if action == "RemoteStartTransaction":
            token = str(payload["idTag"])
            connector = payload.get("connectorId")
            remote_id = None
        else:
            token = str(payload["idToken"]["idToken"])
            connector = payload.get("evseId")
            remote_id = int(payload["remoteStartId"])
        if connector is not None and connector in self.sessions:
            return {"status": "Rejected"}
        if len(self.sessions) >= self.profile.connectors:
            return {"status": "Rejected"}
        self.remote_starts.put_nowait((token, connector, remote_id))
        return {"status": "Accepted"}


_ACCEPTED = frozenset(
    {
        "Reset",
        "ChangeAvailability",
        "ClearCache",
        "SendLocalList",
        "ReserveNow",
        "CancelReservation",
        "SetChargingProfile",
        "ClearChargingProfile",
        "UpdateFirmware",
    }
)

__all__ = ["Charger", "ChargerProfile", "ChargerStats", "now_iso"]
