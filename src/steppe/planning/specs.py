"""A planning scenario once read: plain, frozen specs of every part (`scenario.py` reads them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from steppe.domain.tariffs.models import Tariff
from steppe.planning.model import Behaviour


@dataclass(frozen=True, slots=True)
class ChargerSpec:
    count: int
    power_kw: float
    power_type: str
    standards: tuple[str, ...]
    online_from: date | None = None
    grid_kw: float = 0.0


@dataclass(frozen=True, slots=True)
class SiteSpec:
    id: str
    name: str
    lat: float
    lon: float
    time_zone: str
    country: str | None
    grid_limit_kw: float | None  # None: not set here (unlimited, or the stored network's default)
    demand_weight: float | None
    tariff: str | None
    chargers: tuple[ChargerSpec, ...]


@dataclass(frozen=True, slots=True)
class VehicleRef:
    """A catalogue row: by id, or by make, model, market variant, year and optional trim."""

    id: str | None = None
    make: str = ""
    model: str = ""
    variant: str = ""
    year: int = 0
    trim: str | None = None

    def label(self) -> str:
        if self.id:
            return self.id
        trim = f" {self.trim}" if self.trim else ""
        return f"{self.make} {self.model} {self.variant} {self.year}{trim}"


@dataclass(frozen=True, slots=True)
class FleetGroup:
    vehicle: VehicleRef
    cars: float
    added_per_year: tuple[float, ...]
    daily_km: float | None = None
    public_share: float | None = None
    kwh_per_km: float | None = None


@dataclass(frozen=True, slots=True)
class FleetSpec:
    daily_km: float = 40.0
    public_share: float = 0.3
    kwh_per_km: float = 0.17
    soc_arrival: tuple[float, float] = (25.0, 10.0)
    soc_target: tuple[float, float] = (80.0, 8.0)
    monthly_factor: tuple[float, ...] = (1.0,) * 12
    groups: tuple[FleetGroup, ...] = ()


@dataclass(frozen=True, slots=True)
class VisitorSpec:
    corridor: str
    sites: tuple[str, ...]
    per_day: tuple[float, ...]
    vehicles: tuple[tuple[VehicleRef, float], ...]
    soc_arrival: tuple[float, float] = (15.0, 8.0)
    soc_target: tuple[float, float] = (85.0, 8.0)
    monthly_factor: tuple[float, ...] = (1.0,) * 12


@dataclass(frozen=True, slots=True)
class TheorySpec:
    arrivals_per_hour: float
    regular: bool
    duration: str  # "exponential" or "fixed"
    duration_minutes: float
    power_kw: float | None


@dataclass(frozen=True, slots=True)
class ChargerKind:
    name: str
    power_kw: float
    power_type: str
    standards: tuple[str, ...]
    cost: Decimal
    grid_kw: float = 0.0


@dataclass(frozen=True, slots=True)
class RecommendSpec:
    target_p_wait: float
    budget: Decimal
    currency: str
    kinds: tuple[ChargerKind, ...]
    max_per_site: int = 10
    check_rounds: int = 2
    budget_per_year: tuple[Decimal, ...] = ()
    discount_rate: float = 0.08


@dataclass(frozen=True, slots=True)
class CurrentSpec:
    database_url: str | None
    grid_limit_kw: float | None
    fit_arrivals: bool = True


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    start: date
    days: float
    warmup_days: float
    seed: int
    replications: int
    workers: int | None
    current: CurrentSpec | None
    sites: tuple[SiteSpec, ...]
    tariffs: dict[str, Tariff]
    fleet: FleetSpec
    visitors: tuple[VisitorSpec, ...]
    theory: TheorySpec | None
    week_profile: tuple[float, ...] | None
    behaviour: Behaviour
    dwell_minutes_ac: float
    dwell_minutes_dc: float
    rebalance_minutes: float
    recommend: RecommendSpec | None
    queueing_threshold: float
