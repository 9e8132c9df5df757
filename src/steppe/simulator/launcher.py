"""`steppe simulate`: build a fleet from command-line options, optionally register it first."""

from __future__ import annotations

import logging
import ssl
from dataclasses import dataclass

import httpx

from steppe.simulator.fleet import FleetReport, run_fleet
from steppe.simulator.profile import ChargerProfile

log = logging.getLogger("steppe.simulator")


@dataclass(frozen=True)
class FleetOptions:
    url: str
    stations: int
    ocpp_version: str = "1.6"
    prefix: str = "SIM-"
    password: str | None = None
    id_tokens: tuple[str, ...] = ("SIM-TOKEN",)
    sessions: int | None = None
    connectors: int = 2
    power_kw: float = 22.0
    meter_interval: float = 10.0
    session_seconds: tuple[float, float] = (30.0, 120.0)
    idle_seconds: tuple[float, float] = (2.0, 10.0)
    time_scale: float = 1.0
    cafile: str | None = None
    durable: bool = False

    def station_ids(self) -> list[str]:
        width = max(5, len(str(self.stations)))
        return [f"{self.prefix}{n:0{width}d}" for n in range(1, self.stations + 1)]

    def profiles(self) -> list[ChargerProfile]:
        return [
            ChargerProfile(
                station_id=station_id,
                password=self.password,
                ocpp_version=self.ocpp_version,
                connectors=self.connectors,
                power_kw=self.power_kw,
                id_tokens=self.id_tokens,
                sessions=self.sessions,
                idle_seconds=self.idle_seconds,
                session_seconds=self.session_seconds,
                meter_interval=self.meter_interval,
                time_scale=self.time_scale,
                durable=self.durable,
            )
            for station_id in self.station_ids()
        ]


async def register(options: FleetOptions, api_url: str, admin_token: str) -> None:
    """Create the fleet's stations (sharing one password) and id tokens through the API."""
    headers = {"Authorization": f"Bearer {admin_token}"}
    async with httpx.AsyncClient(base_url=api_url, headers=headers, timeout=120) as api:
        ids = options.station_ids()
        for start in range(0, len(ids), 10_000):
            chunk = ids[start : start + 10_000]
            response = await api.post(
                "/api/v1/stations/import",
                json={"stations": [{"id": i, "password": options.password} for i in chunk]},
            )
            if response.status_code not in (200, 201):
                raise RuntimeError(f"importing stations failed: {response.text[:300]}")
        for token in options.id_tokens:
            response = await api.post(
                "/api/v1/id-tokens", json={"id_token": token, "status": "Accepted"}
            )
            if response.status_code not in (201, 409):
                raise RuntimeError(f"creating id token {token} failed: {response.text[:300]}")


async def simulate(
    options: FleetOptions, *, api_url: str | None = None, admin_token: str | None = None
) -> FleetReport:
    if api_url is not None and admin_token is not None:
        await register(options, api_url, admin_token)
    context = ssl.create_default_context(cafile=options.cafile) if options.cafile else None
    if options.url.startswith("wss://") and context is None:
        context = ssl.create_default_context()
    log.info("simulating %d OCPP %s chargers", options.stations, options.ocpp_version)
    return await run_fleet(options.url, options.profiles(), ssl_context=context)
