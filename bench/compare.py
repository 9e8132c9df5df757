"""Two revisions of Steppe back to back: the 200-charger MeterValues loop on each in turn.

python -m bench.compare --old ../old-checkout/src [--new src] [--server steppe-sqlite]
                        [--pairs 4] [--seconds 8]

The machine's speed drifts from minute to minute, so a change is judged by pairs of short runs
taken at the same moment, in alternating order (old first, then new first), and by the median
of the pairs' ratios rather than by two runs minutes apart.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from bench import scenarios
from bench.loadgen import raise_open_file_limit


def measure(server_kind: str, source: Path, chargers: int, seconds: float) -> tuple[float, float]:
    """MeterValues a second and server CPU µs per message for one run."""
    with (
        tempfile.TemporaryDirectory() as workdir,
        scenarios.running(server_kind, Path(workdir), source=source) as server,
    ):
        (row,) = scenarios.throughput(
            server,
            [chargers],
            duration_s=seconds,
            sweep_duration_s=seconds,
            warmup_s=2.0,
            processes=2,
        )
    if row.errors:
        raise RuntimeError(f"{source}: {row.errors} errors: {row.extra.get('error_samples')}")
    return row.msgs_per_s or 0.0, row.extra["server_cpu_us_per_msg"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", type=Path, required=True, help="the other checkout's src")
    parser.add_argument("--new", type=Path, default=Path(__file__).parent.parent / "src")
    parser.add_argument("--server", default="steppe-sqlite", help="or steppe-postgres")
    parser.add_argument("--pairs", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--chargers", type=int, default=200)
    args = parser.parse_args()
    for source in (args.old, args.new):
        if not (source / "steppe" / "__init__.py").is_file():
            # Otherwise the server would quietly import the installed Steppe instead.
            parser.error(f"{source} holds no steppe package")
    raise_open_file_limit()
    runs: dict[str, list[tuple[float, float]]] = {"old": [], "new": []}
    for pair in range(args.pairs):
        order = ("old", "new") if pair % 2 == 0 else ("new", "old")
        for which in order:
            rate, cpu = measure(args.server, getattr(args, which), args.chargers, args.seconds)
            runs[which].append((rate, cpu))
            print(f"pair {pair + 1} {which}: {rate:8.0f} msgs/s, {cpu:6.1f} µs CPU/msg", flush=True)
    ratios = [n[0] / o[0] for o, n in zip(runs["old"], runs["new"], strict=True) if o[0]]
    for which, rows in runs.items():
        print(
            f"{which}: median {statistics.median(r[0] for r in rows):8.0f} msgs/s, "
            f"{statistics.median(r[1] for r in rows):6.1f} µs CPU/msg"
        )
    print("pair ratios new/old: " + ", ".join(f"{r:.2f}" for r in ratios))
    print(f"median pair ratio: {statistics.median(ratios):.2f}")


if __name__ == "__main__":
    main()
