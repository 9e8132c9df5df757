"""What the server acknowledged, as simulated chargers saw it: the record a durability check
compares the server's database with.

A charger writes a fact down only once its message has a CALLRESULT: a transaction started (its
id and meter start), an energy reading (the time of each meter value the message carried: every
MeterValues, and in OCPP 2.0.1 every TransactionEvent), a transaction stopped (its meter stop).
Many chargers may share one ledger.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class Ledger:
    """Acknowledged transactions and readings, keyed by the transaction id the server knows."""

    starts: dict[str, str] = field(default_factory=dict)  # transaction id -> station id
    meter_start: dict[str, int] = field(default_factory=dict)  # transaction id -> Wh
    samples: dict[str, set[datetime]] = field(default_factory=lambda: defaultdict(set))
    stops: dict[str, int] = field(default_factory=dict)  # transaction id -> meter stop, Wh

    def started(self, station_id: str, transaction_id: str, meter_start_wh: int) -> None:
        self.starts[transaction_id] = station_id
        self.meter_start[transaction_id] = meter_start_wh

    def sampled(self, transaction_id: str, payload: dict[str, Any]) -> None:
        """The times of the meter values an acknowledged message carried (none: no reading)."""
        for value in payload.get("meterValue", ()):
            self.samples[transaction_id].add(datetime.fromisoformat(value["timestamp"]))

    def stopped(self, transaction_id: str, meter_stop_wh: int) -> None:
        self.stops[transaction_id] = meter_stop_wh
