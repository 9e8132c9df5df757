"""Long fuzzing run: `python -m bench.fuzz` (`make fuzz`).

Sends a million (``--frames``) generated frames through the protocol core (RpcSession.receive,
both versions) and against a live Steppe (raw websockets stations, plain ws://, SQLite in a
temporary folder), then reports crashes, unexpected answers or closes, and memory growth.
Frames are mutations of valid OCPP-J frames, JSON of every shape and raw bytes, from a seeded
generator so that a failing run can be repeated.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import random
import sys
import tempfile
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil
import websockets
from websockets.exceptions import ConnectionClosed, InvalidStatus

from steppe import logging as steppe_logging
from steppe.app import build, running
from steppe.config import Settings
from steppe.ocpp.errors import ErrorKind, wire_code
from steppe.ocpp.session import CallAnswered, CallFailed, Ignored, IncomingCall, Reply, RpcSession
from steppe.ocpp.validation import SchemaRegistry
from steppe.ocpp.versions import OcppVersion

PASSWORD = "fuzz-password-0001"
ADMIN = "fuzz-admin-token-0123456789-abcdefghijklmnop"
DOCUMENTED_CLOSE = {1009, 1008}
CODES = {version: {wire_code(kind, version) for kind in ErrorKind} for version in OcppVersion}
VALID = [
    [2, "1", "BootNotification", {"chargePointVendor": "V", "chargePointModel": "M"}],
    [2, "2", "Heartbeat", {}],
    [
        2,
        "3",
        "StatusNotification",
        {"connectorId": 1, "errorCode": "NoError", "status": "Available"},
    ],
    [2, "4", "Authorize", {"idTag": "TAG1"}],
    [
        2,
        "5",
        "MeterValues",
        {
            "connectorId": 1,
            "meterValue": [{"timestamp": "2025-01-01T00:00:00Z", "sampledValue": [{"value": "1"}]}],
        },
    ],
    [2, "6", "DataTransfer", {"vendorId": "V", "data": "x"}],
    [2, "7", "SecurityEventNotification", {"type": "X", "timestamp": "2025-01-01T00:00:00Z"}],
    [2, "8", "SignCertificate", {"csr": "-----BEGIN CERTIFICATE REQUEST-----"}],
    [3, "9", {"status": "Accepted"}],
    [4, "10", "GenericError", "", {}],
]
WEIRD = [
    None,
    True,
    -1,
    0,
    2**63,
    1.5e308,
    "",
    "x" * 300,
    "\u0000",
    "\ud7ff",
    [],
    {},
    [[[]]],
    {"a": {}},
]


class FrameMaker:
    """Seeded, fast generator of hostile frames (no hypothesis: a million must be cheap)."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def value(self, depth: int = 0) -> Any:
        rng = self.rng
        pick = rng.random()
        if depth > 3 or pick < 0.5:
            return rng.choice(WEIRD)
        if pick < 0.75:
            return [self.value(depth + 1) for _ in range(rng.randint(0, 4))]
        return {
            rng.choice(["connectorId", "status", "idTag", "k"]): self.value(depth + 1)
            for _ in range(rng.randint(0, 4))
        }

    def frame(self) -> str | bytes:
        rng = self.rng
        base = json.loads(json.dumps(rng.choice(VALID)))
        kind = rng.random()
        if kind < 0.35:  # change one element
            base[rng.randrange(len(base))] = self.value()
        elif kind < 0.5:  # change a payload field
            payload = base[-1] if isinstance(base[-1], dict) else {}
            payload[rng.choice(list(payload) or ["k"])] = self.value()
        elif kind < 0.6:
            base = base[: rng.randrange(len(base) + 1)] + [
                self.value() for _ in range(rng.randint(0, 2))
            ]
        elif kind < 0.7:
            base = self.value()
        text = json.dumps(base)
        kind = rng.random()
        if kind < 0.15:
            cut = rng.randrange(len(text) + 1)
            text = text[:cut]
        elif kind < 0.25:
            at = rng.randrange(len(text) + 1)
            text = text[:at] + rng.choice('[]{}",:\\0x') + text[at:]
        elif kind < 0.3:
            return rng.randbytes(rng.randint(0, 64))
        elif kind < 0.32:
            return base64.b64encode(rng.randbytes(48)).decode()
        return text


@dataclass
class Report:
    frames: int = 0
    crashes: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    events: Counter[str] = field(default_factory=Counter)
    rss_start: int = 0
    rss_end: int = 0
    seconds: float = 0.0

    def line(self, name: str) -> str:
        growth = (self.rss_end - self.rss_start) / 2**20
        return (
            f"{name}: {self.frames} frames in {self.seconds:.1f} s "
            f"({self.frames / max(self.seconds, 1e-9):,.0f}/s), crashes {len(self.crashes)}, "
            f"unexpected {len(self.unexpected)}, RSS {self.rss_start / 2**20:.1f} -> "
            f"{self.rss_end / 2**20:.1f} MiB ({growth:+.1f}), {dict(self.events.most_common(6))}"
        )


def rss() -> int:
    return int(psutil.Process().memory_info().rss)


def fuzz_core(count: int, seed: int) -> Report:
    """Feed `count` frames to a session of each version; receive() must never raise."""
    registry = SchemaRegistry()
    registry.warm()
    maker = FrameMaker(seed)
    sessions = [RpcSession(v, registry) for v in OcppVersion]
    report = Report(rss_start=rss())
    started = time.perf_counter()
    for n in range(count):
        raw = maker.frame()
        session = sessions[n % len(sessions)]
        try:
            event = session.receive(raw)
        except Exception:  # a crash is what we are looking for
            report.crashes.append(f"{raw!r}: {traceback.format_exc(limit=3)}")
            continue
        report.events[type(event).__name__] += 1
        if type(event) is Reply:
            code = json.loads(event.text)[2]
            if code not in CODES[session.version]:
                report.unexpected.append(f"{raw!r} -> {event.text}")
        elif type(event) not in (IncomingCall, Ignored, CallAnswered, CallFailed):
            report.unexpected.append(f"{raw!r} -> {event!r}")
        if n == 50_000:  # measure growth after caches and allocators warmed up
            report.rss_start = rss()
    report.frames = count
    report.seconds = time.perf_counter() - started
    report.rss_end = rss()
    return report


async def fuzz_server(count: int, seed: int, stations: int) -> Report:
    """Blast `count` frames from `stations` raw connections at a live Steppe; every 50 frames a
    probe Heartbeat must come back after nothing but results and documented CALLERRORs."""
    maker = FrameMaker(seed + 1)
    report = Report()
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            http_port=0,
            ocpp_port=0,
            database_url=f"sqlite+aiosqlite:///{Path(folder) / 'fuzz.db'}",
            admin_token=ADMIN,
            password_hash_cost=10,
            ping_interval=None,
            log_level="ERROR",
            max_messages_per_second=1_000_000,
            message_burst=1_000_000,
        )
        async with running(build(settings)) as app:
            headers = {"Authorization": f"Bearer {ADMIN}"}
            async with httpx.AsyncClient(base_url=app.http_url, headers=headers) as api:
                entries = [{"id": f"FZ-{n}", "password": PASSWORD} for n in range(stations + 1)]
                response = await api.post("/api/v1/stations/import", json={"stations": entries})
                response.raise_for_status()
            report.rss_start = rss()
            started = time.perf_counter()
            per_station = count // stations
            await asyncio.gather(
                *(
                    _blast(app.ocpp_url, f"FZ-{n}", per_station, maker, report)
                    for n in range(stations)
                )
            )
            report.seconds = time.perf_counter() - started
            report.frames = per_station * stations
            report.rss_end = rss()
            async with _connect(app.ocpp_url, f"FZ-{stations}") as calm:
                await calm.send('[2,"calm","Heartbeat",{}]')
                answer = json.loads(await asyncio.wait_for(calm.recv(), 5))
                if answer[:2] != [3, "calm"]:
                    report.unexpected.append(f"calm station got {answer}")
    return report


def _connect(url: str, station_id: str) -> Any:
    token = base64.b64encode(f"{station_id}:{PASSWORD}".encode()).decode()
    return websockets.connect(
        f"{url}/{station_id}",
        subprotocols=["ocpp1.6"],  # type: ignore[list-item]
        additional_headers={"Authorization": f"Basic {token}"},
        max_size=None,
        open_timeout=10,
    )


async def _blast(url: str, station_id: str, count: int, maker: FrameMaker, report: Report) -> None:
    sent = 0
    probes = 0
    while sent < count:
        try:
            async with _connect(url, station_id) as ws:
                while sent < count:
                    for _ in range(min(50, count - sent)):
                        await ws.send(maker.frame())
                        sent += 1
                    probes += 1
                    probe = f"p{probes}"
                    await ws.send(f'[2,"{probe}","Heartbeat",{{}}]')
                    while True:
                        message = json.loads(await asyncio.wait_for(ws.recv(), 30))
                        report.events[str(message[0] if message[0] != 4 else message[2])] += 1
                        # InternalError is a documented code, but on generated input it means
                        # the server failed where it should have refused: reported.
                        documented = message[0] == 3 or (
                            message[0] == 4
                            and message[2] in CODES[OcppVersion.V16]
                            and message[2] != "InternalError"
                        )
                        if not documented:
                            report.unexpected.append(f"{station_id}: {message}")
                        if message[1] == probe:
                            break
        except ConnectionClosed as closed:
            code = closed.rcvd.code if closed.rcvd else None
            report.events[f"close {code}"] += 1
            if code not in DOCUMENTED_CLOSE:
                report.unexpected.append(f"{station_id}: closed with {code}")
        except (InvalidStatus, TimeoutError, OSError) as exc:
            report.crashes.append(f"{station_id}: {exc!r}")
            return


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fuzz", description=__doc__)
    parser.add_argument("--frames", type=int, default=1_000_000, help="frames per target")
    parser.add_argument("--stations", type=int, default=8, help="fuzzing connections (server)")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--only", choices=["core", "server"])
    args = parser.parse_args(argv)
    steppe_logging.configure("ERROR")
    reports: list[tuple[str, Report]] = []
    if args.only != "server":
        reports.append(("core", fuzz_core(args.frames, args.seed)))
        print(reports[-1][1].line("core"), flush=True)
    if args.only != "core":
        reports.append(("server", asyncio.run(fuzz_server(args.frames, args.seed, args.stations))))
        print(reports[-1][1].line("server"), flush=True)
    failed = False
    for name, report in reports:
        for problem in (report.crashes + report.unexpected)[:10]:
            print(f"{name}: {problem}", file=sys.stderr)
        failed = failed or bool(report.crashes or report.unexpected)
    print("FAIL" if failed else "OK: no crashes, no unexpected answers")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
