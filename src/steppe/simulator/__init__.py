"""Simulated chargers: tests, the demo mode and load runs drive Steppe with this same code.

`Charger` speaks OCPP-J (1.6, 2.0.1 or 2.1) over a real WebSocket: the `websockets` client with the
protocol core's frame codec, or, for load runs, the lean client in `lean.py`. In durable mode it
keeps each message until acknowledged and can write a `Ledger` of what the server acknowledged.
`run_fleet` starts many of them. Like any client it imports `websockets` directly: it is the
charger's side of the wire, not part of the server's gateway.
"""

from steppe.simulator.charger import Charger, ChargerStopped
from steppe.simulator.fleet import Fleet, FleetReport, run_fleet
from steppe.simulator.ledger import Ledger
from steppe.simulator.profile import ChargerProfile
from steppe.simulator.stats import ChargerStats

__all__ = [
    "Charger",
    "ChargerProfile",
    "ChargerStats",
    "ChargerStopped",
    "Fleet",
    "FleetReport",
    "Ledger",
    "run_fleet",
]
