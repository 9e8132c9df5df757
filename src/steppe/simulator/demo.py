"""Demo mode (`steppe serve --demo`): a few simulated chargers charging against this very server,
so a newcomer sees stations, sessions and energy appear in the API within a minute.

Each station declares its connectors (GB/T and Type 2/CCS2, as a site in the region needs both)
and a tariff in the local currency; the cars that come are catalogue rows met in Kazakhstan, and
each session draws power along the car's own curve (`steppe.simulator.car`).
"""

from __future__ import annotations

import contextlib
import logging
import secrets
from decimal import Decimal

from steppe.domain.services import Services
from steppe.domain.stations.connectors import ConnectorSpec
from steppe.domain.tariffs.models import Tariff
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
# Each station's two connectors (standard, kW), by the station's number modulo four.
DEMO_OUTLETS: tuple[tuple[tuple[str, float], ...], ...] = (
    (("GBT_AC", 7.0), ("IEC_62196_T2", 7.4)),
    (("IEC_62196_T2", 22.0), ("GBT_AC", 7.0)),
    (("GBT_DC", 60.0), ("IEC_62196_T2_COMBO", 60.0)),
    (("GBT_DC", 120.0), ("IEC_62196_T2_COMBO", 120.0)),
)
# Cars met on the region's roads: Chinese-market GB/T builds and export Type 2/CCS2 ones.
DEMO_CARS = (
    "leapmotor-c10-cn-2024",
    "leapmotor-c10-eu-2025",
    "hongqi-e-hs9-cn-2021-99-kwh",
    "byd-song-plus-dm-i-cn-2021-18.3-kwh",
    "byd-han-cn-2021-76.9-kwh",
    "zeekr-001-cn-2021-100-kwh",
    "tesla-model-y-cn-2022-rwd",
    "hyundai-ioniq-5-eu-2021-72.6-kwh-awd",
    "jac-iev7s-kz-2020",
)
# A tariff per currency (prices excl. VAT; the country's rate is added).
DEMO_TARIFFS = {"KZ": ("DEMO-KZT", "KZT", "86", "200"), "UZ": ("DEMO-UZS", "UZS", "1500", "0")}


async def prepare(services: Services, count: int) -> list[ChargerProfile]:
    """Register the demo stations (fresh passwords each start) and the demo id token."""
    profiles = []
    cars = tuple(services.vehicles.catalogue.get(car) for car in DEMO_CARS)
    await _tariffs(services)
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
        outlets = DEMO_OUTLETS[index % len(DEMO_OUTLETS)]
        await services.connectors.replace(
            station_id,
            [
                ConnectorSpec(evse, 1, standard, "CABLE", None, Decimal(str(kw)))
                for evse, (standard, kw) in enumerate(outlets, start=1)
            ],
        )
        tariff_id = DEMO_TARIFFS.get(country, DEMO_TARIFFS["KZ"])[0]
        await services.tariffs.assign(station_id, [tariff_id])
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
                vehicles=cars,
                outlets=outlets,
            )
        )
    with contextlib.suppress(AlreadyExists):
        await services.tokens.create(DEMO_TOKEN, status="Accepted")
    return profiles


async def _tariffs(services: Services) -> None:
    for tariff_id, currency, per_kwh, per_session in DEMO_TARIFFS.values():
        elements: list[dict[str, object]] = [
            {"price_components": [{"type": "ENERGY", "price": per_kwh, "step_size": 1}]}
        ]
        if per_session != "0":
            elements.insert(0, {"price_components": [{"type": "FLAT", "price": per_session}]})
        tariff = Tariff.from_dict({"id": tariff_id, "currency": currency, "elements": elements})
        with contextlib.suppress(AlreadyExists):
            await services.tariffs.create(tariff)


async def run(services: Services, ocpp_url: str, count: int, versions: set[str]) -> FleetReport:
    """Prepare and run the demo chargers until cancelled."""
    profiles = [p for p in await prepare(services, count) if p.ocpp_version in versions]
    log.info("demo: %d simulated chargers connecting to %s", len(profiles), ocpp_url)
    return await run_fleet(ocpp_url, profiles, stagger=0.5)
