"""How one simulated charger behaves: what it says, how it charges, how it talks to the server."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from steppe.domain.vehicles.models import Vehicle

# "websockets": the `websockets` client (TLS, a reader task, the server's calls served at any
# time). "lean": the lean RFC 6455 client, one call at a time read in the caller's task, for load
# runs where every microsecond the charger spends is taken from the server it measures.
TransportKind = Literal["websockets", "lean"]


@dataclass(frozen=True)
class ChargerProfile:
    """One simulated charger's behaviour. Times are in real seconds."""

    station_id: str
    password: str | None = None
    ocpp_version: str = "1.6"
    connectors: int = 2
    power_kw: float = 22.0
    id_tokens: tuple[str, ...] = ("SIM-TOKEN",)
    sessions: int | None = None  # None: keep charging until stopped
    idle_seconds: tuple[float, float] = (2.0, 10.0)
    session_seconds: tuple[float, float] = (30.0, 120.0)
    meter_interval: float = 10.0
    time_scale: float = 1.0  # simulated seconds of charging per real second
    heartbeat_max: float = 300.0
    seed: int | None = None
    # What it says about itself and in its meter values.
    vendor: str = "Steppe"
    model: str = "Simulated AC/DC"
    firmware_version: str | None = "sim-1.0"  # None: not sent at boot
    report_serial: bool = True  # the station id as serial number at boot
    report_power: bool = True  # a power sample beside each energy reading
    meter_start_wh: int | None = None  # the energy register at first; None: a random reading
    # The link.
    transport: TransportKind = "websockets"
    open_timeout: float = 10.0
    call_timeout: float = 30.0
    # Durable delivery: keep each message until the server acknowledges it, reconnecting (and
    # booting again) and resending after a lost or silent link, as real chargers do with their
    # transaction messages; a message refused with a CALLERROR is sent again, up to
    # `message_attempts` times in all.
    durable: bool = False
    message_attempts: int = 10
    retry_seconds: tuple[float, float] = (0.05, 0.2)  # pause before a message is sent again
    # Cars that come to charge (catalogue rows, `steppe.simulator.car`): a session then draws
    # power along one of them that fits the connector, from a state of charge in `arrival_soc`
    # up to `target_soc`, under any charging limit the server sent; it ends when the car is
    # full. `outlets` gives each connector's (standard, kW); without them every connector is
    # Type 2 at `power_kw` (CCS2 above 22 kW). No vehicles: the flat `power_kw` sessions above.
    vehicles: tuple[Vehicle, ...] = ()
    outlets: tuple[tuple[str, float], ...] = ()
    arrival_soc: tuple[float, float] = (10.0, 40.0)
    target_soc: float = 90.0
    # Its wiring and its charging profiles: an AC car draws on the lesser of its own phases and
    # the charger's; `rotation` puts the charger's L1, L2, L3 on grid phases (R, S, T: grid L1,
    # L2, L3) for a `SiteMeter`. A charger that does not `accept_profiles` answers Rejected.
    # `report_currents`: Current.Import per phase beside each energy reading.
    phases: int = 3
    rotation: str = "RST"
    accept_profiles: bool = True
    report_currents: bool = False

    def outlet_of(self, connector: int) -> tuple[str, float]:
        """The (standard, kW) of a connector (numbered from 1)."""
        if 0 < connector <= len(self.outlets):
            return self.outlets[connector - 1]
        return ("IEC_62196_T2_COMBO" if self.power_kw > 22 else "IEC_62196_T2", self.power_kw)
