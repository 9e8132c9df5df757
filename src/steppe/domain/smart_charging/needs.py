"""A car's charging need from what its station reported (NotifyEVChargingNeeds, which only
OCPP 2.0.1 carries, stored as received by `domain/charging_profiles/`): the energy it wants by
its departure, and the most it can draw. None when the report says too little to plan on."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from steppe.domain.smart_charging.schedules import ChargingNeed
from steppe.errors import InvalidInput

VOLTS = Decimal(230)
PHASES = {"AC_single_phase": 1, "AC_two_phase": 2, "AC_three_phase": 3}


def need_from(report: dict[str, Any]) -> ChargingNeed | None:
    needs = report.get("chargingNeeds")
    if not isinstance(needs, dict):
        return None
    phases = PHASES.get(str(needs.get("requestedEnergyTransfer")))
    ac = needs.get("acChargingParameters")
    departure = needs.get("departureTime")
    if phases is None or not isinstance(ac, dict) or not isinstance(departure, str):
        return None
    try:
        leaves = datetime.fromisoformat(departure.replace("Z", "+00:00"))
        max_a = Decimal(str(ac["evMaxCurrent"]))
        min_a = max(Decimal(str(ac.get("evMinCurrent", 6))), Decimal(6))
        return ChargingNeed(
            energy_wh=int(ac["energyAmount"]),
            departure=leaves,
            max_power_w=int(max_a * VOLTS * phases),
            phases=phases,
            min_current_a=min_a,
        )
    except (KeyError, ValueError, TypeError, InvalidOperation, InvalidInput):
        return None
