"""The grid connection of a simulated site: what every charger on it draws, per grid phase, at
every change. Chargers given one (`Charger(..., site_meter=...)`) tell it each time a car's draw
changes: a limit applied, a meter step, a car plugged in or done. Tests check its peaks against
the site's limit; its history is what the load plot in docs/smart-charging.md is drawn from."""

from __future__ import annotations

import time
from collections.abc import Callable

GRID = "RST"  # OCPP's letters for grid L1, L2, L3


class SiteMeter:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._start = clock()
        self._draws: dict[tuple[str, int], tuple[float, float, float]] = {}
        self.totals = (0.0, 0.0, 0.0)
        self.peaks = [0.0, 0.0, 0.0]
        # (seconds since the start, L1, L2, L3) after every change
        self.history: list[tuple[float, float, float, float]] = []

    def draw(
        self, station_id: str, connector: int, amps: float, phases: int, rotation: str
    ) -> None:
        """A car on `connector` now draws `amps` on each of its `phases` phases, wired to the
        grid by `rotation` (RST, STR, ...: the grid phase of the EVSE's L1, L2, L3)."""
        grid = [0.0, 0.0, 0.0]
        for index in range(phases):
            grid[GRID.index(rotation[index])] += amps
        self._draws[(station_id, connector)] = (grid[0], grid[1], grid[2])
        totals = [sum(d[i] for d in self._draws.values()) for i in range(3)]
        self.totals = (totals[0], totals[1], totals[2])
        self.peaks = [max(p, t) for p, t in zip(self.peaks, totals, strict=True)]
        self.history.append((self._clock() - self._start, *self.totals))
