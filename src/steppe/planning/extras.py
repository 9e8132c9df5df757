"""The optional packages `steppe plan` needs (the `plan` extra), found and imported on demand.

`missing()` lets the command say which extra to install instead of failing on an import; the
untyped ones (the optimiser and the progress bar) are handed out as `Any` from here, so the rest
of the package stays strictly typed.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

EXTRA = "plan"
MODULES = ("numpy", "matplotlib", "pulp", "highspy", "tqdm")
INSTALL = f"pip install 'steppe[{EXTRA}]'"


def missing() -> list[str]:
    """The modules of the `plan` extra that cannot be imported here."""
    return [name for name in MODULES if importlib.util.find_spec(name) is None]


def pulp() -> Any:
    return importlib.import_module("pulp")


def tqdm() -> Any:
    return importlib.import_module("tqdm").tqdm
