"""The pricing engine: a tariff and a session in, periods and totals out. Pure and `Decimal`.

Rules (OCPI 2.2.1 with its ambiguities settled, see docs/tariffs.md):

1. The session is cut into periods at every instant a restriction could switch: segment edges,
   local midnights and times of day in the location's zone, offset changes, durations and the
   moments the energy reaches a kWh bound.
2. In each period, each dimension takes the first element (in list order) that has a component
   of that dimension and whose restrictions hold at the middle of the period.
3. ENERGY is billed per Wh delivered, TIME per second charging, PARKING_TIME per second not
   charging, FLAT once per session (the first FLAT that applies).
4. `step_size` is applied once per dimension: its total is rounded up to a multiple of the
   step size of the last period that billed it, and the extra is billed at that period's price.
5. VAT is the component's own percent, else the country's rate on the local date the period
   starts. Totals are clamped to min/max price (excl. and incl. VAT each) and rounded half up to
   the currency's minor unit at the very end, nowhere before.
"""

from __future__ import annotations

import bisect
import itertools
import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal, localcontext
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from steppe.domain.tariffs.currencies import round_money
from steppe.domain.tariffs.models import Dimension, Element, PriceComponent, Tariff
from steppe.domain.tariffs.periods import SECONDS_PER_HOUR, Segment, Session, seconds_between
from steppe.domain.tariffs.restrictions import (
    State,
    duration_cut_instants,
    energy_thresholds_wh,
    holds,
    local_cut_instants,
)
from steppe.domain.tariffs.vat import vat_rate
from steppe.errors import InvalidInput, Unpriceable

STEPPED = (Dimension.ENERGY, Dimension.TIME, Dimension.PARKING_TIME)
WH_PER_KWH = Decimal(1000)


@dataclass(frozen=True, slots=True)
class Charge:
    """One dimension billed in one period: quantity in Wh, seconds, or 1 for FLAT."""

    dimension: Dimension
    element: int
    price: Decimal
    vat: Decimal | None
    step_size: int
    quantity: Decimal
    amount: Decimal
    amount_incl: Decimal

    def as_dict(self) -> dict[str, Any]:
        return {
            "type": self.dimension.value,
            "element": self.element,
            "price": str(self.price),
            "vat": None if self.vat is None else str(self.vat),
            "step_size": self.step_size,
            "quantity": show(self.quantity, 3),
            "excl_vat": show(self.amount, 6),
            "incl_vat": show(self.amount_incl, 6),
        }


@dataclass(frozen=True, slots=True)
class Period:
    start: datetime
    end: datetime
    energy_wh: Decimal
    charging: bool
    charges: tuple[Charge, ...]

    @property
    def seconds(self) -> Decimal:
        return seconds_between(self.start, self.end)

    def as_dict(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "energy_wh": show(self.energy_wh, 3),
            "charging": self.charging,
            "charges": [charge.as_dict() for charge in self.charges],
        }


@dataclass(frozen=True, slots=True)
class DimensionTotal:
    dimension: Dimension
    measured: Decimal
    billed: Decimal
    amount: Decimal
    amount_incl: Decimal

    def as_dict(self) -> dict[str, Any]:
        return {
            "type": self.dimension.value,
            "measured": show(self.measured, 3),
            "billed": show(self.billed, 3),
            "excl_vat": show(self.amount, 6),
            "incl_vat": show(self.amount_incl, 6),
        }


@dataclass(frozen=True, slots=True)
class Costing:
    """The priced session: every period, the totals per dimension and the final amounts."""

    tariff_id: str
    currency: str
    start: datetime
    end: datetime
    time_zone: str
    country: str | None
    energy_wh: Decimal
    charging_seconds: Decimal
    parking_seconds: Decimal
    periods: tuple[Period, ...]
    dimensions: tuple[DimensionTotal, ...]
    exact_excl_vat: Decimal
    exact_incl_vat: Decimal
    clamped_by: str | None
    excl_vat: Decimal
    incl_vat: Decimal

    def as_dict(self) -> dict[str, Any]:
        return {
            "tariff_id": self.tariff_id,
            "currency": self.currency,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "time_zone": self.time_zone,
            "country": self.country,
            "energy_wh": show(self.energy_wh, 3),
            "charging_seconds": show(self.charging_seconds, 3),
            "parking_seconds": show(self.parking_seconds, 3),
            "periods": [period.as_dict() for period in self.periods],
            "dimensions": [total.as_dict() for total in self.dimensions],
            "clamped_by": self.clamped_by,
            "total_cost": {"excl_vat": str(self.excl_vat), "incl_vat": str(self.incl_vat)},
        }


def show(value: Decimal, places: int) -> str:
    """A decimal as plain text with at most `places` decimals (for display, not for sums)."""
    quantized = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP).normalize()
    return format(quantized, "f")


def price(tariff: Tariff, session: Session, *, deadline: float | None = None) -> Costing:
    """Price `session` under `tariff`; past `deadline` (a `time.monotonic()` instant) it gives
    up with Unpriceable, as it does when a figure leaves the range of the arithmetic."""
    try:
        zone = ZoneInfo(session.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"time_zone: not an IANA time zone: {session.time_zone!r}") from None
    try:
        with localcontext() as ctx:
            ctx.prec = 40
            periods = _priced_periods(tariff, session, zone, deadline)
            periods = _apply_step_sizes(periods)
            costing = _totals(tariff, session, zone, periods)
        costing.as_dict()  # every figure must also show
    except (ArithmeticError, OverflowError) as exc:
        raise Unpriceable(f"tariff {tariff.id!r}: a figure out of range ({exc!r})") from None
    return costing


def _check(deadline: float | None) -> None:
    if deadline is not None and time.monotonic() > deadline:
        raise Unpriceable("pricing this session took longer than the pricing time budget")


def _timeline(tariff: Tariff, session: Session, zone: ZoneInfo) -> list[tuple[datetime, Decimal]]:
    """Cut instants with the exact energy delivered up to each, oldest first."""
    start, end = session.start, session.end
    points: dict[datetime, Decimal] = {start: Decimal(0)}
    cumulative = Decimal(0)
    for segment in session.segments:
        cumulative += segment.energy_wh
        points[segment.end] = cumulative
    cuts = local_cut_instants(tariff.elements, start, end, zone)
    cuts |= duration_cut_instants(tariff.elements, start, end)
    for instant in cuts:
        if instant not in points:
            points[instant] = _energy_at(session.segments, instant)
    for threshold in energy_thresholds_wh(tariff.elements):
        crossing = _instant_of_energy(session.segments, threshold)
        if crossing is not None and crossing not in points:
            points[crossing] = threshold
    return sorted(points.items())


def _energy_at(segments: tuple[Segment, ...], instant: datetime) -> Decimal:
    done = Decimal(0)
    for segment in segments:
        if instant >= segment.end:
            done += segment.energy_wh
            continue
        if instant > segment.start:
            part = seconds_between(segment.start, instant) / segment.seconds
            done += segment.energy_wh * part
        break
    return done


def _instant_of_energy(segments: tuple[Segment, ...], threshold: Decimal) -> datetime | None:
    """When the delivered energy reaches `threshold` inside a segment (not at its edges)."""
    done = Decimal(0)
    for segment in segments:
        if done < threshold < done + segment.energy_wh:
            part = (threshold - done) / segment.energy_wh
            micros = int((segment.seconds * part * 1_000_000).to_integral_value(ROUND_HALF_UP))
            instant = segment.start + timedelta(microseconds=micros)
            return instant if segment.start < instant < segment.end else None
        done += segment.energy_wh
    return None


def _segment_at(
    segments: tuple[Segment, ...], starts: list[datetime], instant: datetime
) -> Segment:
    index = max(bisect.bisect_right(starts, instant) - 1, 0)
    return segments[index]


def _first_match(
    elements: tuple[Element, ...], dimension: Dimension, state: State
) -> tuple[int, PriceComponent] | None:
    for index, element in enumerate(elements):
        component = element.component(dimension)
        if component is not None and holds(element.restrictions, state):
            return index, component
    return None


def _priced_periods(
    tariff: Tariff, session: Session, zone: ZoneInfo, deadline: float | None
) -> list[Period]:
    points = _timeline(tariff, session, zone)
    _check(deadline)
    if len(points) == 1:  # a session of no duration still meets its FLAT fee
        points.append(points[0])
    segments = session.segments or (Segment(session.start, session.start, Decimal(0), True),)
    starts = [segment.start for segment in segments]
    flat_billed = False
    periods: list[Period] = []
    for (a, energy_a), (b, energy_b) in itertools.pairwise(points):
        _check(deadline)
        segment = _segment_at(segments, starts, a)
        middle = a + (b - a) / 2
        state = State(
            local=middle.astimezone(zone),
            elapsed_seconds=seconds_between(session.start, middle),
            energy_kwh=(energy_a + energy_b) / 2 / WH_PER_KWH,
            power_kw=segment.power_kw,
            current_a=segment.current_a,
        )
        seconds = seconds_between(a, b)
        measured = {
            Dimension.ENERGY: energy_b - energy_a,
            Dimension.TIME: seconds if segment.charging else Decimal(0),
            Dimension.PARKING_TIME: Decimal(0) if segment.charging else seconds,
            Dimension.FLAT: Decimal(0) if flat_billed else Decimal(1),
        }
        local_day = a.astimezone(zone).date()
        charges: list[Charge] = []
        for dimension in Dimension:
            match = _first_match(tariff.elements, dimension, state)
            if match is None:
                continue
            quantity = measured[dimension]
            if dimension is Dimension.FLAT:
                if flat_billed:
                    continue
                flat_billed = True
            elif quantity <= 0:
                continue
            index, component = match
            vat = (
                component.vat if component.vat is not None else vat_rate(session.country, local_day)
            )
            charges.append(_charge(dimension, index, component, vat, quantity))
        periods.append(Period(a, b, energy_b - energy_a, segment.charging, tuple(charges)))
    return periods


def _charge(
    dimension: Dimension,
    element: int,
    component: PriceComponent,
    vat: Decimal | None,
    quantity: Decimal,
) -> Charge:
    if dimension is Dimension.ENERGY:
        amount = component.price * quantity / WH_PER_KWH
    elif dimension is Dimension.FLAT:
        amount = component.price
    else:
        amount = component.price * quantity / SECONDS_PER_HOUR
    incl = amount if vat is None else amount * (1 + vat / 100)
    return Charge(
        dimension, element, component.price, vat, component.step_size, quantity, amount, incl
    )


def _apply_step_sizes(periods: list[Period]) -> list[Period]:
    """Round each dimension's total up to the step size of its last billed period."""
    for dimension in STEPPED:
        billed = [
            (p_index, c_index, charge)
            for p_index, period in enumerate(periods)
            for c_index, charge in enumerate(period.charges)
            if charge.dimension is dimension
        ]
        if not billed:
            continue
        p_index, c_index, last = billed[-1]
        if last.step_size == 0:
            continue  # no rounding asked for
        step = Decimal(last.step_size)
        total = sum((charge.quantity for _, _, charge in billed), Decimal(0))
        rounded = (total / step).to_integral_value(ROUND_CEILING) * step
        extra = rounded - total
        if extra <= 0:
            continue
        grown = _charge(
            dimension,
            last.element,
            PriceComponent(dimension, last.price, last.step_size, last.vat),
            last.vat,
            last.quantity + extra,
        )
        period = periods[p_index]
        charges = list(period.charges)
        charges[c_index] = grown
        periods[p_index] = replace(period, charges=tuple(charges))
    return periods


def _totals(tariff: Tariff, session: Session, zone: ZoneInfo, periods: list[Period]) -> Costing:
    dimensions: list[DimensionTotal] = []
    for dimension in Dimension:
        charges = [c for p in periods for c in p.charges if c.dimension is dimension]
        if not charges:
            continue
        if dimension is Dimension.ENERGY:
            measured = sum((p.energy_wh for p in periods), Decimal(0))
        elif dimension is Dimension.TIME:
            measured = sum((p.seconds for p in periods if p.charging), Decimal(0))
        elif dimension is Dimension.PARKING_TIME:
            measured = sum((p.seconds for p in periods if not p.charging), Decimal(0))
        else:
            measured = Decimal(1)
        dimensions.append(
            DimensionTotal(
                dimension,
                measured,
                sum((c.quantity for c in charges), Decimal(0)),
                sum((c.amount for c in charges), Decimal(0)),
                sum((c.amount_incl for c in charges), Decimal(0)),
            )
        )
    exact_excl = sum((d.amount for d in dimensions), Decimal(0))
    exact_incl = sum((d.amount_incl for d in dimensions), Decimal(0))
    excl, incl, clamped_by = _clamp(tariff, session, zone, exact_excl, exact_incl)
    return Costing(
        tariff_id=tariff.id,
        currency=tariff.currency,
        start=session.start,
        end=session.end,
        time_zone=session.time_zone,
        country=session.country,
        energy_wh=session.energy_wh,
        charging_seconds=sum((p.seconds for p in periods if p.charging), Decimal(0)),
        parking_seconds=sum((p.seconds for p in periods if not p.charging), Decimal(0)),
        periods=tuple(periods),
        dimensions=tuple(dimensions),
        exact_excl_vat=exact_excl,
        exact_incl_vat=exact_incl,
        clamped_by=clamped_by,
        excl_vat=round_money(excl, tariff.currency),
        incl_vat=round_money(incl, tariff.currency),
    )


def _clamp(
    tariff: Tariff, session: Session, zone: ZoneInfo, excl: Decimal, incl: Decimal
) -> tuple[Decimal, Decimal, str | None]:
    """Apply min_price and max_price to both totals.

    A bound without `incl_vat` moves the total incl. VAT in proportion to the one excl. VAT.
    """
    if excl > 0:
        ratio = incl / excl
    else:
        rate = vat_rate(session.country, session.start.astimezone(zone).date())
        ratio = Decimal(1) if rate is None else 1 + rate / 100
    clamped_by: str | None = None
    for name, bound, sign in (
        ("min_price", tariff.min_price, 1),
        ("max_price", tariff.max_price, -1),
    ):
        if bound is None:
            continue
        new_excl = bound.excl_vat if sign * (bound.excl_vat - excl) > 0 else excl
        if bound.incl_vat is not None:
            new_incl = bound.incl_vat if sign * (bound.incl_vat - incl) > 0 else incl
        else:
            new_incl = new_excl * ratio if new_excl != excl else incl
        if (new_excl, new_incl) != (excl, incl):
            clamped_by = name
        excl, incl = new_excl, new_incl
    return excl, incl, clamped_by
