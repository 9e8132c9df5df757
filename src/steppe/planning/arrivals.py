"""Drawing every arrival of a run at once, with numpy, before the event loop starts.

Each stream is a Poisson process whose rate changes hour by hour (day rate x local hour-of-week
profile x site weight), or, for a `regular` theory stream, arrivals at fixed intervals. Each
arrival gets its car kind (from the month's mix), the state of charge it arrives with and wants,
and unit draws that the loop scales: time left plugged in after charging, patience, plug-in time.
Draws are made stream by stream in a fixed order, so a seed gives the same arrivals everywhere.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from steppe.planning.model import HOURS_PER_WEEK, Model, Stream

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
MIN_SOC, MAX_ARRIVAL_SOC, MIN_GAIN = 2.0, 95.0, 5.0


@dataclass(frozen=True, slots=True)
class Arrivals:
    """One row per arrival, sorted by time."""

    time: FloatArray
    site: IntArray
    kind: IntArray
    start: FloatArray  # progress at arrival (SoC %, or kWh for plain cars)
    end: FloatArray  # progress wanted (math.inf for plain cars: the plug-in time decides)
    dwell: FloatArray  # unit exponential, scaled by the charger's mean dwell
    patience: FloatArray  # seconds the driver waits (math.inf: for ever)
    hold: FloatArray  # seconds plugged in for plain cars; -1 when the charge decides

    def __len__(self) -> int:
        return len(self.time)


def local_hour_of_week(model: Model, site: IntArray, hour: IntArray) -> IntArray:
    """Monday-00:00-based local hour of the week of UTC hour `hour` since the start."""
    start = model.calendar.start
    base = start.weekday() * 24 + start.hour
    offsets = np.array([round(s.utc_offset_h) for s in model.sites], dtype=np.int64)
    return np.asarray((base + hour + offsets[site]) % HOURS_PER_WEEK, dtype=np.int64)


def draw(model: Model, rng: np.random.Generator) -> Arrivals:
    parts = [_stream(model, stream, rng) for stream in model.streams]
    parts = [part for part in parts if len(part.time)]
    if not parts:
        empty = np.zeros(0)
        none = np.zeros(0, dtype=np.int64)
        return Arrivals(empty, none, none, empty, empty, empty, empty, empty)
    joined = {
        name: np.concatenate([getattr(part, name) for part in parts])
        for name in Arrivals.__dataclass_fields__
    }
    order = np.argsort(joined["time"], kind="stable")
    return Arrivals(**{name: values[order] for name, values in joined.items()})


def _times(model: Model, stream: Stream, rng: np.random.Generator) -> tuple[FloatArray, IntArray]:
    horizon = model.calendar.horizon_s
    sites = np.array(stream.sites, dtype=np.int64)
    weights = np.array(stream.site_weights, dtype=np.float64)
    if stream.regular:
        found_times: list[FloatArray] = []
        found_sites: list[IntArray] = []
        for site, weight in zip(sites, weights, strict=True):
            per_hour = stream.daily_rate[0] / 24 * weight
            if per_hour <= 0:
                continue
            found = np.arange(0.0, horizon, 3600.0 / per_hour)
            found_times.append(found)
            found_sites.append(np.full(len(found), site, dtype=np.int64))
        if not found_times:
            return np.zeros(0), np.zeros(0, dtype=np.int64)
        return np.concatenate(found_times), np.concatenate(found_sites)
    hours = math.ceil(horizon / 3600)
    hour = np.arange(hours, dtype=np.int64)
    day_rate = np.asarray(stream.daily_rate, dtype=np.float64)
    per_hour = day_rate[np.minimum(hour // 24, len(day_rate) - 1)] / 24
    profile = np.asarray(stream.week_profile, dtype=np.float64)
    how = local_hour_of_week(model, sites[:, None], hour[None, :])
    rates = per_hour[None, :] * profile[how] * weights[:, None]
    counts = rng.poisson(rates)
    row, column = np.nonzero(counts)
    repeat = counts[row, column]
    at_hour = np.repeat(column, repeat)
    where = np.repeat(sites[row], repeat)
    times = (at_hour + rng.random(len(at_hour))) * 3600.0
    keep = times < horizon
    return times[keep], where[keep]


def _stream(model: Model, stream: Stream, rng: np.random.Generator) -> Arrivals:
    times, where = _times(model, stream, rng)
    n = len(times)
    starts = np.asarray(model.calendar.month_starts[:-1])
    month = np.clip(np.searchsorted(starts, times, side="right") - 1, 0, len(starts) - 1)
    cumulative = np.cumsum(np.asarray(stream.kind_mix, dtype=np.float64), axis=1)
    cumulative /= cumulative[:, -1:]
    draws = rng.random(n)
    kind = np.asarray((draws[:, None] > cumulative[month]).sum(axis=1), dtype=np.int64)
    kind = np.minimum(kind, cumulative.shape[1] - 1)
    arrival = np.clip(rng.normal(*stream.soc_arrival, size=n), MIN_SOC, MAX_ARRIVAL_SOC)
    target = rng.normal(*stream.soc_target, size=n)
    target = np.clip(np.maximum(target, arrival + MIN_GAIN), 0.0, 100.0)
    plain = np.array([k.plain for k in model.kinds], dtype=bool)[kind]
    start = np.where(plain, 0.0, arrival)
    end = np.where(plain, math.inf, target)
    dwell = rng.exponential(1.0, size=n)
    patience_unit = rng.exponential(1.0, size=n)
    behaviour = model.behaviour
    if math.isinf(behaviour.wait_minutes):
        patience = np.full(n, math.inf)
    elif behaviour.patience == "exponential":
        patience = patience_unit * behaviour.wait_minutes * 60
    else:
        patience = np.full(n, behaviour.wait_minutes * 60)
    hold_unit = rng.exponential(1.0, size=n)
    if stream.hold == "exponential":
        hold = hold_unit * stream.hold_minutes * 60
    elif stream.hold == "fixed":
        hold = np.full(n, stream.hold_minutes * 60)
    else:
        hold = np.full(n, -1.0)
    return Arrivals(times, where, kind, start, end, dwell, patience, hold)


def expected_rates(model: Model) -> npt.NDArray[np.float64]:
    """Mean arrivals an hour by [site, month, local hour of the week], from the streams' rates
    (what the draws average to): the first-choice demand the optimiser sizes for."""
    calendar = model.calendar
    sites, months = len(model.sites), calendar.months
    hours = math.ceil(calendar.horizon_s / 3600)
    hour = np.arange(hours, dtype=np.int64)
    starts = np.asarray(calendar.month_starts[:-1])
    month = np.clip(np.searchsorted(starts, hour * 3600.0, side="right") - 1, 0, months - 1)
    total = np.zeros((sites, months, HOURS_PER_WEEK))
    exposure = np.zeros((sites, months, HOURS_PER_WEEK))
    for site in range(sites):
        how = local_hour_of_week(model, np.full(hours, site, dtype=np.int64), hour)
        cell = month * HOURS_PER_WEEK + how
        exposure[site] = np.bincount(cell, minlength=months * HOURS_PER_WEEK).reshape(
            months, HOURS_PER_WEEK
        )
    for stream in model.streams:
        day_rate = np.asarray(stream.daily_rate, dtype=np.float64)
        per_hour = day_rate[np.minimum(hour // 24, len(day_rate) - 1)] / 24
        profile = np.asarray(stream.week_profile, dtype=np.float64)
        for site, weight in zip(stream.sites, stream.site_weights, strict=True):
            how = local_hour_of_week(model, np.full(hours, site, dtype=np.int64), hour)
            shape = np.ones(hours) if stream.regular else profile[how]
            cell = month * HOURS_PER_WEEK + how
            rates = np.bincount(
                cell, weights=per_hour * shape * weight, minlength=months * HOURS_PER_WEEK
            )
            total[site] += rates.reshape(months, HOURS_PER_WEEK)
    return np.asarray(total / np.maximum(exposure, 1.0), dtype=np.float64)
