"""The plot in docs/smart-charging.md: a site's load per grid phase over time against its limit,
drawn from a run of the Almaty site test.

    STEPPE_SITE_LOAD_TRACE=/tmp/site-load.json \
        .venv/bin/pytest -q tests/e2e/test_site_load_simulated.py
    .venv/bin/python -m bench.site_load_plot /tmp/site-load.json docs/img/site-load.png

The trace is the test's `SiteMeter` history: after every change of any car's draw, the seconds
since the start and the sum of what the cars draw on L1, L2 and L3, in amperes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

COLOURS = ("#8c510a", "#01665e", "#762a83")


def plot(trace: Path, out: Path, *, margin_a: float = 8.0) -> None:
    data = json.loads(trace.read_text())
    limit = float(data["limit_a"])
    history = data["history"]
    times = [row[0] for row in history]
    figure, axes = plt.subplots(figsize=(8.0, 3.6), dpi=120)
    for phase, (colour, width) in enumerate(zip(COLOURS, (2.4, 1.6, 0.9), strict=True), start=1):
        loads = [row[phase] for row in history]
        axes.step(times, loads, where="post", color=colour, linewidth=width, label=f"L{phase}")
    axes.axhline(limit, color="#b2182b", linewidth=1.5, label=f"limit {limit:g} A")
    axes.axhline(
        limit - margin_a,
        color="#b2182b",
        linewidth=0.8,
        linestyle="--",
        label=f"limit less margin ({limit - margin_a:g} A)",
    )
    axes.set_xlabel("seconds of the test run")
    axes.set_ylabel("drawn per phase (A)")
    axes.set_ylim(0, limit * 1.1)
    axes.set_xlim(0, max(times) if times else 1)
    axes.set_title("Eight chargers on a 63 A site: what the cars draw per grid phase")
    axes.legend(loc="lower right", fontsize=8, ncol=3)
    axes.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(out)
    plt.close(figure)


if __name__ == "__main__":
    plot(Path(sys.argv[1]), Path(sys.argv[2]))
