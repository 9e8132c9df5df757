"""The charging profiles a simulated charger holds, and the limit they come to (its composite
schedule), as a well-behaved charger works it out.

Profiles are kept per connector (0: the whole station) by id; one with the same id, or the same
purpose and stack level on the same connector, replaces the one held. The limit for a session is
the highest-stacked TxProfile for its transaction on its connector, else the highest-stacked
TxDefaultProfile on its connector, else on the station; then the lowest of that and every
ChargePointMaxProfile (2.0.1: ChargingStationMaxProfile). Only the period in force now counts:
the simulator's sessions are short, and the server's limits have one period from the start.
A limit in W is turned into amperes per phase at 230 V on the phases the car draws on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

VOLTS = 230.0
TX = "TxProfile"
DEFAULT = "TxDefaultProfile"
MAXIMUM = ("ChargePointMaxProfile", "ChargingStationMaxProfile")


@dataclass(frozen=True, slots=True)
class HeldProfile:
    id: int
    connector: int
    purpose: str
    stack_level: int
    transaction_id: str | None
    unit: str  # "A" or "W"
    limit: float
    number_phases: int | None

    def amps(self, phases: int) -> float:
        """The limit in amperes per phase for a car drawing on `phases` phases."""
        if self.unit == "A":
            return self.limit
        return self.limit / (VOLTS * (self.number_phases or phases))

    def watts(self, phases: int) -> float:
        """The limit in watts for a car drawing on `phases` phases."""
        if self.unit == "A":
            return self.limit * VOLTS * phases
        return self.limit


def _schedule(profile: dict[str, Any]) -> dict[str, Any] | None:
    schedule = profile.get("chargingSchedule")
    if isinstance(schedule, list):  # 2.0.1: a list of schedules
        schedule = schedule[0] if schedule else None
    return schedule if isinstance(schedule, dict) else None


def parse(connector: int, profile: dict[str, Any]) -> HeldProfile | None:
    """A 1.6 `csChargingProfiles` or a 2.0.1 `chargingProfile`; None when it makes no sense."""
    schedule = _schedule(profile)
    if schedule is None:
        return None
    periods = schedule.get("chargingSchedulePeriod") or []
    if not periods:
        return None
    first = min(periods, key=lambda period: period.get("startPeriod", 0))
    number = profile.get("chargingProfileId", profile.get("id"))
    if number is None:
        return None
    transaction = profile.get("transactionId")
    return HeldProfile(
        id=int(number),
        connector=connector,
        purpose=str(profile.get("chargingProfilePurpose")),
        stack_level=int(profile.get("stackLevel", 0)),
        transaction_id=None if transaction is None else str(transaction),
        unit=str(schedule.get("chargingRateUnit", "W")).upper(),
        limit=float(first["limit"]),
        number_phases=first.get("numberPhases"),
    )


class ChargingLimits:
    """What the charger holds, by (connector, profile id)."""

    def __init__(self) -> None:
        self.held: dict[tuple[int, int], HeldProfile] = {}

    def set(self, connector: int, profile: dict[str, Any]) -> bool:
        """Hold a profile; False when it cannot be read (answered Rejected)."""
        parsed = parse(connector, profile)
        if parsed is None or (parsed.purpose == TX and connector == 0):
            return False
        for key, other in list(self.held.items()):
            same_slot = (other.connector, other.purpose, other.stack_level) == (
                connector,
                parsed.purpose,
                parsed.stack_level,
            )
            if other.id == parsed.id or same_slot:
                del self.held[key]
        self.held[(connector, parsed.id)] = parsed
        return True

    def clear(
        self,
        *,
        profile_id: int | None = None,
        connector: int | None = None,
        purpose: str | None = None,
        stack_level: int | None = None,
    ) -> int:
        """Drop what matches every criterion given; how many were dropped."""
        dropped = 0
        for key, held in list(self.held.items()):
            if profile_id is not None and held.id != profile_id:
                continue
            if connector is not None and held.connector != connector:
                continue
            if purpose is not None and held.purpose != purpose:
                continue
            if stack_level is not None and held.stack_level != stack_level:
                continue
            del self.held[key]
            dropped += 1
        return dropped

    def transaction_ended(self, connector: int) -> None:
        """A TxProfile lasts as long as its transaction."""
        self.clear(connector=connector, purpose=TX)

    def applying(self, connector: int, transaction_id: str | None) -> list[HeldProfile]:
        """The profiles that limit a session now: its TxProfile (else the default), and every
        station maximum."""
        held = self.held.values()
        tx = [
            p
            for p in held
            if p.purpose == TX
            and p.connector == connector
            and (p.transaction_id is None or p.transaction_id == transaction_id)
        ]
        chosen: list[HeldProfile] = []
        if tx and transaction_id is not None:
            chosen.append(max(tx, key=lambda p: p.stack_level))
        else:
            for target in (connector, 0):
                defaults = [p for p in held if p.purpose == DEFAULT and p.connector == target]
                if defaults:
                    chosen.append(max(defaults, key=lambda p: p.stack_level))
                    break
        return chosen + [p for p in held if p.purpose in MAXIMUM]

    def limit_a(self, connector: int, transaction_id: str | None, phases: int) -> float | None:
        """The composite limit in amperes per phase for a session; None: no limit held."""
        limits = [p.amps(phases) for p in self.applying(connector, transaction_id)]
        return min(limits) if limits else None

    def limit_w(self, connector: int, transaction_id: str | None, phases: int) -> float | None:
        """The same in watts."""
        limits = [p.watts(phases) for p in self.applying(connector, transaction_id)]
        return min(limits) if limits else None
