"""Markdown tables of a results file, for docs/performance.md.

python -m bench.report [bench/results/latest.json]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

LATEST = Path(__file__).resolve().parent / "results" / "latest.json"


def _num(value: float | None, digits: int = 0) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def markdown(report: dict[str, Any]) -> str:
    m = report["machine"]
    s = report["settings"]
    lines = [
        f"Run {report['started_at'][:19]}Z, Steppe {s.get('steppe_revision', '?')}, "
        f"{report['elapsed_s']:.0f} s in all. {m['cores']} cores ({m['cpu']}), "
        f"{m['memory_gb']} GB, Python {m['python']}, {m['system']}; load average "
        f"{m['load_average'][0]} before, {report.get('load_average_after', ['?'])[0]} after.",
        "",
        "| scenario | server | chargers | msgs/s | p50 ms | p99 ms | errors | notes |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in report["rows"]:
        e = r["extra"]
        if r["scenario"] == "idle":
            notes = (
                f"{e['booted']:,} booted in {e['boot_s']} s; RSS {e['rss_before_mb']} -> "
                f"{e['rss_after_mb']} MB, {e['kb_per_connection']} KB per connection held"
            )
        elif r["scenario"] == "latency":
            notes = f"paced at {e['offered_msgs_per_s']} msgs/s"
        elif r["scenario"] == "durability":
            notes = (
                f"killed under load: {e['acked']:,} MeterValues answered, {e['stored']:,} "
                f"stored, {e['missing']} missing ({e.get('cut_off', 0)} calls cut off)"
            )
        else:
            notes = f"{e.get('server_cpu_us_per_msg', '-')} µs server CPU per message"
        lines.append(
            f"| {r['scenario']} | {r['server']} | {r['chargers']:,} | {_num(r['msgs_per_s'])} "
            f"| {_num(r['p50_ms'], 1)} | {_num(r['p99_ms'], 1)} | {r['errors']:,} | {notes} |"
        )
    lines += ["", "| target | goal | measured | result |", "| --- | --- | --- | --- |"]
    for t in report["targets"]:
        verdict = {True: "met", False: "**missed**", None: "not measured"}[t["met"]]
        lines.append(f"| {t['name']} | {t['goal']} | {t['measured']} | {verdict} |")
    for kind, reason in report.get("skipped", {}).items():
        lines.append(f"\n{kind} skipped: {reason}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0]) if args else LATEST
    print(markdown(json.loads(path.read_text())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
