"""Connector declarations: standard, format and power per EVSE, beside the live status."""

from __future__ import annotations

import httpx
from ocpp.v16 import call

from steppe.app import Steppe
from tests.api.commands_helpers import PASSWORD, register
from tests.e2e.charger import connect_v16


async def test_declared_connectors_keep_the_reported_status(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    """GB/T DC and CCS2 declared by common names are stored as OCPI standards with their power."""
    await register(api, "CP-1")
    async with connect_v16(steppe.ocpp_url, "CP-1", PASSWORD) as cp:
        await cp.call(call.BootNotification(charge_point_model="M", charge_point_vendor="V"))
        await cp.call(
            call.StatusNotification(connector_id=1, error_code="NoError", status="Available")
        )
    body = {
        "connectors": [
            {
                "evse_id": 1,
                "standard": "GB/T DC",
                "format": "cable",
                "max_power_kw": "120",
                "power_type": "DC",
            },
            {"evse_id": 2, "standard": "CCS2", "format": "cable", "max_power_kw": "60.5"},
        ]
    }
    answer = await api.put("/api/v1/stations/CP-1/connectors", json=body)
    assert answer.status_code == 200, answer.text
    first, second = answer.json()["connectors"]
    assert (first["standard"], first["format"], first["max_power_kw"]) == ("GBT_DC", "CABLE", "120")
    assert first["status"] == "Available"
    assert (second["standard"], second["max_power_kw"]) == ("IEC_62196_T2_COMBO", "60.5")
    station = (await api.get("/api/v1/stations/CP-1")).json()
    assert [c["standard"] for c in station["connectors"]] == ["GBT_DC", "IEC_62196_T2_COMBO"]

    bad = await api.put(
        "/api/v1/stations/CP-1/connectors",
        json={
            "connectors": [{"evse_id": 1, "standard": "Warp", "format": "cable", "max_power_kw": 7}]
        },
    )
    assert bad.status_code == 422 and "standard" in bad.json()["error"]["message"]
    only_one = {
        "connectors": [{"evse_id": 2, "standard": "Type 2", "format": "socket", "max_power_kw": 22}]
    }
    assert (await api.put("/api/v1/stations/CP-1/connectors", json=only_one)).status_code == 200
    left = (await api.get("/api/v1/stations/CP-1/connectors")).json()["connectors"]
    assert [(c["evse_id"], c["standard"], c["format"]) for c in left] == [
        (2, "IEC_62196_T2", "SOCKET")
    ]
    assert (await api.get("/api/v1/stations/NOPE/connectors")).status_code == 404
