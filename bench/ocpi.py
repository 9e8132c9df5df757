"""OCPI speed: a page of 1,000 locations out of 10,000, and connector status changes pushed to
five partners.

    python -m bench.ocpi [--stations 10000] [--rate 1000] [--seconds 10] [--partners 5]

1. Pages. 10,000 stations (two connectors each, a tariff) are written straight into a fresh
   SQLite file; a registered partner reads `GET /ocpi/2.2.1/locations?limit=1000` at spread
   offsets. Baseline in the same run: the operator API's own station list at its largest
   page (`GET /api/v1/stations?limit=500`), as cost per station.
2. Pushes. Five partners (small receivers on loopback, answering 1000 to every PATCH) are
   registered through the credentials handshake; the domain is fed `--rate` connector status
   changes per second across 1,000 EVSEs for `--seconds`; every second the outbox size is
   sampled. The queue must not grow: each EVSE keeps at most one row per partner and the
   worker drains what is due.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import multiprocessing
import secrets
import socket
import statistics
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from steppe.app import build, running
from steppe.app.lifespan import bind
from steppe.config import Settings
from steppe.domain.stations.models import Registration, StationContext
from steppe.domain.tariffs.models import Tariff
from steppe.storage.tables.core import connectors, stations
from steppe.storage.tables.tariffs import tariff_assignments

ADMIN = "bench-admin-token-0123456789"
TARIFF = {
    "id": "bench",
    "currency": "KZT",
    "elements": [{"price_components": [{"type": "ENERGY", "price": "80", "step_size": 1}]}],
}


def envelope(data: Any = None) -> dict[str, Any]:
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"data": data, "status_code": 1000, "status_message": "Success", "timestamp": now}


class Receiver:
    """A partner that takes every push (and counts them)."""

    def __init__(self, index: int) -> None:
        self.party = f"P{index:02d}"
        self.token = secrets.token_urlsafe(16)
        self.token_b = ""
        self.pushes: Counter[str] = Counter()
        self.port = 0

    def app(self) -> Starlette:
        async def versions(_: Request) -> JSONResponse:
            return JSONResponse(envelope([{"version": "2.2.1", "url": f"{self.url}/2.2.1"}]))

        async def details(_: Request) -> JSONResponse:
            return JSONResponse(
                envelope(
                    {
                        "version": "2.2.1",
                        "endpoints": [
                            {
                                "identifier": "credentials",
                                "role": "RECEIVER",
                                "url": f"{self.url}/cred",
                            },
                            {
                                "identifier": "locations",
                                "role": "RECEIVER",
                                "url": f"{self.url}/loc",
                            },
                        ],
                    }
                )
            )

        async def credentials(request: Request) -> JSONResponse:
            self.token_b = (await request.json())["token"]  # what Steppe expects from us
            return JSONResponse(
                envelope(
                    {
                        "token": self.token,
                        "url": f"{self.url}/versions",
                        "roles": [{"role": "EMSP", "country_code": "RU", "party_id": self.party}],
                    }
                )
            )

        async def push(request: Request) -> JSONResponse:
            await request.body()
            self.pushes[request.method] += 1
            return JSONResponse(envelope())

        async def counts(_: Request) -> JSONResponse:
            return JSONResponse({"pushes": dict(self.pushes), "token_b": self.token_b})

        return Starlette(
            routes=[
                Route("/versions", versions),
                Route("/2.2.1", details),
                Route("/cred", credentials, methods=["POST"]),
                Route("/loc/{rest:path}", push, methods=["PUT", "PATCH"]),
                Route("/counts", counts),
            ]
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def serve(self) -> uvicorn.Server:
        sock = bind("127.0.0.1", 0)
        # Accepted connections inherit it: uvicorn writes an answer's head and body apart,
        # and without it each answer waits for the client's delayed ACK (about 40 ms).
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.port = sock.getsockname()[1]
        server = uvicorn.Server(
            uvicorn.Config(self.app(), log_config=None, access_log=False, lifespan="off")
        )
        asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started:
            await asyncio.sleep(0.01)
        return server


def serve_receivers(count: int, ports: Any, stop: Any) -> None:
    """The partners, in a process of their own so that they do not share Steppe's core."""

    async def run() -> None:
        receivers = [Receiver(i) for i in range(count)]
        servers = [await r.serve() for r in receivers]
        ports.put([r.port for r in receivers])
        while not stop.is_set():
            await asyncio.sleep(0.1)
        for server in servers:
            server.should_exit = True
        await asyncio.sleep(0.5)

    asyncio.run(run())


class Remote:
    """A receiver in the other process, seen from Steppe's side."""

    def __init__(self, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}"

    async def counts(self) -> dict[str, Any]:
        async with httpx.AsyncClient(timeout=10) as http:
            answer: dict[str, Any] = (await http.get(f"{self.url}/counts")).json()
            return answer


async def populate(app: Any, count: int) -> None:
    now = datetime.now(UTC)
    station_rows = [
        {
            "id": f"KZ-{i:05d}",
            "registration": "accepted",
            "security_profile": 1,
            "name": f"Station {i}",
            "latitude": f"{43 + i / 100000:.6f}",
            "longitude": "76.889700",
            "address": f"Street {i}",
            "city": "Almaty",
            "country": "KZ",
            "time_zone": "Asia/Almaty",
            "created_at": now,
            "updated_at": now,
        }
        for i in range(count)
    ]
    connector_rows = [
        {
            "station_id": f"KZ-{i:05d}",
            "evse_id": evse,
            "connector_id": 1,
            "standard": standard,
            "format": "CABLE",
            "power_type": "DC",
            "max_power_kw": "60",
            "status": "Available",
            "status_at": now,
            "updated_at": now,
        }
        for i in range(count)
        for evse, standard in ((1, "GBT_DC"), (2, "IEC_62196_T2_COMBO"))
    ]
    assignments = [
        {"station_id": f"KZ-{i:05d}", "evse_id": None, "tariff_id": "bench", "updated_at": now}
        for i in range(count)
    ]
    async with app.db.begin() as conn:
        for table, rows in (
            (stations, station_rows),
            (connectors, connector_rows),
            (tariff_assignments, assignments),
        ):
            for start in range(0, len(rows), 2000):
                await conn.execute(table.insert(), rows[start : start + 2000])


async def timed(url: str, headers: dict[str, str]) -> tuple[float, int]:
    """Seconds for one GET, measured by curl in a process of its own (so that the client's
    parsing does not share Steppe's core), and the size of the body."""
    args = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{time_total} %{size_download}"]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    process = await asyncio.create_subprocess_exec(*args, url, stdout=asyncio.subprocess.PIPE)
    out, _ = await process.communicate()
    code, seconds, size = out.decode().split()
    assert code == "200", out
    return float(seconds), int(float(size))


async def pages(app: Any, token: str, count: int) -> dict[str, float]:
    ocpi = {"Authorization": "Token " + base64.b64encode(token.encode()).decode()}
    admin = {"Authorization": f"Bearer {ADMIN}"}
    base = app.http_url
    await timed(f"{base}/ocpi/2.2.1/locations?limit=10", ocpi)  # warm up
    ocpi_times, api_times = [], []
    for round_ in range(10):
        offset = (round_ * 997) % max(count - 1000, 1)
        elapsed, size = await timed(f"{base}/ocpi/2.2.1/locations?limit=1000&offset={offset}", ocpi)
        ocpi_times.append(elapsed)
        after = f"KZ-{offset:05d}"
        first, _ = await timed(f"{base}/api/v1/stations?limit=500&after={after}", admin)
        after = f"KZ-{offset + 500:05d}"
        second, _ = await timed(f"{base}/api/v1/stations?limit=500&after={after}", admin)
        api_times.append(first + second)
    ocpi_ms = statistics.median(ocpi_times) * 1000
    api_ms = statistics.median(api_times) * 1000
    return {
        "locations_page_1000_ms_median": round(ocpi_ms, 1),
        "locations_page_1000_ms_max": round(max(ocpi_times) * 1000, 1),
        "locations_page_bytes": size,
        "operator_api_1000_stations_ms_median": round(api_ms, 1),
        "ratio_to_operator_api": round(ocpi_ms / api_ms, 2),
    }


async def pushes(app: Any, receivers: list[Remote], rate: int, seconds: int) -> dict[str, Any]:
    services = app.services
    contexts = [StationContext(f"KZ-{i:05d}", "1.6", Registration.ACCEPTED) for i in range(500)]
    statuses = ("Charging", "Available")
    sizes: list[int] = []
    sent = 0
    began = time.perf_counter()

    async def change(i: int) -> None:
        ctx = contexts[i % len(contexts)]
        await services.stations.connector_status(
            ctx,
            evse_id=1 + (i // len(contexts)) % 2,
            connector_id=1,
            status=statuses[(i // 1000) % 2],
        )

    async def sample() -> None:
        while True:
            partners = await services.roaming.partners.list()
            sizes.append(sum(p.queued for p in partners))
            await asyncio.sleep(1.0)

    sampler = asyncio.create_task(sample())
    tick = 0.05
    per_tick = max(1, int(rate * tick))
    pending: set[asyncio.Task[None]] = set()
    while time.perf_counter() - began < seconds:
        step = time.perf_counter()
        for _ in range(per_tick):
            task = asyncio.create_task(change(sent))
            pending.add(task)
            task.add_done_callback(pending.discard)
            sent += 1
        await asyncio.sleep(max(0.0, tick - (time.perf_counter() - step)))
    await asyncio.gather(*pending)
    fed = time.perf_counter() - began
    drain_began = time.perf_counter()
    while True:
        partners = await services.roaming.partners.list()
        left = sum(p.queued for p in partners)
        if left == 0 or time.perf_counter() - drain_began > 60:
            break
        await asyncio.sleep(0.2)
    drained = time.perf_counter() - drain_began
    sampler.cancel()
    errors: Counter[str] = Counter()
    for p in partners:
        for item in await services.roaming.outbox.pending(p.id, 1000):
            errors[(item.last_error or "")[:80]] += 1
    return {
        "status_changes": sent,
        "changes_per_second": round(sent / fed),
        "partners": len(receivers),
        "outbox_size_each_second": sizes,
        "outbox_left_after": left,
        "seconds_to_drain_after_load": round(drained, 2),
        "patches_received_per_partner": [
            (await r.counts())["pushes"].get("PATCH", 0) for r in receivers
        ],
        "last_errors": sorted({p.last_error or "" for p in partners}),
        "queued_errors": dict(errors),
    }


async def main(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            host="127.0.0.1",
            http_port=0,
            ocpp_port=0,
            admin_token=ADMIN,
            database_url=f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}",
            log_level="WARNING",
        )
        async with running(build(settings)) as app:
            await app.services.tariffs.create(Tariff.from_dict(TARIFF))
            await populate(app, args.stations)
            context = multiprocessing.get_context("spawn")
            ports, stop = context.Queue(), context.Event()
            child = context.Process(target=serve_receivers, args=(args.partners + 1, ports, stop))
            child.start()
            try:
                remotes = [Remote(port) for port in await asyncio.to_thread(ports.get, True, 60)]
                partners = app.services.roaming.partners
                for i, remote in enumerate(remotes):
                    created, _ = await partners.create(f"partner {i}")
                    await partners.connect(created.id, f"{remote.url}/versions", "token-a")
                reader = remotes.pop()  # pulls the pages (and takes pushes like the others)
                token = (await reader.counts())["token_b"]
                result = {
                    "pages": await pages(app, token, args.stations),
                    "pushes": await pushes(app, remotes, args.rate, args.seconds),
                }
            finally:
                stop.set()
                child.join(10)
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--stations", type=int, default=10_000)
    parser.add_argument("--rate", type=int, default=1000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--partners", type=int, default=5)
    print(json.dumps(asyncio.run(main(parser.parse_args())), indent=2))
