"""Many simulated chargers at once, with a summary of what they did."""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field

from steppe.simulator.charger import Charger
from steppe.simulator.ledger import Ledger
from steppe.simulator.profile import ChargerProfile
from steppe.simulator.stats import ChargerStats

log = logging.getLogger("steppe.simulator")


@dataclass
class FleetReport:
    chargers: int = 0
    failed: int = 0
    calls: int = 0
    refused: int = 0
    resends: int = 0
    sessions_completed: int = 0
    energy_wh: int = 0
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = (
            f"{self.chargers} chargers, {self.failed} failed, {self.calls} calls answered, "
            f"{self.refused} refused, {self.sessions_completed} sessions, "
            f"{self.energy_wh / 1000:.1f} kWh"
        )
        return text + (f", {self.resends} resent" if self.resends else "")


class Fleet:
    """Simulated chargers run side by side (`run()`); `stop()` ends them between two messages."""

    def __init__(
        self,
        url: str,
        profiles: Sequence[ChargerProfile],
        *,
        ssl_context: ssl.SSLContext | None = None,
        stagger: float = 0.05,
        ledger: Ledger | None = None,
    ) -> None:
        self.chargers = [Charger(p, url, ssl_context=ssl_context, ledger=ledger) for p in profiles]
        self.stagger = stagger
        self.report = FleetReport(chargers=len(self.chargers))

    @property
    def in_flight(self) -> int:
        """Chargers with a message sent and not yet answered."""
        return sum(charger.in_flight for charger in self.chargers)

    @property
    def answered(self) -> int:
        return sum(charger.stats.answered for charger in self.chargers)

    def stop(self) -> None:
        for charger in self.chargers:
            charger.stop()

    async def run(self) -> FleetReport:
        """Run every charger until all are done; cancel, or `stop()`, to end them early."""
        report = self.report

        async def one(index: int, charger: Charger) -> None:
            await asyncio.sleep(index * self.stagger)
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
                for index, charger in enumerate(self.chargers):
                    group.create_task(one(index, charger))
        finally:
            total = ChargerStats()
            for charger in self.chargers:
                total.merge(charger.stats)
                report.errors.extend(charger.stats.error_samples)
            report.calls = total.answered
            report.refused = total.refused
            report.resends = total.resends
            report.sessions_completed = total.sessions_completed
            report.energy_wh = total.energy_wh
        return report


async def run_fleet(
    url: str,
    profiles: Sequence[ChargerProfile],
    *,
    ssl_context: ssl.SSLContext | None = None,
    stagger: float = 0.05,
    ledger: Ledger | None = None,
) -> FleetReport:
    """Run every profile's charger until all are done; cancel to stop them early."""
    fleet = Fleet(url, profiles, ssl_context=ssl_context, stagger=stagger, ledger=ledger)
    return await fleet.run()
