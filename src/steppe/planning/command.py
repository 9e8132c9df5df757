"""`steppe plan SCENARIO --out DIR`: read, simulate, recommend, write the results and the report."""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TextIO

from steppe.errors import SteppeError
from steppe.planning import extras
from steppe.planning.builder import build
from steppe.planning.fleet import ProfileTable
from steppe.planning.model import Model
from steppe.planning.report_language import ReportLanguage
from steppe.planning.runner import Replication, default_workers, run_replications
from steppe.planning.scenario import load
from steppe.planning.specs import Scenario
from steppe.planning.summary import summarize


@dataclass(frozen=True, slots=True)
class Options:
    scenario: Path
    out: Path
    replications: int | None = None
    seed: int | None = None
    workers: int | None = None
    recommend: bool = True
    progress: bool = True
    database_url: str | None = None
    language: ReportLanguage = "en"


class ProgressBar:
    """One bar on stderr for all replications together, in percent of simulated time."""

    def __init__(self, replications: int, label: str, enabled: bool) -> None:
        self._done = [0.0] * replications
        self._bar = (
            extras.tqdm()(
                total=100 * replications,
                desc=label,
                unit="%",
                file=sys.stderr,
                leave=True,
                bar_format="{desc}: {percentage:3.0f}%|{bar}| {elapsed}<{remaining}",
            )
            if enabled
            else None
        )

    def __call__(self, replication: int, fraction: float) -> None:
        if self._bar is None:
            return
        step = 100 * fraction - self._done[replication]
        if step > 0:
            self._done[replication] += step
            self._bar.update(step)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def prepare(
    scenario: Scenario, database_url: str | None = None
) -> tuple[Model, ProfileTable, list[str]]:
    """The model of a scenario, reading the stored network when it asks for it."""
    stored = None
    if scenario.current is not None:
        from steppe.config import Settings
        from steppe.planning import stored_network
        from steppe.planning.model import Calendar

        url = database_url or scenario.current.database_url
        settings = Settings(database_url=url) if url else Settings()
        at = Calendar.of(scenario.start, 1).start
        stored = stored_network.read(settings, at)
    catalogue = None
    if scenario.theory is None:
        from steppe.domain.vehicles.models import Catalogue

        catalogue = Catalogue.load()
    model, table = build(scenario, catalogue, stored)
    return model, table, list(stored.notes) if stored else []


def simulate(
    model: Model, scenario: Scenario, options: Options, *, label: str
) -> list[Replication]:
    replications = options.replications or scenario.replications
    bar = ProgressBar(replications, label, options.progress)
    try:
        return run_replications(
            model,
            scenario.seed if options.seed is None else options.seed,
            replications,
            workers=options.workers or scenario.workers,
            progress=bar,
        )
    finally:
        bar.close()


def run(options: Options, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        scenario = load(options.scenario)
        if options.replications is not None:
            scenario = replace(scenario, replications=options.replications)
        if options.seed is not None:
            scenario = replace(scenario, seed=options.seed)
        model, table, notes = prepare(scenario, options.database_url)
    except SteppeError as exc:
        print(f"steppe plan: {exc}", file=err)
        return 2
    began = time.perf_counter()
    want = options.recommend and scenario.recommend is not None
    runs = simulate(model, scenario, options, label="simulating")
    elapsed = time.perf_counter() - began
    target = scenario.recommend.target_p_wait if scenario.recommend else 0.10
    summary = summarize(
        model,
        runs,
        name=scenario.name,
        seed=scenario.seed,
        queueing_threshold=scenario.queueing_threshold,
        target_p_wait=target,
        notes=notes,
    )
    options.out.mkdir(parents=True, exist_ok=True)
    _write(options.out / "summary.json", summary)
    recommendations: dict[str, Any] | None = None
    if want:
        from steppe.planning.recommend import recommend

        bar = ProgressBar(len(runs), "checking the recommendation", options.progress)
        try:
            recommendations = recommend(
                model, table, scenario, runs, summary, workers=options.workers, progress=bar
            )
        finally:
            bar.close()
        _write(options.out / "recommendations.json", recommendations)
    from steppe.planning.report import write_report

    timing = {
        "seconds": round(elapsed, 2),
        "replications": len(runs),
        "workers": min(
            options.workers or scenario.workers or default_workers(len(runs)), len(runs)
        ),
        "arrivals": sum(run.arrivals for run in runs),
    }
    write_report(options.out, model, summary, recommendations, timing, options.language)
    print(f"simulated {len(runs)} replication(s) in {elapsed:.1f} s", file=out)
    for name in ("summary.json", "recommendations.json", "report.html"):
        if (options.out / name).exists():
            print(f"wrote {options.out / name}", file=out)
    return 0


def _write(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", "utf-8")
