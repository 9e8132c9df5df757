"""Durability audit: at the end of the run, each Steppe server is killed with SIGKILL in the middle
of its fleet's closed loop (no shutdown, nothing flushed by the process) and its database is read.
Every MeterValues a charger had an answer for must be there, the last ones before the kill too.

A charger counts its answered MeterValues over its whole life (warm-ups and rounds included);
the closed loop has at most one message in flight, so a station may hold one sample more than
it was answered for (sent, stored, the answer lost when the fleet closed), never fewer.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

PERIODIC_ENERGY = """
    SELECT station_id, count(*) FROM meter_values
    WHERE measurand = 'Energy.Active.Import.Register' AND context = 'Sample.Periodic'
    GROUP BY station_id
"""


@dataclass
class Ledger:
    """What one server acknowledged, per station: MeterValues answered with a CALLRESULT."""

    acked: dict[str, int] = field(default_factory=dict)

    def note(self, chargers: Iterable[tuple[str, int | None, int, int]]) -> None:
        """Take the chargers' own counts (station, transaction, energy, MeterValues answered)."""
        for station_id, _transaction, _energy, answered in chargers:
            self.acked[station_id] = max(self.acked.get(station_id, 0), answered)

    @property
    def total(self) -> int:
        return sum(self.acked.values())


@dataclass
class Audit:
    acked: int
    stored: int
    missing: int  # answered but not found
    unexpected: int  # found beyond the one message a station may have had in flight
    short_stations: list[str]

    @property
    def ok(self) -> bool:
        return self.missing == 0 and self.unexpected == 0

    def as_extra(self) -> dict[str, Any]:
        return {
            "acked": self.acked,
            "stored": self.stored,
            "missing": self.missing,
            "unexpected": self.unexpected,
            "short_stations": self.short_stations[:5],
        }


def compare(ledger: Ledger, stored: dict[str, int]) -> Audit:
    missing = unexpected = 0
    short: list[str] = []
    for station_id, acked in sorted(ledger.acked.items()):
        found = stored.get(station_id, 0)
        if found < acked:
            missing += acked - found
            short.append(station_id)
        elif found > acked + 1:
            unexpected += found - acked - 1
    counted = sum(stored.get(station_id, 0) for station_id in ledger.acked)
    return Audit(ledger.total, counted, missing, unexpected, short)


def stored_samples(database_url: str) -> dict[str, int]:
    """Periodic energy samples per station, read straight from the database Steppe wrote."""
    if database_url.startswith("sqlite"):
        # Opened as a restarted server would open it: the write-ahead log is read back.
        conn = sqlite3.connect(database_url.split(":///", 1)[1])
        try:
            return dict(conn.execute(PERIODIC_ENERGY))
        finally:
            conn.close()
    return asyncio.run(_postgres_samples(database_url.replace("+asyncpg", "")))


async def _postgres_samples(url: str) -> dict[str, int]:
    import asyncpg

    conn = await asyncpg.connect(url, timeout=10)
    try:
        return {row[0]: row[1] for row in await conn.fetch(PERIODIC_ENERGY)}
    finally:
        await conn.close()
