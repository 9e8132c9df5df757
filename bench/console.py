"""Console speed: every page's latency on a large network, SQLite and PostgreSQL.

    python -m bench.console                       # 10,000 stations, 1,000,000 transactions, both
    python -m bench.console --database sqlite --transactions 100000   # a quicker look

A fresh database is migrated and filled with bulk inserts: stations spread over the region with
two connectors each (a few faulted, some charging), a year of finished transactions (every fifth
with its CDR), a hundred running ones with meter samples, cards, tariffs, audit entries. Then a
real Steppe serves it on port 0 and a signed-in client asks each console page `--rounds` times
in turn (after a warm-up), one request at a time. The table gives each page's median and 95th
percentile; the target is p95 under 300 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Table

from steppe.app import build, running
from steppe.config import Settings
from steppe.storage import migrator
from steppe.storage.db import Database
from steppe.storage.tables.core import connectors, id_tokens, meter_values, stations, transactions
from steppe.storage.tables.operator import audit_log
from steppe.storage.tables.tariffs import cdrs, tariff_assignments, tariffs

TARGET_MS = 300.0
PASSWORD = "bench-password-01"
CITIES = (
    ("Almaty", "KZ", 43.24, 76.89, "Asia/Almaty"),
    ("Astana", "KZ", 51.13, 71.43, "Asia/Almaty"),
    ("Shymkent", "KZ", 42.34, 69.59, "Asia/Almaty"),
    ("Aktobe", "KZ", 50.28, 57.17, "Asia/Aqtobe"),
    ("Karaganda", "KZ", 49.80, 73.10, "Asia/Almaty"),
    ("Atyrau", "KZ", 47.10, 51.92, "Asia/Atyrau"),
    ("Tashkent", "UZ", 41.31, 69.28, "Asia/Tashkent"),
    ("Bishkek", "KG", 42.87, 74.59, "Asia/Bishkek"),
    ("Moscow", "RU", 55.75, 37.62, "Europe/Moscow"),
    ("Novosibirsk", "RU", 55.03, 82.92, "Asia/Novosibirsk"),
)
STANDARDS = ("IEC_62196_T2_COMBO", "GBT_DC", "IEC_62196_T2", "GBT_AC", "CHADEMO")
STATUSES = ("Available",) * 12 + ("Charging", "Charging", "Preparing", "Unavailable", "Faulted")


def station_rows(count: int, now: datetime, rng: random.Random) -> list[dict[str, Any]]:
    rows = []
    for n in range(count):
        city, country, lat, lon, zone = CITIES[n % len(CITIES)]
        rows.append(
            {
                "id": f"ST-{n:05d}",
                "password_hash": None,
                "security_profile": 1,
                "registration": "pending" if n % 97 == 0 else "accepted",
                "ocpp_version": "2.0.1" if n % 3 == 0 else "1.6",
                "vendor": "Bench",
                "model": "DC60" if n % 2 else "AC22",
                "status": "Faulted" if n % 211 == 0 else None,
                "name": f"{city} {n}",
                "latitude": f"{lat + rng.uniform(-0.3, 0.3):.5f}",
                "longitude": f"{lon + rng.uniform(-0.3, 0.3):.5f}",
                "address": f"Street {n % 300}, {city}",
                "city": city,
                "country": country,
                "time_zone": zone,
                "created_at": now,
                "updated_at": now,
            }
        )
    return rows


def connector_rows(station_count: int, now: datetime, rng: random.Random) -> list[dict[str, Any]]:
    return [
        {
            "station_id": f"ST-{n:05d}",
            "evse_id": evse,
            "connector_id": 1,
            "status": rng.choice(STATUSES),
            "status_at": now,
            "standard": STANDARDS[(n + evse) % len(STANDARDS)],
            "format": "CABLE",
            "power_type": "DC",
            "max_power_kw": "60",
            "updated_at": now,
        }
        for n in range(station_count)
        for evse in (1, 2)
    ]


async def fill(url: str, station_count: int, tx_count: int, log: Callable[[str], None]) -> None:
    """Migrate `url` and fill it with bulk inserts."""
    db = Database(url)
    rng = random.Random(19)
    now = datetime.now(UTC).replace(microsecond=0)
    started = time.perf_counter()
    try:
        await migrator.upgrade(db.engine)

        async def insert(table: Table, rows: list[dict[str, Any]], chunk: int = 5000) -> None:
            for start in range(0, len(rows), chunk):
                async with db.begin() as conn:
                    await conn.execute(table.insert(), rows[start : start + chunk])

        await insert(stations, station_rows(station_count, now, rng))
        await insert(connectors, connector_rows(station_count, now, rng))
        await insert(
            id_tokens,
            [
                {
                    "id_token": f"CARD-{n:05d}",
                    "type": "ISO14443",
                    "status": "Accepted",
                    "created_at": now,
                    "updated_at": now,
                }
                for n in range(10_000)
            ],
        )
        body = {
            "id": "DAY",
            "currency": "KZT",
            "elements": [
                {
                    "price_components": [
                        {"type": "ENERGY", "price": "80", "vat": "16", "step_size": 1}
                    ]
                }
            ],
        }
        await insert(
            tariffs,
            [
                {
                    "id": "DAY",
                    "currency": "KZT",
                    "body": json.dumps(body),
                    "created_at": now,
                    "updated_at": now,
                }
            ],
        )
        await insert(
            tariff_assignments,
            [
                {
                    "station_id": f"ST-{n:05d}",
                    "evse_id": None,
                    "tariff_id": "DAY",
                    "updated_at": now,
                }
                for n in range(station_count)
            ],
        )
        log(f"  stations, connectors, cards, tariffs: {time.perf_counter() - started:.0f} s")
        year = 365 * 86400
        batch: list[dict[str, Any]] = []
        cdr_batch: list[dict[str, Any]] = []
        for pk in range(1, tx_count + 1):
            active = pk > tx_count - 100
            begin = now - timedelta(seconds=year * (1 - pk / tx_count) + 3600)
            end = None if active else begin + timedelta(minutes=rng.randint(10, 90))
            energy = rng.randint(2_000, 60_000)
            station = f"ST-{rng.randrange(station_count):05d}"
            batch.append(
                {
                    "id": pk,
                    "ocpp_id": str(pk),
                    "station_id": station,
                    "evse_id": 1,
                    "connector_id": 1,
                    "id_token": f"CARD-{pk % 10_000:05d}",
                    "status": "active" if active else "completed",
                    "started_at": begin,
                    "stopped_at": end,
                    "meter_start_wh": 1000,
                    "meter_stop_wh": None if active else 1000 + energy,
                    "energy_wh": None if active else energy,
                    "stop_reason": None if active else "EVDisconnected",
                    "offline": False,
                    "closed_by": None if active else "station",
                    "created_at": begin,
                    "updated_at": end or begin,
                }
            )
            if end is not None and pk % 5 == 0:
                excl = (energy / 1000) * 80
                cdr_batch.append(
                    {
                        "id": f"cdr-{pk}",
                        "transaction_pk": pk,
                        "station_id": station,
                        "tariff_id": "DAY",
                        "currency": "KZT",
                        "started_at": begin,
                        "stopped_at": end,
                        "total_excl_vat": f"{excl:.2f}",
                        "total_incl_vat": f"{excl * 1.16:.2f}",
                        "body": json.dumps(
                            {"transaction_id": str(pk), "evse_id": 1, "total_energy_wh": energy}
                        ),
                        "created_at": end,
                    }
                )
            if len(batch) >= 20_000:
                await insert(transactions, batch, chunk=20_000)
                await insert(cdrs, cdr_batch, chunk=20_000)
                batch, cdr_batch = [], []
        await insert(transactions, batch, chunk=20_000)
        await insert(cdrs, cdr_batch, chunk=20_000)
        samples = []
        for pk in range(tx_count - 99, tx_count + 1):
            for step in range(30):
                at = now - timedelta(minutes=30 - step)
                samples.append(
                    {
                        "station_id": "ST-00001",
                        "evse_id": 1,
                        "transaction_id": pk,
                        "timestamp": at + timedelta(microseconds=pk),
                        "measurand": "Energy.Active.Import.Register",
                        "unit": "Wh",
                        "value": str(1000 + step * 500),
                    }
                )
        await insert(meter_values, samples)
        await insert(
            audit_log,
            [
                {
                    "at": now - timedelta(minutes=n),
                    "actor": "user:bench@steppe.kz",
                    "command": "reset",
                    "station_id": f"ST-{n % station_count:05d}",
                    "params": "{}",
                    "outcome": "answered",
                    "status": "Accepted",
                    "finished_at": now,
                }
                for n in range(10_000)
            ],
        )
        log(f"  filled in {time.perf_counter() - started:.0f} s")
    finally:
        await db.close()


PAGES = (
    "/console/",
    "/console/map.json",
    "/console/stations",
    "/console/stations?state=offline&offset=5000",
    "/console/stations?city=Almaty&standard=GBT_DC&version=1.6",
    "/console/stations?q=Astana+1",
    "/console/stations/ST-00042",
    "/console/sessions",
    "/console/transactions",
    "/console/transactions?station_id=ST-00042",
    "/console/transactions/{tx}",
    "/console/tariffs",
    "/console/tariffs/DAY",
    "/console/tokens",
    "/console/cdrs",
    "/console/cdrs?station_id=ST-00042",
    "/console/audit",
    "/console/users",
    "/console/keys",
)


async def measure(
    url: str, rounds: int, tx_count: int, log: Callable[[str], None]
) -> dict[str, tuple[float, float]]:
    settings = Settings(
        host="127.0.0.1",
        http_port=0,
        ocpp_port=0,
        database_url=url,
        user_password_hash_cost=10,
        log_level="WARNING",
    )
    out: dict[str, tuple[float, float]] = {}
    async with running(build(settings)) as app:
        await app.services.users.create("bench@steppe.kz", PASSWORD, "admin")
        async with httpx.AsyncClient(base_url=app.http_url, timeout=60) as client:
            page = await client.get("/console/sign-in")
            token = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
            await client.post(
                "/console/sign-in",
                data={"csrf": token, "email": "bench@steppe.kz", "password": PASSWORD},
            )
            paths = [p.replace("{tx}", str(tx_count - 150)) for p in PAGES]
            timings: dict[str, list[float]] = {p: [] for p in paths}
            for path in paths:  # warm-up
                answer = await client.get(path)
                assert answer.status_code == 200, (path, answer.status_code)
            for _ in range(rounds):
                for path in paths:
                    begin = time.perf_counter()
                    answer = await client.get(path)
                    timings[path].append((time.perf_counter() - begin) * 1000)
                    assert answer.status_code == 200, path
            for path, values in timings.items():
                values.sort()
                p95 = values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]
                out[path] = (statistics.median(values), p95)
    return out


async def postgres_database(base: str) -> str:
    import asyncpg

    plain = base.replace("postgresql+asyncpg://", "postgresql://")
    server = plain.rpartition("/")[0]
    name = f"steppe_console_bench_{os.getpid()}"
    admin = await asyncpg.connect(f"{server}/postgres")
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return f"{server.replace('postgresql://', 'postgresql+asyncpg://')}/{name}"


async def drop_postgres(url: str) -> None:
    import asyncpg

    plain = url.replace("postgresql+asyncpg://", "postgresql://")
    server, _, name = plain.rpartition("/")
    admin = await asyncpg.connect(f"{server}/postgres")
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--stations", type=int, default=10_000)
    parser.add_argument("--transactions", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "STEPPE_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
        ),
    )
    args = parser.parse_args()
    results: dict[str, dict[str, tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory() as folder:
        kinds = ["sqlite", "postgres"] if args.database == "both" else [args.database]
        for kind in kinds:
            print(f"{kind}: filling {args.stations:,} stations, {args.transactions:,} transactions")
            if kind == "sqlite":
                url = f"sqlite+aiosqlite:///{Path(folder) / 'console.db'}"
            else:
                url = await postgres_database(args.postgres_url)
            try:
                await fill(url, args.stations, args.transactions, print)
                results[kind] = await measure(url, args.rounds, args.transactions, print)
            finally:
                if kind == "postgres":
                    await drop_postgres(url)
    print(f"\n{'page':<60}" + "".join(f"{k + ' p50':>14}{k + ' p95':>14}" for k in results))
    worst = 0.0
    for path in next(iter(results.values())):
        cells = ""
        for kind in results:
            median, p95 = results[kind][path]
            worst = max(worst, p95)
            cells += f"{median:>11.1f} ms{p95:>11.1f} ms"
        print(f"{path:<60}{cells}")
    verdict = "meets" if worst < TARGET_MS else "MISSES"
    print(f"\nslowest p95 {worst:.1f} ms: {verdict} the target of {TARGET_MS:.0f} ms")
    return 0 if worst < TARGET_MS else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
