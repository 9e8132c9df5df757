"""`network = "current"`: the twin reads the stations, connectors and tariffs Steppe holds."""

from __future__ import annotations

import asyncio
import math

import httpx

from steppe.app import Steppe
from steppe.planning.command import prepare
from steppe.planning.demand import default_week, fitted_week
from tests.planning.conftest import scenario_of

TARIFF = {
    "id": "kz-dc",
    "currency": "KZT",
    "elements": [{"price_components": [{"type": "ENERGY", "price": "86.21", "step_size": 1}]}],
}


async def _register(api: httpx.AsyncClient) -> None:
    """Two stations with locations and connectors, one without a location, one tariff."""
    almaty = {
        "latitude": 43.2389,
        "longitude": 76.8897,
        "time_zone": "Asia/Almaty",
        "country": "KZ",
    }
    astana = {
        "latitude": 51.1282,
        "longitude": 71.4306,
        "time_zone": "Asia/Almaty",
        "country": "KZ",
    }
    for station_id, location in (("ALA-1", almaty), ("AST-1", astana), ("NOWHERE", None)):
        body = {"id": station_id, "password": "station-password-0001"}
        if location:
            body["location"] = {"name": station_id, **location}
        assert (await api.post("/api/v1/stations", json=body)).status_code == 201
    dual_dc = [
        {
            "evse_id": 1,
            "connector_id": 1,
            "standard": "GB/T DC",
            "format": "cable",
            "max_power_kw": "120",
        },
        {
            "evse_id": 1,
            "connector_id": 2,
            "standard": "CCS2",
            "format": "cable",
            "max_power_kw": "120",
        },
        {
            "evse_id": 2,
            "connector_id": 1,
            "standard": "Type 2",
            "format": "socket",
            "max_power_kw": "22",
            "power_type": "AC_3_PHASE",
        },
    ]
    answer = await api.put("/api/v1/stations/ALA-1/connectors", json={"connectors": dual_dc})
    assert answer.status_code == 200, answer.text
    ac_only = [
        {
            "evse_id": 1,
            "connector_id": 1,
            "standard": "GB/T AC",
            "format": "socket",
            "max_power_kw": "7.4",
            "power_type": "AC_1_PHASE",
        }
    ]
    assert (
        await api.put("/api/v1/stations/AST-1/connectors", json={"connectors": ac_only})
    ).status_code == 200
    assert (await api.post("/api/v1/tariffs", json=TARIFF)).status_code == 201
    assert (
        await api.put("/api/v1/stations/ALA-1/tariff", json={"tariff_id": "kz-dc"})
    ).status_code == 200


async def test_the_stored_network_becomes_the_simulated_one(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    """Each EVSE is a charger with its declared connectors; tariffs and overrides apply."""
    await _register(api)
    scenario = scenario_of(
        f"""
        network = "current"
        days = 3
        [current]
        database_url = "{steppe.settings.database_url}"
        grid_limit_kw = 300
        [[sites]]
        id = "AST-1"
        grid_limit_kw = 11
        [[sites]]
        id = "PLANNED"
        lat = 43.30
        lon = 76.95
        [[sites.chargers]]
        power_kw = 60
        connectors = ["CCS2"]
        from = 2026-01-02
        [theory]
        arrivals_per_hour = 1
        duration_minutes = 30
        """
    )
    model, _, notes = await asyncio.to_thread(prepare, scenario)
    sites = {site.id: site for site in model.sites}
    assert set(sites) == {"ALA-1", "AST-1", "PLANNED"}
    assert any("NOWHERE" in note and "latitude" in note for note in notes)
    almaty = sites["ALA-1"]
    chargers = [model.chargers[j] for j in almaty.chargers]
    assert [(c.power_type, c.power_kw, c.standards) for c in chargers] == [
        ("DC", 120.0, ("GBT_DC", "IEC_62196_T2_COMBO")),
        ("AC_3_PHASE", 22.0, ("IEC_62196_T2",)),
    ]
    assert almaty.grid_limit_kw == 300 and almaty.tariff is not None
    assert almaty.tariff.id == "kz-dc" and (almaty.lat, almaty.time_zone) == (
        43.2389,
        "Asia/Almaty",
    )
    assert sites["AST-1"].grid_limit_kw == 11 and sites["AST-1"].tariff is None
    (planned,) = [model.chargers[j] for j in sites["PLANNED"].chargers]
    assert planned.online_from_s == 86400 and math.isinf(sites["PLANNED"].grid_limit_kw)


def test_stored_sessions_shape_the_week_and_a_few_move_it_a_little() -> None:
    """Arrivals by hour of the week come from stored sessions, smoothed towards the default."""
    assert fitted_week([0.0] * 168) == default_week()
    evenings = [0.0] * 168
    for day in range(7):
        evenings[day * 24 + 19] = 1000.0
    profile = fitted_week(evenings)
    assert profile[19] > 20 and profile[3] < 0.05
    few = [0.0] * 168
    few[19] = 10.0  # ten sessions, all on Monday at 19:00
    nudged = fitted_week(few)
    assert default_week()[19] < nudged[19] < 168 / 2  # alone they would put all 168 there
    assert all(value > 0 for value in nudged)
