"""A cost-aware charging schedule for one car: its energy by departure, in the cheapest hours.

Input: the site's energy prices by local time of day (`DayPrices`), what the car needs
(`ChargingNeed`, as an EV reports it in NotifyEVChargingNeeds: energy, departure, its maximum),
the limit the allocator gives it now, and the moment. Output: periods of (offset in seconds,
limit in A per phase), a charging schedule's shape, that deliver the need at the lowest cost, or,
when it cannot be met, charge as fast as allowed from now on and say by how much it falls short.

The time to departure is cut at every price change; the cheapest pieces are filled first, each at
the allowed current (earlier first among equal prices). The last piece is charged at the lower
current that just meets the need, or, when that would be under the car's minimum, at the allowed
current for the first part of the piece only. After departure the car may charge as fast as
allowed. Energy assumes the current is drawn in full at the nominal voltage: no charger or battery
losses, no taper near full; recompute when the allocator's limit or the car's need changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from steppe.domain.smart_charging.models import MIN_CURRENT_A
from steppe.domain.smart_charging.units import current
from steppe.errors import InvalidInput

_STEP = Decimal("0.1")  # the schedule's current resolution, A
_HOUR = Decimal(3600)


@dataclass(frozen=True, slots=True)
class PriceStep:
    """From local time `start` until the next step's start, energy costs `price_per_kwh`."""

    start: time
    price_per_kwh: Decimal


@dataclass(frozen=True, slots=True)
class DayPrices:
    """A site's energy prices over a day in its own time zone (IANA name), repeating daily."""

    zone: str
    steps: tuple[PriceStep, ...]
    tz: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "tz", ZoneInfo(self.zone))
        except (ZoneInfoNotFoundError, ValueError):
            raise InvalidInput(f"prices: unknown time zone {self.zone!r}") from None
        if not self.steps:
            raise InvalidInput("prices: at least one price step")
        starts = [s.start for s in self.steps]
        if len(set(starts)) != len(starts):
            raise InvalidInput("prices: two steps start at the same time")
        if any(s.start.tzinfo is not None for s in self.steps):
            raise InvalidInput("prices: step times are local times of day, without a zone")
        for step in self.steps:
            if not step.price_per_kwh.is_finite() or step.price_per_kwh < 0:
                raise InvalidInput("prices: a price must be a finite amount, not negative")
        object.__setattr__(self, "steps", tuple(sorted(self.steps, key=lambda s: s.start)))

    def price_at(self, moment: datetime) -> Decimal:
        """The price in force at `moment` (an aware datetime)."""
        local = moment.astimezone(self.tz).time().replace(tzinfo=None)
        price = self.steps[-1].price_per_kwh  # before the first step of the day: last of the eve
        for step in self.steps:
            if step.start <= local:
                price = step.price_per_kwh
        return price

    def changes(self, start: datetime, end: datetime) -> list[datetime]:
        """Every moment strictly between `start` and `end` at which the price may change."""
        out = []
        day: date = start.astimezone(self.tz).date() - timedelta(days=1)
        last = end.astimezone(self.tz).date() + timedelta(days=1)
        while day <= last:
            for step in self.steps:
                moment = datetime.combine(day, step.start, tzinfo=self.tz)
                if start < moment < end:
                    out.append(moment)
            day += timedelta(days=1)
        return sorted(set(out))


@dataclass(frozen=True, slots=True)
class ChargingNeed:
    """What a car needs: `energy_wh` by `departure`, drawing at most `max_power_w` on `phases`
    phases at `voltage_v` per phase, and at least `min_current_a` when it draws at all."""

    energy_wh: int
    departure: datetime
    max_power_w: int
    phases: int = 3
    voltage_v: Decimal = Decimal(230)
    min_current_a: Decimal = MIN_CURRENT_A

    def __post_init__(self) -> None:
        if self.energy_wh < 0 or self.max_power_w < 0:
            raise InvalidInput("charging need: energy and power must not be negative")
        if self.departure.tzinfo is None:
            raise InvalidInput("charging need: departure must carry a time zone")
        if self.phases not in (1, 2, 3):
            raise InvalidInput("charging need: phases must be 1, 2 or 3")
        if current(self.voltage_v, "charging need: voltage") <= 0:
            raise InvalidInput("charging need: voltage must be positive")
        current(self.min_current_a, "charging need: minimum current")


@dataclass(frozen=True, slots=True)
class Period:
    """From `start_s` seconds after the schedule starts, at most `limit_a` per phase (0: wait)."""

    start_s: int
    limit_a: Decimal


@dataclass(frozen=True, slots=True)
class Schedule:
    """A car's plan: its periods, the energy and cost they should come to, and whether that
    meets the need (if not, `shortfall_wh` says by how much, and the car charges flat out)."""

    periods: tuple[Period, ...]
    energy_wh: int
    cost: Decimal
    meets_need: bool
    shortfall_wh: int


@dataclass(slots=True)
class _Piece:
    start: datetime
    end: datetime
    price: Decimal
    limit: Decimal = Decimal(0)
    energy_ws: Decimal = Decimal(0)  # watt-seconds: products of the inputs, so exact
    split: datetime | None = None  # charged at `limit` only until here, then 0


def cheapest_schedule(
    prices: DayPrices, need: ChargingNeed, limit_a: Decimal, now: datetime
) -> Schedule:
    """The lowest-cost schedule from `now` meeting `need` within the allocator's `limit_a`."""
    if now.tzinfo is None:
        raise InvalidInput("schedule: now must carry a time zone")
    limit_a = current(limit_a, "schedule: limit")
    per_amp_w = need.voltage_v * need.phases
    allowed = min(limit_a, Decimal(need.max_power_w) / per_amp_w).quantize(_STEP, ROUND_FLOOR)
    if allowed < need.min_current_a:
        allowed = Decimal(0)  # the car cannot be offered enough to draw at all
    if need.energy_wh == 0:
        return Schedule((Period(0, Decimal(0)),), 0, Decimal(0), True, 0)
    if need.departure <= now or allowed == 0:
        return Schedule((Period(0, allowed),), 0, Decimal(0), False, need.energy_wh)

    cuts = [now, *prices.changes(now, need.departure), need.departure]
    pieces = [_Piece(a, b, prices.price_at(a)) for a, b in pairwise(cuts)]
    power_w = allowed * per_amp_w
    wanted_ws = Decimal(need.energy_wh) * _HOUR
    room_ws = sum((power_w * _seconds(p.start, p.end) for p in pieces), Decimal(0))
    if room_ws <= wanted_ws:
        for piece in pieces:
            piece.limit = allowed
            piece.energy_ws = power_w * _seconds(piece.start, piece.end)
    else:
        left = wanted_ws
        for piece in sorted(pieces, key=lambda p: (p.price, p.start)):
            if left <= 0:
                break
            full = power_w * _seconds(piece.start, piece.end)
            if full <= left:
                piece.limit, piece.energy_ws = allowed, full
            else:
                _part(piece, left, allowed, per_amp_w, need.min_current_a)
            left -= piece.energy_ws
    energy_ws = sum((p.energy_ws for p in pieces), Decimal(0))
    cost = sum((p.energy_ws * p.price for p in pieces), Decimal(0)) / (_HOUR * 1000)
    delivered = int(energy_ws // _HOUR)
    shortfall = max(0, need.energy_wh - delivered)
    return Schedule(_periods(pieces, now, allowed), delivered, cost, shortfall == 0, shortfall)


def _part(
    piece: _Piece, left_ws: Decimal, allowed: Decimal, per_amp_w: Decimal, floor: Decimal
) -> None:
    """Charge `left_ws` in this piece: spread at the lowest current that does it, or, when that
    is under the car's minimum, at the allowed current for the first part of the piece."""
    seconds = _seconds(piece.start, piece.end)
    spread = (left_ws / (per_amp_w * seconds)).quantize(_STEP, ROUND_CEILING)
    if spread * per_amp_w * seconds < left_ws:  # the division rounded down past a step
        spread += _STEP
    if spread >= floor:
        piece.limit = spread
        piece.energy_ws = spread * per_amp_w * seconds
        return
    power_w = allowed * per_amp_w
    needed_s = (left_ws / power_w).to_integral_value(ROUND_CEILING)
    if needed_s * power_w < left_ws:
        needed_s += 1
    piece.limit = allowed
    piece.split = piece.start + timedelta(seconds=int(needed_s))
    piece.energy_ws = power_w * needed_s


def _periods(pieces: list[_Piece], now: datetime, allowed: Decimal) -> tuple[Period, ...]:
    raw: list[tuple[datetime, Decimal]] = []
    for piece in pieces:
        raw.append((piece.start, piece.limit))
        if piece.split is not None and piece.split < piece.end:
            raw.append((piece.split, Decimal(0)))
    raw.append((pieces[-1].end, allowed))  # after departure: as fast as allowed
    out: list[Period] = []
    for moment, limit in raw:
        offset = _whole_seconds(moment - now)
        while out and out[-1].start_s >= offset:
            out.pop()  # a piece shorter than a second gives way to the next
        if not out or out[-1].limit_a != limit:
            out.append(Period(offset, limit))
    return tuple(out)


def _seconds(start: datetime, end: datetime) -> Decimal:
    span = end - start
    return Decimal(span.days * 86400 + span.seconds) + Decimal(span.microseconds).scaleb(-6)


def _whole_seconds(span: timedelta) -> int:
    return span.days * 86400 + span.seconds
