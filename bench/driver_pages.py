"""The drivers' pages: server time per page on a network of stations, against a baseline.

python -m bench.driver_pages [--stations 300] [--requests 60]

A Steppe on a fresh SQLite file with `--stations` accepted stations over Kazakhstan, each with a
GB/T DC and a CCS2 connector and a tariff in tenge, and one confirmed driver (signed up through
a local SMTP server, as in the tests) with a finished, priced charge. Each page is asked for
`--requests` times in turn over one keep-alive connection, after a warm-up; the figure is the
median and 95th percentile of the time to the last byte, and each median's ratio to that of
`GET /health` timed in the same rounds (a route that does nothing), the figure to compare between
runs on machines of different speed. The page's own size in bytes is printed beside it.
Nothing is asserted; docs/drivers.md keeps the latest run.
"""

from __future__ import annotations

import argparse
import asyncio
import email
import re
import statistics
import tempfile
import time
from datetime import timedelta
from email.policy import default
from pathlib import Path

import httpx
from aiosmtpd.smtp import SMTP, Envelope, Session

from steppe.app import build, running
from steppe.config import Settings
from steppe.domain.stations.connectors import ConnectorSpec
from steppe.domain.tariffs.models import Tariff
from steppe.storage.tables.core import transactions

PASSWORD = "bench-password-1"
CAR = "leapmotor-c10-cn-2024"


class Box:
    def __init__(self) -> None:
        self.bodies: list[str] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.content if isinstance(envelope.content, bytes) else b""
        message = email.message_from_bytes(content, policy=default)
        part = message.get_body(("plain",))  # type: ignore[attr-defined]
        self.bodies.append(str(part.get_content()) if part else "")
        return "250 OK"


async def seed(app: object, stations: int) -> None:
    services = app.services  # type: ignore[attr-defined]
    tariff = Tariff.from_dict(
        {
            "id": "bench-kzt",
            "currency": "KZT",
            "elements": [
                {"price_components": [{"type": "FLAT", "price": "200"}]},
                {"price_components": [{"type": "ENERGY", "price": "100"}]},
            ],
        }
    )
    await services.tariffs.create(tariff)
    for index in range(stations):
        station_id = f"KZ-{index:04d}"
        await services.stations.create(
            station_id,
            None,
            name=f"Station {index}",
            city="Almaty" if index % 3 else "Astana",
            address=f"Street {index}",
            country="KZ",
            time_zone="Asia/Almaty",
            latitude=43.0 + (index % 50) * 0.05,
            longitude=76.0 + (index // 50) * 0.05,
        )
        await services.connectors.replace(
            station_id,
            [
                ConnectorSpec(1, 1, "GBT_DC", "CABLE", None, 120),  # type: ignore[arg-type]
                ConnectorSpec(2, 1, "IEC_62196_T2_COMBO", "CABLE", None, 150),  # type: ignore[arg-type]
            ],
        )
        await services.tariffs.assign(station_id, ["bench-kzt"])


async def measure(client: httpx.AsyncClient, path: str, requests: int) -> tuple[list[float], int]:
    for _ in range(5):
        await client.get(path)
    times = []
    size = 0
    for _ in range(requests):
        started = time.perf_counter()
        answer = await client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200, (path, answer.status_code)
        size = len(answer.content)
    return times, size


async def run(stations: int, requests: int) -> None:
    box = Box()
    loop = asyncio.get_running_loop()
    smtp = await loop.create_server(lambda: SMTP(box, hostname="localhost"), "127.0.0.1", 0)
    folder = Path(tempfile.mkdtemp(prefix="steppe-bench-"))
    settings = Settings(
        host="127.0.0.1",
        http_port=0,
        ocpp_port=0,
        database_url=f"sqlite+aiosqlite:///{folder / 'bench.db'}",
        log_level="WARNING",
        smtp_host="127.0.0.1",
        smtp_port=smtp.sockets[0].getsockname()[1],
        smtp_security="none",
        driver_password_hash_cost=10,
        console_tile_url="",
    )
    async with running(build(settings)) as app:
        await seed(app, stations)
        async with httpx.AsyncClient(base_url=app.http_url, timeout=30) as client:
            page = await client.get("/account/sign-up")
            token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
            form = {
                "csrf": token,
                "email": "bench@example.kz",
                "password": PASSWORD,
                "repeat": PASSWORD,
            }
            await client.post("/account/sign-up", data=form)
            while not box.bodies:
                await asyncio.sleep(0.05)
            link = re.search(r"http\S+/account/confirm\S+", box.bodies[0]).group(0)  # type: ignore[union-attr]
            await client.get(link)
            (account,) = await app.services.drivers.accounts.list()
            app_token = await app.services.drivers.profile.app_token(account.id)
            now = app.services.clock.now()
            async with app.db.begin() as conn:
                result = await conn.execute(
                    transactions.insert().values(
                        station_id="KZ-0000",
                        evse_id=1,
                        connector_id=1,
                        id_token=app_token,
                        status="completed",
                        started_at=now - timedelta(minutes=40),
                        stopped_at=now,
                        meter_start_wh=0,
                        meter_stop_wh=38_000,
                        energy_wh=38_000,
                        created_at=now,
                        updated_at=now,
                    )
                )
                pk = int(result.inserted_primary_key[0])  # type: ignore[index]
            await app.services.cdrs.create_for(pk)
            pages = {
                "GET /health (baseline)": "/health",
                "/ (map and list)": "/",
                f"/ with my car ({stations} stations advised)": f"/?car={CAR}",
                "/stations/{id}": "/stations/KZ-0000",
                "/charge/{station}/{evse}": "/charge/KZ-0000/1",
                "/charge/.../qr.svg": "/charge/KZ-0000/1/qr.svg",
                "/account": "/account",
                "/account/sessions/{pk}": f"/account/sessions/{pk}",
                "/account/sessions/{pk}/receipt": f"/account/sessions/{pk}/receipt",
            }
            results = {name: await measure(client, path, requests) for name, path in pages.items()}
            await client.get("/?car=")
    smtp.close()
    base = statistics.median(results["GET /health (baseline)"][0])
    print(f"{stations} stations, {requests} requests per page, SQLite, one connection")
    print(f"{'page':48} {'median ms':>10} {'p95 ms':>8} {'x baseline':>11} {'bytes':>8}")
    for name, (times, size) in results.items():
        median = statistics.median(times)
        p95 = statistics.quantiles(times, n=20)[18]
        print(f"{name:48} {median:10.1f} {p95:8.1f} {median / base:11.1f} {size:8d}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stations", type=int, default=300)
    parser.add_argument("--requests", type=int, default=60)
    args = parser.parse_args()
    asyncio.run(run(args.stations, args.requests))


if __name__ == "__main__":
    main()
