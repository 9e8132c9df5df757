"""Random frames against a live server: every frame is answered with a documented CALLERROR or
result, or the connection closes with a documented code; another station keeps working."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.exceptions import ConnectionClosed

from steppe.app import Steppe
from steppe.ocpp.versions import OcppVersion
from tests.fuzzing import WIRE_CODES, frames
from tests.gateway.rawclient import PASSWORD, heartbeat_works, raw_station

# Close codes the server may use on a fuzzing client: too big, policy (rate limit).
DOCUMENTED_CLOSE = {1009, 1008}


async def answers_until_probe(ws: Any, probe: str) -> list[list[Any]]:
    """Everything the server sends up to and including the answer to the probe Heartbeat."""
    await ws.send(f'[2,"{probe}","Heartbeat",{{}}]')
    seen: list[list[Any]] = []
    while True:
        message = orjson.loads(await asyncio.wait_for(ws.recv(), 5))
        seen.append(message)
        if message[1] == probe:
            return seen


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(batch=st.lists(frames, min_size=1, max_size=8), binary=st.booleans())
async def test_random_frames_get_documented_answers_and_spare_other_stations(
    steppe: Steppe, api: httpx.AsyncClient, batch: list[str | bytes], binary: bool
) -> None:
    """Each batch on a fresh connection: only CALLERRORs with 1.6 codes or results come back,
    and a second station is answered afterwards."""
    for station_id in ("CP-FUZZ", "CP-CALM"):  # the server lives across examples
        response = await api.post("/api/v1/stations", json={"id": station_id, "password": PASSWORD})
        assert response.status_code in (201, 409), response.text
    async with raw_station(steppe.ocpp_url, "CP-CALM") as calm:
        try:
            async with raw_station(steppe.ocpp_url, "CP-FUZZ") as ws:
                for frame in batch:
                    if binary and isinstance(frame, str):
                        frame = frame.encode()
                    await ws.send(frame)
                for message in await answers_until_probe(ws, "probe"):
                    assert message[0] in (3, 4), message
                    if message[0] == 4:
                        assert message[2] in WIRE_CODES[OcppVersion.V16], message
        except ConnectionClosed as closed:
            assert closed.rcvd is not None and closed.rcvd.code in DOCUMENTED_CLOSE, closed
        assert await heartbeat_works(calm)
