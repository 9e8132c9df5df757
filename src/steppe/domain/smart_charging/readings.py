"""What the chargers on managed sites last measured, noted on the way past and read later.

MeterValues (and 2.0.1 TransactionEvents with samples) are on the hot path: answering them must
not wait for load management. `CurrentReadings.note` costs a set lookup and, for a station on a
managed site, one dictionary store and an event flag; the site load manager takes what was noted
in its own task and only there reads the per-phase `Current.Import` figures out of the samples.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal

from steppe.domain.transactions.models import Sample

CURRENT = "Current.Import"
# An EVSE's phase as MeterValues name it; line-to-neutral and plain names both count.
PHASE_INDEX = {"L1": 0, "L2": 1, "L3": 2, "L1-N": 0, "L2-N": 1, "L3-N": 2}
# station, EVSE (0 when the message does not say), transaction (when it says)
Key = tuple[str, int, str | None]


class CurrentReadings:
    """The latest samples per (station, EVSE) of the stations on managed sites."""

    def __init__(self) -> None:
        self._watched: frozenset[str] = frozenset()
        self._latest: dict[Key, Sequence[Sample]] = {}
        self.noted = asyncio.Event()

    def watch(self, station_ids: Iterable[str]) -> None:
        """The stations whose readings are worth keeping (replaces the previous set)."""
        self._watched = frozenset(station_ids)

    def note(
        self,
        station_id: str,
        evse_id: int | None,
        transaction_id: str | None,
        samples: Sequence[Sample],
    ) -> None:
        """Keep a reference to the samples; nothing is read or computed here."""
        if station_id not in self._watched or not samples:
            return
        self._latest[(station_id, evse_id or 0, transaction_id)] = samples
        self.noted.set()

    def take(self) -> dict[Key, tuple[Decimal, ...]]:
        """The per-phase currents (EVSE L1, L2, L3) noted since the last call, by EVSE."""
        latest, self._latest = self._latest, {}
        self.noted.clear()
        currents: dict[Key, tuple[Decimal, ...]] = {}
        for key, samples in latest.items():
            phases = phase_currents(samples)
            if phases:
                currents[key] = phases
        return currents


def phase_currents(samples: Sequence[Sample]) -> tuple[Decimal, ...]:
    """The latest `Current.Import` per phase (L1, L2, L3) in the samples; () when none names a
    phase. A phase not reported next to reported ones counts as 0 A."""
    found: dict[int, tuple[datetime, Decimal]] = {}
    for sample in samples:
        if sample.measurand != CURRENT or sample.location not in ("", "Outlet"):
            continue
        index = PHASE_INDEX.get(sample.phase)
        if index is None:
            continue
        known = found.get(index)
        if known is None or sample.timestamp >= known[0]:
            found[index] = (sample.timestamp, max(sample.value, Decimal(0)))
    if not found:
        return ()
    return tuple(found[i][1] if i in found else Decimal(0) for i in range(max(found) + 1))
