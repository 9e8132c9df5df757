"""What site load management adds to a MeterValues: `CurrentReadings.note`, against what the
message already costs before its write (turning its samples into rows).

python -m bench.meter_note [--messages 200000]

A message of a three-phase charger carries ten samples (energy, power, three currents, three
voltages, SoC, temperature). Three figures per message, timed in the same run over the same
messages: the rows built for the write (`Sample.as_row` for each sample, as
`TransactionService.meter_values` does for every message), `note` for a station on a managed
site, and `note` for a station on none. Nothing is asserted; the ratio is the figure to read.
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime
from decimal import Decimal

from steppe.domain.smart_charging.readings import CurrentReadings
from steppe.domain.transactions.models import Sample


def _message() -> list[Sample]:
    at = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    samples = [
        Sample(at, "Energy.Active.Import.Register", Decimal(123456), "Wh"),
        Sample(at, "Power.Active.Import", Decimal(11000), "W"),
        Sample(at, "SoC", Decimal(55), "Percent"),
        Sample(at, "Temperature", Decimal(31), "Celsius"),
    ]
    for phase in ("L1", "L2", "L3"):
        samples.append(Sample(at, "Current.Import", Decimal("15.9"), "A", phase))
        samples.append(Sample(at, "Voltage", Decimal(231), "V", f"{phase}-N"))
    return samples


def _time(work: object, messages: int) -> float:
    start = time.perf_counter()
    work()  # type: ignore[operator]
    return (time.perf_counter() - start) / messages * 1e9


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=200_000)
    n = parser.parse_args().messages
    message = _message()
    readings = CurrentReadings()
    readings.watch([f"ALA-{i}" for i in range(1_000)])

    def rows() -> None:
        for _ in range(n):
            [s.as_row("ALA-7", 1, 42) for s in message]

    def watched() -> None:
        for _ in range(n):
            readings.note("ALA-7", 1, "42", message)

    def other() -> None:
        for _ in range(n):
            readings.note("ELSEWHERE-1", 1, "42", message)

    base = _time(rows, n)
    on_site = _time(watched, n)
    off_site = _time(other, n)
    print(f"rows for the write:        {base:8.0f} ns a message")
    print(f"note, station on a site:   {on_site:8.0f} ns ({on_site / base:.1%} of that)")
    print(f"note, station on no site:  {off_site:8.0f} ns ({off_site / base:.1%} of that)")
    start = time.perf_counter()
    taken = readings.take()
    print(
        f"the manager's take() of what was noted: {(time.perf_counter() - start) * 1e6:.0f} us,"
        f" {len(taken)} EVSE"
    )


if __name__ == "__main__":
    main()
