"""Many simulated chargers at once, with a summary of what they did."""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field

from steppe.simulator.charger import Charger, ChargerProfile

log = logging.getLogger("steppe.simulator")


@dataclass
class FleetReport:
    chargers: int = 0
    failed: int = 0
    calls: int = 0
    refused: int = 0
    sessions_completed: int = 0
    energy_wh: int = 0
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.chargers} chargers, {self.failed} failed, {self.calls} calls answered, "
            f"{self.refused} refused, {self.sessions_completed} sessions, "
            f"{self.energy_wh / 1000:.1f} kWh"
        )


async def run_fleet(
    url: str,
    profiles: Sequence[ChargerProfile],
    *,
    ssl_context: ssl.SSLContext | None = None,
    stagger: float = 0.05,
) -> FleetReport:
    """Run every profile's charger until all are done; cancel to stop them early."""
    chargers = [Charger(p, url, ssl_context=ssl_context) for p in profiles]
    report = FleetReport(chargers=len(chargers))

    async def one(index: int, charger: Charger) -> None:
        await asyncio.sleep(index * stagger)
        try:
            await charger.run()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            report.failed += 1
            report.errors.append(f"{charger.profile.station_id}: {exc!r}")
            log.warning("[%s] simulated charger stopped: %r", charger.profile.station_id, exc)

    try:
        async with asyncio.TaskGroup() as group:
            for index, charger in enumerate(chargers):
                group.create_task(one(index, charger))
    finally:
        for charger in chargers:
            stats = charger.stats
            report.calls += stats.calls
            report.refused += stats.refused
            report.sessions_completed += stats.sessions_completed
            report.energy_wh += stats.energy_wh
            report.errors.extend(stats.errors)
    return report
