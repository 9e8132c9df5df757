"""The network, cars, demand and behaviour one simulation runs on, ready for the event loop.

A scenario file (or the stored network) is turned into this plain, picklable form once; every
replication, in whatever process, gets the same `Model`. Times are seconds from the calendar's
start; powers are kW.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Literal

from steppe.domain.tariffs.models import Tariff
from steppe.planning.profiles import ChargeProfile

PatienceKind = Literal["fixed", "exponential"]
HoldKind = Literal["energy", "exponential", "fixed"]
DAY = 86400.0
HOURS_PER_WEEK = 168


@dataclass(frozen=True, slots=True)
class Calendar:
    """The simulated span: UTC start, length, calendar months, a warm-up left out of the counts."""

    start: datetime
    horizon_s: float
    month_starts: tuple[float, ...]  # seconds; one more than there are months (the last is the end)
    month_labels: tuple[str, ...]
    warmup_s: float = 0.0

    @classmethod
    def of(cls, first_day: date, days: float, warmup_days: float = 0.0) -> Calendar:
        start = datetime(first_day.year, first_day.month, first_day.day, tzinfo=UTC)
        horizon = days * DAY
        starts = [0.0]
        labels = [f"{first_day.year:04d}-{first_day.month:02d}"]
        year, month = first_day.year, first_day.month
        while True:
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
            edge = (datetime(year, month, 1, tzinfo=UTC) - start).total_seconds()
            if edge >= horizon:
                break
            starts.append(edge)
            labels.append(f"{year:04d}-{month:02d}")
        starts.append(horizon)
        return cls(start, horizon, tuple(starts), tuple(labels), warmup_days * DAY)

    @property
    def months(self) -> int:
        return len(self.month_labels)

    def month_of(self, seconds: float) -> int:
        for index in range(self.months):
            if seconds < self.month_starts[index + 1]:
                return index
        return self.months - 1


@dataclass(frozen=True, slots=True)
class Charger:
    """One charging point: one car at a time, on any of its connectors."""

    site: int
    label: str
    power_kw: float
    power_type: str  # AC_1_PHASE, AC_3_PHASE or DC
    standards: tuple[str, ...]
    online_from_s: float = 0.0
    grid_kw: float = 0.0  # added to the site's grid limit when it goes into service

    @property
    def dc(self) -> bool:
        return self.power_type == "DC"


@dataclass(frozen=True, slots=True)
class Site:
    id: str
    name: str
    lat: float
    lon: float
    time_zone: str
    utc_offset_h: float
    country: str | None
    grid_limit_kw: float  # math.inf when there is none
    demand_weight: float
    tariff: Tariff | None
    chargers: tuple[int, ...]  # indices into Model.chargers


@dataclass(frozen=True, slots=True)
class Behaviour:
    """What a driver does when every usable charger is taken."""

    wait_minutes: float = 15.0  # math.inf: waits as long as it takes
    patience: PatienceKind = "fixed"
    divert: bool = True
    max_detour_km: float = 50.0
    road_factor: float = 1.3
    speed_kmh: float = 50.0
    max_diversions: int = 1
    min_power_share: float = 0.3  # a charger giving less than this share of the best is passed over


@dataclass(frozen=True, slots=True)
class Stream:
    """A source of arrivals: the fleet, visitors on a corridor, or a theory site.

    The rate at a site in an hour is `daily_rate[day] / 24 * week_profile[local hour of week] *
    site weight`; `week_profile` has mean 1 and starts on Monday 00:00 local time.
    """

    name: str
    sites: tuple[int, ...]
    site_weights: tuple[float, ...]
    daily_rate: tuple[float, ...]  # sessions a day over all its sites, one value per day
    week_profile: tuple[float, ...]
    kind_mix: tuple[tuple[float, ...], ...]  # per calendar month, probability of each car kind
    soc_arrival: tuple[float, float] = (25.0, 10.0)  # mean, standard deviation, percent
    soc_target: tuple[float, float] = (80.0, 8.0)
    regular: bool = False  # arrivals at fixed intervals instead of a Poisson process
    hold: HoldKind = "energy"  # "energy": charge to the target; else a plug-in time
    hold_minutes: float = 0.0


@dataclass(frozen=True, slots=True)
class Kind:
    """A kind of car in the simulation: a catalogue row, or the plain car of a theory scenario."""

    id: str
    label: str
    plain: bool = False  # progress counted in kWh with no target: the plug-in time decides


@dataclass(frozen=True, slots=True)
class Model:
    calendar: Calendar
    sites: tuple[Site, ...]
    chargers: tuple[Charger, ...]
    kinds: tuple[Kind, ...]
    profiles: tuple[tuple[ChargeProfile | None, ...], ...]  # [kind][charger], None: cannot use
    streams: tuple[Stream, ...]
    behaviour: Behaviour = field(default_factory=Behaviour)
    dwell_minutes_ac: float = 30.0  # mean time left plugged in after charging, exponential
    dwell_minutes_dc: float = 5.0
    rebalance_minutes: float = 5.0  # 0: shares are recomputed only when a car starts or stops

    def with_chargers(
        self, extra: tuple[Charger, ...], profiles: tuple[tuple[ChargeProfile | None, ...], ...]
    ) -> Model:
        """This model with `extra` chargers appended (`profiles` covers every charger)."""
        first = len(self.chargers)
        by_site: dict[int, list[int]] = {}
        for offset, charger in enumerate(extra):
            by_site.setdefault(charger.site, []).append(first + offset)
        sites = tuple(
            replace(site, chargers=site.chargers + tuple(by_site.get(index, ())))
            for index, site in enumerate(self.sites)
        )
        return replace(self, sites=sites, chargers=self.chargers + extra, profiles=profiles)
