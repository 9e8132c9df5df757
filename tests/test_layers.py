"""The dependency rules of the layers (ADR 0013, docs/architecture.md), read from the source."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "steppe"
# The domain writes through repositories: it names neither SQLAlchemy nor the tables.
FORBIDDEN_IN_DOMAIN = ("sqlalchemy", "steppe.storage.tables")


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_the_domain_imports_neither_sqlalchemy_nor_the_tables() -> None:
    found = [
        f"{path.relative_to(SRC)}: {name}"
        for path in sorted((SRC / "domain").rglob("*.py"))
        for name in imported_modules(path)
        if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN_IN_DOMAIN)
    ]
    assert found == []
