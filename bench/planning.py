"""The planning twin's speed: a year of a 500-site network with 50,000 cars.

python -m bench.planning [--sites 500] [--cars 50000] [--days 365] [--replications 2]

Builds a network spread over Kazakhstan and Uzbekistan (sites around twelve cities, DC and AC
chargers, grid limits below the chargers' total at most sites, KZT and UZS tariffs), a fleet of
catalogue cars and three border corridors, then times:
  1. one replication alone, in this process (the baseline of the run);
  2. `--replications` replications on as many worker processes as there are cores.
It prints the arrivals, microseconds per arrival, the parallel speed-up over the baseline (ratio
in the same run) and the wall time of step 2 against the 60 s target.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from steppe.domain.vehicles.models import Catalogue
from steppe.planning.builder import build_model
from steppe.planning.runner import run_one, run_replications
from steppe.planning.scenario import parse

TARGET_S = 60.0
RESULTS = Path(__file__).resolve().parent / "results"
# (city, latitude, longitude, time zone, country, share of the sites)
CITIES = (
    ("Almaty", 43.2389, 76.8897, "Asia/Almaty", "KZ", 0.22),
    ("Astana", 51.1282, 71.4306, "Asia/Almaty", "KZ", 0.16),
    ("Shymkent", 42.3417, 69.5901, "Asia/Almaty", "KZ", 0.08),
    ("Karaganda", 49.8047, 73.1094, "Asia/Almaty", "KZ", 0.06),
    ("Aktobe", 50.2839, 57.1670, "Asia/Aqtobe", "KZ", 0.05),
    ("Taraz", 42.9000, 71.3667, "Asia/Almaty", "KZ", 0.04),
    ("Pavlodar", 52.2873, 76.9674, "Asia/Almaty", "KZ", 0.04),
    ("Ust-Kamenogorsk", 49.9483, 82.6279, "Asia/Almaty", "KZ", 0.04),
    ("Atyrau", 47.1167, 51.8833, "Asia/Atyrau", "KZ", 0.04),
    ("Kostanay", 53.2144, 63.6246, "Asia/Qostanay", "KZ", 0.03),
    ("Tashkent", 41.3111, 69.2797, "Asia/Tashkent", "UZ", 0.18),
    ("Samarkand", 39.6542, 66.9597, "Asia/Samarkand", "UZ", 0.06),
)
FLEET = (  # catalogue id, share of the cars
    ("leapmotor-c10-eu-2025", 0.18),
    ("leapmotor-c16-cn-2024-erev", 0.10),
    ("hongqi-e-qm5-cn-2022-55-kwh", 0.10),
    ("byd-song-plus-dm-i-cn-2021-18.3-kwh", 0.12),
    ("byd-han-cn-2021-76.9-kwh", 0.06),
    ("byd-yuan-plus-cn-2022", 0.10),
    ("tesla-model-y-cn-2022-rwd", 0.06),
    ("zeekr-001-cn-2021-86-kwh", 0.05),
    ("jac-iev7s-kz-2020", 0.08),
    ("hyundai-ioniq-5-eu-2021-72.6-kwh-awd", 0.05),
    ("volkswagen-id.4-crozz-cn-2021-pro", 0.05),
    ("byd-qin-plus-dm-i-cn-2021-8.3-kwh", 0.05),
)
TARIFFS = [
    {
        "id": "kz",
        "currency": "KZT",
        "elements": [
            {"price_components": [{"type": "ENERGY", "price": "86.21", "step_size": 1}]},
            {"price_components": [{"type": "PARKING_TIME", "price": "600", "step_size": 60}]},
        ],
    },
    {
        "id": "uz",
        "currency": "UZS",
        "elements": [{"price_components": [{"type": "ENERGY", "price": "1800"}]}],
    },
]


def scenario_document(sites: int, cars: int, days: float, replications: int) -> dict[str, Any]:
    draws = random.Random(500)
    site_tables = []
    counts = [max(1, round(sites * share)) for *_, share in CITIES]
    counts[0] += sites - sum(counts)
    for (city, lat, lon, zone, country, _), count in zip(CITIES, counts, strict=True):
        for n in range(count):
            dc = draws.choice((1, 2, 2, 3, 4))
            ac = draws.choice((0, 1, 2, 2, 3))
            dc_kw = draws.choice((60, 120, 120, 150))
            chargers = [{"count": dc, "power_kw": dc_kw, "connectors": ["GBT_DC", "CCS2"]}]
            if ac:
                chargers.append({"count": ac, "power_kw": 22, "connectors": ["TYPE2", "GBT_AC"]})
            total = dc * dc_kw + ac * 22
            site_tables.append(
                {
                    "id": f"{city[:3].upper()}-{n + 1:03d}",
                    "name": f"{city} {n + 1}",
                    "lat": lat + draws.gauss(0, 0.05),
                    "lon": lon + draws.gauss(0, 0.07),
                    "time_zone": zone,
                    "country": country,
                    "grid_limit_kw": round(total * draws.choice((0.6, 0.8, 1.0, 1.2))),
                    "demand_weight": round(draws.uniform(0.5, 2.0) * (dc + ac), 2),
                    "tariff": "kz" if country == "KZ" else "uz",
                    "chargers": chargers,
                }
            )
    fleet = [{"vehicle": vehicle, "cars": round(cars * share)} for vehicle, share in FLEET]
    corridors = [
        ("Orenburg - Aktobe", "AKT", ["evolute-i-pro-ru-2022", "tesla-model-3-eu-2021-long-range"]),
        ("Bishkek - Almaty", "ALM", ["byd-han-cn-2021-76.9-kwh", "zeekr-001-cn-2021-86-kwh"]),
        ("Tashkent - Shymkent", "SHY", ["byd-yuan-plus-cn-2022"]),
    ]
    ids = [table["id"] for table in site_tables]
    visitors = [
        {
            "corridor": name,
            "sites": [i for i in ids if i.startswith(prefix)][:5],
            "per_day": 40,
            "vehicles": [{"vehicle": v, "share": 1.0} for v in cars_of],
        }
        for name, prefix, cars_of in corridors
    ]
    return {
        "name": f"{sites} sites, {cars:,} cars, {days:g} days",
        "start": "2026-01-01",
        "days": days,
        "seed": 1,
        "replications": replications,
        "sites": site_tables,
        "tariffs": TARIFFS,
        "fleet": {"vehicles": fleet},
        "visitors": visitors,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=500)
    parser.add_argument("--cars", type=int, default=50_000)
    parser.add_argument("--days", type=float, default=365)
    parser.add_argument("--replications", type=int, default=2)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--save", action="store_true", help="write bench/results/planning.json")
    args = parser.parse_args(argv)

    began = time.perf_counter()
    scenario = parse(scenario_document(args.sites, args.cars, args.days, args.replications))
    model = build_model(scenario, Catalogue.load())
    built = time.perf_counter() - began
    print(f"{scenario.name}: model built in {built:.1f} s", file=sys.stderr)

    began = time.perf_counter()
    alone = run_one(model, np.random.SeedSequence(scenario.seed).spawn(1)[0], 0)
    serial = time.perf_counter() - began

    began = time.perf_counter()
    runs = run_replications(model, scenario.seed, args.replications, workers=args.workers)
    parallel = time.perf_counter() - began

    sessions = sum(alone.tally.counters["served"])
    rows = {
        "scenario": scenario.name,
        "chargers": len(model.chargers),
        "arrivals_per_replication": alone.arrivals,
        "sessions_per_replication": int(sessions),
        "one_replication_s": round(serial, 2),
        "one_replication_cpu_s": round(alone.cpu_s, 2),
        "us_per_arrival": round(serial / max(alone.arrivals, 1) * 1e6, 1),
        "cpu_us_per_arrival": round(alone.cpu_s / max(alone.arrivals, 1) * 1e6, 1),
        "replications": len(runs),
        "workers": min(args.workers, len(runs)),
        "replications_wall_s": round(parallel, 2),
        "replications_cpu_s": [round(run.cpu_s, 2) for run in runs],
        "parallel_speedup": round(serial * len(runs) / parallel, 2),
        "target_s": TARGET_S,
        "wall_over_target": round(parallel / TARGET_S, 3),
        "met": parallel < TARGET_S,
        "cpus": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    width = max(len(key) for key in rows)
    for key, value in rows.items():
        print(f"{key:<{width}}  {value}")
    if args.save:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "planning.json").write_text(json.dumps(rows, indent=2) + "\n")
    return 0 if rows["met"] else 1


if __name__ == "__main__":
    sys.exit(main())
