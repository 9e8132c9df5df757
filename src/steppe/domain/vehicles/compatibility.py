"""Which of a station's connectors a car can use, at what power, and how long a charge takes.

A car uses a connector when the connector's standard is one of its inlets (or an adapter its row
lists); nothing else is assumed, so a GB/T DC car does not use CCS2.

AC: the car draws the lower of the point's rating and its own on-board charger's, on the phases
both have. A single-phase car on a three-phase point draws one phase's share: the point's current
per phase (its rating over 3 x 230 V, to the whole ampere) times 230 V, so 32 A = 7.36 kW on a
22 kW point and 16 A = 3.68 kW on an 11 kW one. A three-phase car on a single-phase point draws up
to the point's rating on that phase. A point whose rating is not declared is taken as 32 A per
phase (7.4 kW single-phase, 22 kW three-phase); one rated under 6 A per phase cannot start a
charge (IEC 61851-1) and fits no car. AC power is constant over the state of charge.

DC: the car draws the lower of the connector's rating and its curve at that state of charge (the
row's curve, or the generic one of `Vehicle.curve()`); a connector of unknown rating does not
limit. Voltage and current limits of the charger (a 400 V car on a charger rated at 800 V) are
not modelled.

Energy: the estimate counts energy at the connector, which is what the meter shows and what a
tariff bills. Of it, a share is lost in the car (on-board charger, cables, battery heat) and does
not reach the battery: `AC_LOSS` = 10 % on AC, `DC_LOSS` = 5 % on DC. Going from SoC a to b
stores battery x (b - a) / 100 and draws that divided by (1 - loss) at the connector.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from itertools import pairwise

from steppe.domain.stations.connectors import standard_name
from steppe.domain.stations.models import Connector
from steppe.domain.vehicles.models import CurvePoint, Vehicle
from steppe.errors import InvalidInput

VOLTS = Decimal(230)
UNDECLARED_AC_KW = {1: Decimal("7.4"), 3: Decimal(22)}  # 32 A per phase at 230 V, as rated
MIN_AMPS = 6  # IEC 61851-1: below 6 A per phase a car does not start charging
AC_LOSS = Decimal("0.10")
DC_LOSS = Decimal("0.05")
AC_ONLY = frozenset({"GBT_AC", "IEC_62196_T1", "IEC_62196_T2", "IEC_62196_T3C", "DOMESTIC_F"})
DC_ONLY = frozenset({"GBT_DC", "IEC_62196_T1_COMBO", "IEC_62196_T2_COMBO", "CHADEMO", "CHAOJI"})
SINGLE_PHASE_ONLY = frozenset({"IEC_62196_T1", "DOMESTIC_F"})
LARGEST_SINGLE_PHASE_KW = Decimal("7.4")  # 32 A at 230 V, rounded as ratings are
SoC = Decimal | int


@dataclass(frozen=True, slots=True)
class Fit:
    """A connector the car can use and the most it draws there.

    `power_type` is what the connector delivers (`AC_1_PHASE`, `AC_3_PHASE` or `DC`); `phases`
    how many phases the car draws on (None on DC); `max_kw` the most the car draws there, before
    its DC curve lowers it; `rated` whether the connector declared its power.
    """

    connector: Connector
    standard: str
    power_type: str
    phases: int | None
    max_kw: Decimal
    rated: bool
    via_adapter: bool

    @property
    def is_dc(self) -> bool:
        return self.power_type == "DC"

    @property
    def free(self) -> bool:
        """Reported Available: free to plug in now."""
        return self.connector.status == "Available"


@dataclass(frozen=True, slots=True)
class ChargeEstimate:
    """A charge from `start_soc` to `end_soc` on one connector.

    `energy_kwh` is metered at the connector (losses included), `stored_kwh` what reaches the
    battery; `average_kw` is energy over duration.
    """

    fit: Fit
    start_soc: Decimal
    end_soc: Decimal
    duration: timedelta
    energy_kwh: Decimal
    stored_kwh: Decimal
    loss_share: Decimal

    @property
    def average_kw(self) -> Decimal:
        hours = Decimal(self.duration.total_seconds()) / 3600
        return self.energy_kwh / hours


# A piece whose power changes by less than this share of itself is integrated as flat.
NEARLY_FLAT = Decimal("1e-9")


def fit(vehicle: Vehicle, connector: Connector) -> Fit | None:
    """The fit of `vehicle` on `connector`, or None when the car cannot use it."""
    standard = _standard(connector.standard)
    if standard is None or standard not in vehicle.usable_standards:
        return None
    rating = _rating(connector.max_power_kw)
    power_type = _power_type(standard, connector.power_type, rating)
    via_adapter = standard not in vehicle.inlets
    if power_type == "DC":
        if vehicle.dc_max_kw is None:
            return None
        top = vehicle.dc_max_kw if rating is None else min(rating, vehicle.dc_max_kw)
        return Fit(connector, standard, "DC", None, top, rating is not None, via_adapter)
    point_phases = 1 if power_type == "AC_1_PHASE" else 3
    rated = rating is not None
    if rating is None:
        rating = UNDECLARED_AC_KW[point_phases]
    phases = min(point_phases, vehicle.ac_phases)
    amps_per_phase = (rating * 1000 / (VOLTS * point_phases)).to_integral_value(ROUND_HALF_UP)
    if amps_per_phase < MIN_AMPS:
        return None
    available = amps_per_phase * VOLTS * phases / 1000 if phases < point_phases else rating
    top = min(available, vehicle.ac_max_kw)
    return Fit(connector, standard, power_type, phases, top, rated, via_adapter)


def usable_connectors(vehicle: Vehicle, connectors: Iterable[Connector]) -> tuple[Fit, ...]:
    """The connectors the car can use, in the order given, each with the most it draws there."""
    found = (fit(vehicle, connector) for connector in connectors)
    return tuple(item for item in found if item is not None)


def power_at(vehicle: Vehicle, connector: Connector, soc: SoC | float) -> Decimal:
    """The kW the car draws on `connector` at state of charge `soc` (percent): 0 once full.

    Raises InvalidInput when the car cannot use the connector.
    """
    level = _soc(soc, "soc")
    return _power(_fit_or_fail(vehicle, connector), vehicle, level)


def estimate(
    vehicle: Vehicle, connector: Connector, start_soc: SoC = 20, end_soc: SoC = 80
) -> ChargeEstimate:
    """How long a charge from `start_soc` to `end_soc` takes on `connector`, and its energy.

    DC integrates the curve capped by the connector exactly (the power is linear between
    points, so each stretch takes battery / (100 x efficiency) x the integral of dSoC / P);
    AC is the constant power of the fit.
    """
    start, end = _soc(start_soc, "start_soc"), _soc(end_soc, "end_soc")
    if start >= end:
        raise InvalidInput(f"a charge must raise the state of charge: {start} % -> {end} %")
    chosen = _fit_or_fail(vehicle, connector)
    loss = DC_LOSS if chosen.is_dc else AC_LOSS
    efficiency = 1 - loss
    stored = vehicle.battery_kwh * (end - start) / 100
    energy = stored / efficiency
    with localcontext() as context:
        context.prec = 28
        if chosen.is_dc:
            per_kw = sum(
                (_inverse_integral(points) for points in _stretches(vehicle, chosen, start, end)),
                Decimal(0),
            )
            hours = vehicle.battery_kwh / (100 * efficiency) * per_kw
        else:
            hours = energy / chosen.max_kw
    duration = timedelta(seconds=float(hours * 3600))
    return ChargeEstimate(chosen, start, end, duration, energy, stored, loss)


def _fit_or_fail(vehicle: Vehicle, connector: Connector) -> Fit:
    found = fit(vehicle, connector)
    if found is None:
        usable = ", ".join(sorted(vehicle.usable_standards))
        raise InvalidInput(
            f"{vehicle.id} cannot use evse {connector.evse_id} connector "
            f"{connector.connector_id} ({connector.standard}, {connector.power_type}); "
            f"it takes {usable}" + ("" if vehicle.charges_on_dc else " on AC only")
        )
    return found


def _power(chosen: Fit, vehicle: Vehicle, soc: Decimal) -> Decimal:
    if soc >= 100:
        return Decimal(0)
    if not chosen.is_dc:
        return chosen.max_kw
    return _capped(chosen, vehicle.curve(), soc)


def _curve_at(curve: tuple[CurvePoint, ...], soc: Decimal) -> Decimal:
    first_soc, first_kw = curve[0]
    if soc <= first_soc:
        return first_kw
    for (left_soc, left_kw), (right_soc, right_kw) in pairwise(curve):
        if soc <= right_soc:
            share = (soc - left_soc) / (right_soc - left_soc)
            return left_kw + (right_kw - left_kw) * share
    return curve[-1][1]


def _stretches(
    vehicle: Vehicle, chosen: Fit, start: Decimal, end: Decimal
) -> list[tuple[Decimal, Decimal, Decimal, Decimal]]:
    """(soc0, kW0, soc1, kW1) pieces over which the capped power is linear."""
    curve = vehicle.curve()
    cuts = {start, end} | {Decimal(soc) for soc, _ in curve if start < soc < end}
    ordered = sorted(cuts)
    for left, right in pairwise(ordered):
        low, high = _curve_at(curve, left), _curve_at(curve, right)
        # where the curve crosses the connector's cap inside a piece, the piece splits there
        if (low - chosen.max_kw) * (high - chosen.max_kw) < 0:
            cuts.add(left + (right - left) * (chosen.max_kw - low) / (high - low))
    return [
        (left, _capped(chosen, curve, left), right, _capped(chosen, curve, right))
        for left, right in pairwise(sorted(cuts))
    ]


def _capped(chosen: Fit, curve: tuple[CurvePoint, ...], soc: Decimal) -> Decimal:
    return min(chosen.max_kw, _curve_at(curve, soc))


def _inverse_integral(piece: tuple[Decimal, Decimal, Decimal, Decimal]) -> Decimal:
    """The integral of dSoC / P over a piece where P goes linearly from kW0 to kW1."""
    left, low, right, high = piece
    width = right - left
    if abs(high - low) <= low * NEARLY_FLAT:
        # ln(high / low) / (high - low) loses every digit when the two are nearly equal (a
        # piece that ends where the curve crosses the cap by a rounding's width): the mean
        # power is exact to a millionth of that relative difference
        return width * 2 / (low + high)
    return width * (high / low).ln() / (high - low)


def _standard(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return standard_name(value)
    except InvalidInput:
        return None


def _rating(value: str | None) -> Decimal | None:
    if value is None:
        return None
    try:
        rating = Decimal(value)
    except InvalidOperation:
        return None
    return rating if rating.is_finite() and rating > 0 else None


def _power_type(standard: str, declared: str | None, rating: Decimal | None) -> str:
    """What the connector delivers; its standard wins over a declaration that contradicts it."""
    if standard in DC_ONLY:
        return "DC"
    if standard in SINGLE_PHASE_ONLY:
        return "AC_1_PHASE"
    if declared == "AC_1_PHASE" or declared == "AC_3_PHASE":
        return declared
    if declared == "DC" and standard not in AC_ONLY:
        return declared
    big = rating is None or rating > LARGEST_SINGLE_PHASE_KW
    if standard in AC_ONLY:
        return "AC_3_PHASE" if big else "AC_1_PHASE"
    return "DC" if rating is None or rating > 22 else "AC_1_PHASE"  # NACS, TESLA_S undeclared


def _soc(value: SoC | float, name: str) -> Decimal:
    level = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    if not level.is_finite() or not 0 <= level <= 100:
        raise InvalidInput(f"{name}: a state of charge is 0-100 %, not {value}")
    return level
