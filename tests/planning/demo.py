"""The shipped demo network scenario, made short enough for a test."""

from __future__ import annotations

from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "planning"


def short_demo(tmp_path: Path) -> Path:
    """The demo network cut to 40 days and one replication, written into `tmp_path`."""
    text = (EXAMPLES / "demo-network-plant.toml").read_text()
    text = text.replace("years = 5", "days = 40").replace("replications = 2", "replications = 1")
    path = tmp_path / "demo.toml"
    path.write_text(text)
    return path
