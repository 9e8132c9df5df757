"""/metrics counts what a real charger does, in the Prometheus text format."""

from __future__ import annotations

import json
import re

import httpx
import websockets

from steppe.app import Steppe
from tests.api.commands_helpers import PASSWORD, register
from tests.e2e.charger import basic_auth


def value(text: str, sample: str) -> float:
    match = re.search(rf"^{re.escape(sample)} (\S+)$", text, re.MULTILINE)
    assert match, f"{sample} not in metrics"
    return float(match.group(1))


async def test_metrics_follow_a_charger(steppe: Steppe, api: httpx.AsyncClient) -> None:
    """Connected stations, messages by action and result, latency histogram, active transactions
    and errors all move when a charger boots, starts a charge and sends a call Steppe refuses."""
    await register(api, "CP-1")
    assert (
        await api.post("/api/v1/id-tokens", json={"id_token": "T1", "status": "Accepted"})
    ).status_code == 201
    before = (await api.get("/metrics")).text
    assert value(before, "steppe_connected_stations") == 0
    assert value(before, 'steppe_ocpp_handling_seconds_bucket{le="+Inf"}') == 0

    async with websockets.connect(
        f"{steppe.ocpp_url}/CP-1",
        subprotocols=["ocpp1.6"],  # type: ignore[list-item]
        additional_headers=basic_auth("CP-1", PASSWORD),
    ) as ws:
        frames = [
            [2, "1", "BootNotification", {"chargePointVendor": "V", "chargePointModel": "M"}],
            [2, "2", "Heartbeat", {}],
            [2, "3", "Heartbeat", {}],
            [
                2,
                "4",
                "StartTransaction",
                {
                    "connectorId": 1,
                    "idTag": "T1",
                    "meterStart": 0,
                    "timestamp": "2026-01-05T10:00:00Z",
                },
            ],
            [2, "5", "ExtendedTriggerMessage", {"requestedMessage": "Heartbeat"}],
        ]
        answers = []
        for frame in frames:
            await ws.send(json.dumps(frame))
            answers.append(json.loads(await ws.recv()))
        assert answers[-1][0] == 4  # a CALLERROR: Steppe does not take this call from a charger

        response = await api.get("/metrics")
        assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
        text = response.text
    assert value(text, "steppe_connected_stations") == 1
    # The boot was written through the group committer.
    assert value(text, "steppe_committed_writes_total") >= 1
    assert 1 <= value(text, "steppe_commits_total") <= value(text, "steppe_committed_writes_total")
    assert value(text, 'steppe_ocpp_messages_total{action="Heartbeat",result="ok"}') == 2
    assert value(text, 'steppe_ocpp_messages_total{action="BootNotification",result="ok"}') == 1
    error_code = answers[-1][2]
    assert (
        value(
            text,
            f'steppe_ocpp_messages_total{{action="ExtendedTriggerMessage",result="{error_code}"}}',
        )
        == 1
    )
    assert value(text, f'steppe_ocpp_errors_total{{code="{error_code}"}}') == 1
    assert value(text, 'steppe_ocpp_handling_seconds_bucket{le="+Inf"}') == 5
    assert value(text, "steppe_ocpp_handling_seconds_count") == 5
    assert value(text, "steppe_ocpp_handling_seconds_sum") > 0
    assert value(text, "steppe_active_transactions") == 1
    assert "# TYPE steppe_ocpp_handling_seconds histogram" in text

    async with httpx.AsyncClient(base_url=steppe.http_url) as anonymous:
        assert (await anonymous.get("/metrics")).status_code == 401


async def test_a_station_cannot_forge_metric_lines_or_labels(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    """Actions no OCPP version defines, one with a newline and a forged sample in its name, are
    all counted under one label; a scraper that asks for the 1.0.0 format gets it."""
    await register(api, "CP-X")
    async with websockets.connect(
        f"{steppe.ocpp_url}/CP-X",
        subprotocols=["ocpp1.6"],  # type: ignore[list-item]
        additional_headers=basic_auth("CP-X", PASSWORD),
    ) as ws:
        await ws.send(
            json.dumps(
                [2, "1", "BootNotification", {"chargePointVendor": "V", "chargePointModel": "M"}]
            )
        )
        await ws.recv()
        forged = 'Evil"}\nsteppe_connected_stations 9999\n#'
        for index, action in enumerate([forged, "Made-Up-1", "Made-Up-2", "x" * 5000]):
            await ws.send(json.dumps([2, f"u{index}", action, {}]))
            assert json.loads(await ws.recv())[0] == 4
        text = (await api.get("/metrics")).text
    assert value(text, "steppe_connected_stations") == 1
    assert "steppe_connected_stations 9999" not in text  # a latency sum may hold 9999 itself
    assert "Made-Up" not in text and "x" * 100 not in text
    unknown = [line for line in text.splitlines() if 'action="(unknown)"' in line]
    assert len(unknown) == 1 and unknown[0].endswith(" 4.0")
    newer = await api.get("/metrics", headers={"Accept": "text/plain; version=1.0.0"})
    assert newer.headers["content-type"].startswith("text/plain; version=1.0.0")
