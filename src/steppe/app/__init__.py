"""The composition root: builds every part of an instance (`parts.py`), runs it (`lifespan.py`),
and the work that belongs to no single part (`background.py`, `metrics.py`, `keys.py`)."""

from steppe.app.lifespan import running, serve
from steppe.app.parts import Steppe, build

__all__ = ["Steppe", "build", "running", "serve"]
