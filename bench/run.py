"""`make bench`: every scenario against Steppe and its peers, a table, JSON results and a plot.

python -m bench.run [--quick] [--profile] [--skip-idle] [--connections N]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import pstats
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

from bench import scenarios
from bench.durability import Ledger
from bench.loadgen import raise_open_file_limit
from bench.scenarios import Row, running
from bench.servers import Unavailable

RESULTS = Path(__file__).resolve().parent / "results"
SERVERS = ("bare", "baseline", "steppe-sqlite", "steppe-postgres")
TARGET_RATIO = 5.0
# The main fleet is measured in rounds, every server in turn (scenarios.alternating).
ROUNDS = 3
TARGET_P99_MS = 50.0
TARGET_KB_PER_CONNECTION = 30.0
TARGET_BOOT_S = 60.0


@dataclass
class Target:
    name: str
    goal: str
    measured: str
    met: bool | None  # None: not measured

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "goal": self.goal, "measured": self.measured, "met": self.met}


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def revision(source: Path | None) -> str:
    """The commit Steppe runs from, with `+dirty` when its sources differ from it."""
    root = source.parent if source is not None else Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "src"], cwd=root, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        return "unknown"
    return (head or "unknown") + ("+dirty" if dirty else "")


def _find(rows: list[Row], scenario: str, server: str, chargers: int | None = None) -> Row | None:
    for row in rows:
        same = row.scenario == scenario and row.server == server
        if same and (chargers is None or row.chargers == chargers):
            return row
    return None


def targets(rows: list[Row], main_count: int, connections: int) -> list[Target]:
    out: list[Target] = []
    baseline = _find(rows, "throughput", "baseline", main_count)
    for db in ("sqlite", "postgres"):
        steppe = _find(rows, "throughput", f"steppe-{db}", main_count)
        if steppe and baseline and steppe.msgs_per_s and baseline.msgs_per_s:
            ratio = steppe.msgs_per_s / baseline.msgs_per_s
            measured = f"{ratio:.2f}x"
            ours = steppe.extra.get("round_msgs_per_s", [])
            theirs = baseline.extra.get("round_msgs_per_s", [])
            if len(ours) > 1 and len(ours) == len(theirs):
                each = ", ".join(f"{a / b:.2f}" for a, b in zip(ours, theirs, strict=True) if b)
                measured += f" (rounds {each})"
            out.append(
                Target(
                    f"(a/d) MeterValues/s vs baseline, {db}",
                    f">= {TARGET_RATIO:g}x",
                    measured,
                    ratio >= TARGET_RATIO,
                )
            )
        else:
            out.append(Target(f"(a/d) MeterValues/s vs baseline, {db}", ">= 5x", "-", None))
    lat = _find(rows, "latency", "steppe-sqlite")
    out.append(
        Target(
            "(b) p99 at half the max rate, sqlite",
            f"<= {TARGET_P99_MS:g} ms",
            f"{lat.p99_ms} ms" if lat else "-",
            None if lat is None or lat.p99_ms is None else lat.p99_ms <= TARGET_P99_MS,
        )
    )
    idle = _find(rows, "idle", "steppe-sqlite")
    if idle is None:
        out.append(Target("(c) memory per idle connection", "<= 30 KB", "-", None))
        out.append(Target(f"(c) {connections} stations booted at once", "< 60 s", "-", None))
    else:
        kb = idle.extra["kb_per_connection"]
        boot = idle.extra["boot_s"]
        all_in = idle.extra["booted"] == idle.chargers and idle.errors == 0
        held = "" if all_in else f" ({idle.extra['booted']} held)"
        out.append(
            Target(
                "(c) memory per idle connection",
                f"<= {TARGET_KB_PER_CONNECTION:g} KB",
                f"{kb} KB{held}",
                kb <= TARGET_KB_PER_CONNECTION and all_in,
            )
        )
        out.append(
            Target(
                f"(c) {idle.chargers} stations booted at once",
                "< 60 s, 0 errors",
                f"{boot} s, {idle.errors} errors",
                all_in and boot < TARGET_BOOT_S,
            )
        )
    for db in ("sqlite", "postgres"):
        audit = _find(rows, "durability", f"steppe-{db}")
        name = f"durable through kill -9, {db}"
        if audit is None:
            out.append(Target(name, "0 missing", "-", None))
            continue
        e = audit.extra
        measured = f"{e['missing']} of {e['acked']:,} missing"
        if e["unexpected"]:
            measured += f", {e['unexpected']} unexpected"
        if not e.get("under_load", True):
            measured += ", not killed under load"
        out.append(Target(name, "0 missing", measured, audit.errors == 0))
    errors = sum(
        r.errors for r in rows if r.server.startswith("steppe") and r.scenario != "durability"
    )
    out.append(Target("no CALLERROR or failure from Steppe", "0", str(errors), errors == 0))
    bare = _find(rows, "throughput", "bare", main_count)
    best = max(
        (r.msgs_per_s or 0.0 for r in rows if r.scenario == "throughput" and "steppe" in r.server),
        default=0.0,
    )
    if bare and bare.msgs_per_s and best:
        out.append(
            Target(
                "generator headroom: bare peer vs best Steppe",
                ">= 1.5x",
                f"{bare.msgs_per_s / best:.2f}x",
                bare.msgs_per_s >= 1.5 * best,
            )
        )
    return out


def table(rows: list[Row], goals: list[Target]) -> str:
    lines = [
        f"{'scenario':<11} {'server':<16} {'chargers':>8} {'msgs/s':>9} {'p50 ms':>8} "
        f"{'p99 ms':>8} {'errors':>6}  notes",
    ]
    for r in rows:
        notes = ""
        if r.scenario == "idle":
            e = r.extra
            notes = f"booted {e['booted']} in {e['boot_s']} s, {e['kb_per_connection']} KB/conn"
        elif r.scenario == "latency":
            notes = f"offered {r.extra['offered_msgs_per_s']} msgs/s"
        elif r.scenario == "durability":
            e = r.extra
            notes = f"kill -9 under load: {e['acked']} answered, {e['stored']} stored"
        rate = "-" if r.msgs_per_s is None else f"{r.msgs_per_s:.0f}"
        lines.append(
            f"{r.scenario:<11} {r.server:<16} {r.chargers:>8} {rate:>9} {r.p50_ms or 0:>8.2f} "
            f"{r.p99_ms or 0:>8.2f} {r.errors:>6}  {notes}"
        )
    lines.append("")
    lines.append(f"{'target':<48} {'goal':<18} {'measured':<34} result")
    for t in goals:
        verdict = {True: "met", False: "MISSED", None: "not measured"}[t.met]
        lines.append(f"{t.name:<48} {t.goal:<18} {t.measured:<34} {verdict}")
    return "\n".join(lines)


def plot(rows: list[Row], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=110)
    for name in SERVERS:
        points = sorted(
            (r.chargers, r.msgs_per_s or 0.0)
            for r in rows
            if r.scenario == "throughput" and r.server == name
        )
        if points:
            ax.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=name)
    ax.set_xscale("log")
    counts = sorted({r.chargers for r in rows if r.scenario == "throughput"})
    if counts:
        ax.set_xticks(counts, [str(c) for c in counts])
        ax.minorticks_off()
    baseline = [r for r in rows if r.scenario == "throughput" and r.server == "baseline"]
    if baseline:
        top = max(baseline, key=lambda r: r.chargers).msgs_per_s or 0.0
        ax.axhline(top * TARGET_RATIO, color="grey", linestyle="--", linewidth=1)
        ax.annotate(
            f"target: {TARGET_RATIO:g}x baseline",
            (counts[0], top * TARGET_RATIO),
            textcoords="offset points",
            xytext=(0, 4),
            color="grey",
            fontsize=8,
        )
    ax.set_xlabel("chargers (closed loop of MeterValues)")
    ax.set_ylabel("answered messages per second")
    ax.set_title("OCPP 1.6 MeterValues throughput, loopback, 2 cores")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def profile_summary(path: Path, limit: int = 30) -> str:
    """The functions with the most own time, overall and in Steppe's code. (cProfile counts a
    coroutine's every resumption as a call and its cumulative time is not wall time: read the
    own-time column.)"""
    out = io.StringIO()
    stats = pstats.Stats(str(path), stream=out).sort_stats("tottime")
    stats.print_stats(limit)
    stats.print_stats(r"src/steppe/", limit)
    text = out.getvalue()
    for prefix in {str(Path(p).resolve()) for p in sys.path if p.endswith("site-packages")} | {
        str(Path(__file__).resolve().parent.parent)
    }:
        text = text.replace(prefix + "/", "")
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.run", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short runs, small fleets (a check)")
    parser.add_argument("--profile", action="store_true", help="also profile Steppe (cProfile)")
    parser.add_argument("--skip-idle", action="store_true", help="leave out the idle scenario")
    parser.add_argument("--connections", type=int, default=15000, help="idle scenario size")
    parser.add_argument("--processes", type=int, default=2, help="load generator processes")
    parser.add_argument("--servers", default=",".join(SERVERS), help="comma-separated subset")
    parser.add_argument(
        "--steppe-src", type=Path, help="run Steppe from this `src` directory (another checkout)"
    )
    args = parser.parse_args(argv)
    raise_open_file_limit()
    src: Path | None = args.steppe_src

    counts = [5, 20] if args.quick else [10, 50, 200]
    duration, sweep, warmup = (3.0, 2.0, 1.0) if args.quick else (15.0, 6.0, 2.0)
    connections = min(args.connections, 300) if args.quick else args.connections
    main_count = max(counts)
    wanted = [s for s in args.servers.split(",") if s]
    rows: list[Row] = []
    skipped: dict[str, str] = {}
    profile_text = ""
    started = datetime.now(UTC)
    machine_before = machine()
    t0 = time.monotonic()

    with tempfile.TemporaryDirectory(prefix="steppe-bench-") as tmp:
        workdir = Path(tmp)
        rounds = 1 if args.quick else ROUNDS
        print(
            f"throughput: {counts} chargers, {sweep:g} s each after {warmup:g} s warm-up; "
            f"{main_count} in {rounds} rounds of {duration / rounds:g} s, servers in turn"
        )
        loaded: dict[str, scenarios.Loaded] = {}
        ledgers = {kind: Ledger() for kind in wanted}
        with ExitStack() as stack:
            for kind in wanted:
                try:
                    with ExitStack() as own:
                        server = own.enter_context(running(kind, workdir, source=src))
                        rows += scenarios.throughput(
                            server,
                            [c for c in counts if c != main_count],
                            duration_s=sweep,
                            sweep_duration_s=sweep,
                            warmup_s=warmup,
                            processes=args.processes,
                            ledger=ledgers[kind],
                        )
                        entry = scenarios.load(server, main_count, processes=args.processes)
                        own.callback(entry.generator.terminate)
                        loaded[kind] = entry
                        stack.enter_context(own.pop_all())
                except Unavailable as exc:
                    skipped[kind] = str(exc)
                    print(f"  {kind}: skipped: {exc}", flush=True)
                except (RuntimeError, TimeoutError, OSError) as exc:  # keep the other servers
                    skipped[f"{kind} throughput"] = f"failed: {exc}"
                    print(f"  {kind}: failed: {exc}", flush=True)
            try:
                rows += scenarios.alternating(
                    loaded, rounds=rounds, warmup_s=warmup, duration_s=duration / rounds
                )
                sqlite = loaded.get("steppe-sqlite")
                top = 0.0
                if sqlite is not None:
                    # The machine's speed drifts within a run: the maximum the latency run is
                    # paced against is the closed loop's rate measured again just before it.
                    again = sqlite.generator.measure(warmup, duration / rounds)
                    top = again.rate
                    print(f"  steppe-sqlite    closed loop just before: {top:.0f} msgs/s")
                # Steppe's fleets stay connected (idle) for the durability audit at the end.
                for kind, entry in loaded.items():
                    if not kind.startswith("steppe"):
                        entry.generator.close()
                if sqlite is not None and top <= 0:
                    skipped["steppe-sqlite latency"] = "the closed loop answered nothing"
                elif sqlite is not None:
                    row = scenarios.latency(
                        sqlite.server,
                        top / 2,
                        main_count,
                        duration_s=duration,
                        warmup_s=warmup,
                        processes=args.processes,
                        ledger=ledgers["steppe-sqlite"],
                    )
                    row.extra["max_msgs_per_s"] = round(top, 1)
                    rows.append(row)
                for kind, entry in loaded.items():
                    if not kind.startswith("steppe"):
                        continue
                    try:
                        rows.append(scenarios.audit(entry, ledgers[kind]))
                    except (RuntimeError, TimeoutError, OSError) as exc:  # audit the others
                        skipped[f"{kind} durability"] = f"failed: {exc}"
                        print(f"  {kind}: durability audit failed: {exc}", flush=True)
            except (RuntimeError, TimeoutError, OSError) as exc:
                skipped["throughput rounds"] = f"failed: {exc}"
                print(f"  throughput rounds: failed: {exc}", flush=True)
        if not args.skip_idle:
            print(f"idle: {connections} connections, all booting at once")
            for kind in ("steppe-sqlite", "baseline", "bare"):
                if kind not in wanted:
                    continue
                try:
                    with running(kind, workdir, source=src) as server:
                        rows.append(
                            scenarios.idle(
                                server,
                                connections,
                                hold_s=5.0 if args.quick else 12.0,
                                heartbeat_s=10.0,
                                processes=args.processes,
                            )
                        )
                except (RuntimeError, TimeoutError, OSError) as exc:
                    skipped[f"{kind} idle"] = f"failed: {exc}"
                    print(f"  {kind}: failed: {exc}", flush=True)
        if args.profile:
            print("profile: steppe-sqlite under cProfile (its numbers are not reported)")
            prof = workdir / "throughput.prof"
            with running("steppe-sqlite", workdir, profile_to=prof, source=src) as server:
                scenarios.throughput(
                    server,
                    [main_count],
                    duration_s=10.0,
                    sweep_duration_s=10.0,
                    warmup_s=2.0,
                    processes=args.processes,
                    prefix="PROF-",
                )
            profile_text = "== throughput ==\n" + profile_summary(prof)
            if not args.skip_idle:
                prof = workdir / "idle.prof"
                with running("steppe-sqlite", workdir, profile_to=prof, source=src) as server:
                    scenarios.idle(
                        server, connections, hold_s=5.0, heartbeat_s=10.0, processes=args.processes
                    )
                profile_text += "\n== idle boot storm ==\n" + profile_summary(prof)
            print(profile_text)

    goals = targets(rows, main_count, connections)
    text = table(rows, goals)
    print()
    print(text)
    for kind, reason in skipped.items():
        print(f"skipped {kind}: {reason}")
    report = {
        "started_at": started.isoformat(),
        "elapsed_s": round(time.monotonic() - t0, 1),
        "machine": machine_before,
        "load_average_after": machine()["load_average"],
        "settings": {
            "counts": counts,
            "duration_s": duration,
            "sweep_duration_s": sweep,
            "warmup_s": warmup,
            "connections": connections,
            "processes": args.processes,
            "quick": args.quick,
            "steppe_src": str(src) if src else None,
            "steppe_revision": revision(src),
        },
        "rows": [r.as_dict() for r in rows],
        "targets": [t.as_dict() for t in goals],
        "skipped": skipped,
        "profile": profile_text,
    }
    RESULTS.mkdir(exist_ok=True)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    body = json.dumps(report, indent=2)
    (RESULTS / f"{stamp}.json").write_text(body)
    if args.quick:  # a check run leaves the published results alone
        print(f"\nresults: {RESULTS / f'{stamp}.json'}")
    else:
        (RESULTS / "latest.json").write_text(body)
        plot(rows, RESULTS / "throughput.png")
        print(f"\nresults: {RESULTS / 'latest.json'}, plot: {RESULTS / 'throughput.png'}")
    print(f"elapsed: {report['elapsed_s']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
