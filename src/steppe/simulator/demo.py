"""Demo mode (`steppe serve --demo`): a few simulated chargers charging against this very server,
so a newcomer sees stations, sessions and energy appear in the API within a minute."""

from __future__ import annotations

import contextlib
import logging
import secrets

from steppe.domain.services import Services
from steppe.errors import AlreadyExists
from steppe.simulator.fleet import FleetReport, run_fleet
from steppe.simulator.profile import ChargerProfile

log = logging.getLogger("steppe.simulator")

DEMO_TOKEN = "DEMO-TOKEN"  # noqa: S105 - an RFID card number, not a secret
# Stations spread over the region the first network serves, each in its own time zone.
DEMO_SITES = (
    ("Almaty, Abay Ave 10", "Almaty", "KZ", 43.2389, 76.8897, "Asia/Almaty"),
    ("Astana, Kabanbay Batyr 21", "Astana", "KZ", 51.1282, 71.4306, "Asia/Almaty"),
    ("Aktobe, Abulkhair Khan 40", "Aktobe", "KZ", 50.2839, 57.1670, "Asia/Aqtobe"),
    ("Shymkent, Tauke Khan 5", "Shymkent", "KZ", 42.3417, 69.5901, "Asia/Almaty"),
    ("Tashkent, Amir Temur 1", "Tashkent", "UZ", 41.3111, 69.2797, "Asia/Tashkent"),
)


async def prepare(services: Services, count: int) -> list[ChargerProfile]:
    """Register the demo stations (fresh passwords each start) and the demo id token."""
    profiles = []
    for index in range(count):
        station_id = f"DEMO-{index + 1:03d}"
        address, city, country, lat, lon, zone = DEMO_SITES[index % len(DEMO_SITES)]
        password = secrets.token_urlsafe(16)
        try:
            await services.stations.create(
                station_id,
                password,
                name=f"Demo station {index + 1}",
                address=address,
                city=city,
                country=country,
                latitude=lat,
                longitude=lon,
                time_zone=zone,
            )
        except AlreadyExists:
            await services.stations.set_password(station_id, password)
        profiles.append(
            ChargerProfile(
                station_id=station_id,
                password=password,
                ocpp_version="2.0.1" if index % 2 else "1.6",
                connectors=2,
                power_kw=(7.4, 22.0, 60.0, 120.0)[index % 4],
                id_tokens=(DEMO_TOKEN,),
                idle_seconds=(3.0, 15.0),
                session_seconds=(40.0, 120.0),
                meter_interval=5.0,
                time_scale=30.0,
                heartbeat_max=60.0,
            )
        )
    with contextlib.suppress(AlreadyExists):
        await services.tokens.create(DEMO_TOKEN, status="Accepted")
    return profiles


async def run(services: Services, ocpp_url: str, count: int, versions: set[str]) -> FleetReport:
    """Prepare and run the demo chargers until cancelled."""
    profiles = [p for p in await prepare(services, count) if p.ocpp_version in versions]
    log.info("demo: %d simulated chargers connecting to %s", len(profiles), ocpp_url)
    return await run_fleet(ocpp_url, profiles, stagger=0.5)
