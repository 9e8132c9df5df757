"""Simulated chargers: tests, the demo mode and load runs drive Steppe with this same code.

`Charger` speaks OCPP-J over a real WebSocket (1.6 or 2.0.1) with the protocol core's frame
codec; `run_fleet` starts many of them. Like any client it imports `websockets` directly: it is
the charger's side of the wire, not part of the server's gateway.
"""

from steppe.simulator.charger import Charger, ChargerProfile
from steppe.simulator.fleet import FleetReport, run_fleet

__all__ = ["Charger", "ChargerProfile", "FleetReport", "run_fleet"]
