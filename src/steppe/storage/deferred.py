"""Writes an operation leaves to the end of its batch: one `executemany` per kind of statement.

An operation in a group commit that executes its own statements pays, for each one, a statement
build and a round trip to the driver (for SQLite a hop to aiosqlite's thread and back through the
event loop). Under a storm of boots and status notifications those round trips are the commit's
whole cost. Writes that need no answer are deferred instead: at the end of the batch the rows of
each kind (same table, same columns, same statement) go out as one `executemany`.

Order: rows of one kind are written in the order they were deferred, so the last status of a
connector wins. Different kinds run in the order each was first used; an operation must not rely
on one kind of deferred write seeing another, nor read back what it deferred.

On SQLite the statements go straight to the driver with the few type conversions Steppe's
tables need precomputed; on PostgreSQL they are SQLAlchemy Core statements run as executemany.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Boolean, DateTime, Table, TypeDecorator, and_, bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

INSERT, INSERT_IGNORE, UPDATE, UPSERT = "insert", "insert-ignore", "update", "upsert"

# (kind, table, key columns, value columns, columns to overwrite on conflict)
Kind = tuple[str, Table, tuple[str, ...], tuple[str, ...], tuple[str, ...]]


class DeferredWrites:
    """Rows waiting for the end of the batch, grouped by the statement that will write them."""

    __slots__ = ("_rows",)

    def __init__(self) -> None:
        self._rows: dict[Kind, list[tuple[Any, ...]]] = {}

    def __bool__(self) -> bool:
        return bool(self._rows)

    def add(
        self,
        kind: str,
        table: Table,
        keys: Mapping[str, Any],
        values: Mapping[str, Any],
        overwrite: tuple[str, ...] = (),
    ) -> None:
        plan: Kind = (kind, table, tuple(keys), tuple(values), overwrite)
        self._rows.setdefault(plan, []).append((*keys.values(), *values.values()))

    def clear(self) -> None:
        self._rows.clear()

    def sqlite_work(self) -> list[tuple[str, list[tuple[Any, ...]]]]:
        """Each statement with its converted rows, for the SQLite writer."""
        work = []
        for plan, rows in self._rows.items():
            sql, convert = _sqlite_statement(plan)
            work.append((sql, [convert(row) for row in rows]))
        return work

    async def flush(self, conn: AsyncConnection) -> None:
        if not self._rows:
            return
        if conn.dialect.name == "sqlite":
            raw = await conn.get_raw_connection()
            driver: Any = raw.driver_connection
            for plan, rows in self._rows.items():
                sql, convert = _sqlite_statement(plan)
                await driver.executemany(sql, [convert(row) for row in rows])
        else:
            for plan, rows in self._rows.items():
                statement, names = _core_statement(plan, conn.dialect.name)
                await conn.execute(statement, [dict(zip(names, row, strict=True)) for row in rows])
        self._rows.clear()


# --- SQLite: SQL text and converters, built once per kind -------------------------------------


def _sqlite_datetime(value: datetime | None) -> str | None:
    # The layout SQLAlchemy's SQLite DATETIME type writes and reads back (naive, here UTC).
    if value is None:
        return None
    v = value.astimezone(UTC) if value.tzinfo is not None else value
    return (
        f"{v.year:04d}-{v.month:02d}-{v.day:02d} "
        f"{v.hour:02d}:{v.minute:02d}:{v.second:02d}.{v.microsecond:06d}"
    )


def _sqlite_bool(value: bool | None) -> int | None:
    return None if value is None else int(value)


def _converter(table: Table, name: str) -> Callable[[Any], Any] | None:
    kind = table.c[name].type
    if isinstance(kind, TypeDecorator):
        kind = kind.impl_instance
    if isinstance(kind, DateTime):
        return _sqlite_datetime
    if isinstance(kind, Boolean):
        return _sqlite_bool
    return None


def _row_converter(table: Table, columns: Sequence[str]) -> Callable[[tuple[Any, ...]], Any]:
    converters = [_converter(table, name) for name in columns]
    if all(c is None for c in converters):
        return lambda row: row
    pairs = tuple(enumerate(converters))

    def convert(row: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(row[i] if c is None else c(row[i]) for i, c in pairs)

    return convert


def _quoted(names: Sequence[str]) -> list[str]:
    return [f'"{name}"' for name in names]


_SQLITE: dict[Kind, tuple[str, Callable[[tuple[Any, ...]], Any]]] = {}


def _sqlite_statement(plan: Kind) -> tuple[str, Callable[[tuple[Any, ...]], Any]]:
    found = _SQLITE.get(plan)
    if found is not None:
        return found
    kind, table, keys, values, overwrite = plan
    name = f'"{table.name}"'
    if kind == UPDATE:
        sets = ", ".join(f"{c} = ?" for c in _quoted(values))
        where = " AND ".join(f"{c} = ?" for c in _quoted(keys))
        sql = f"UPDATE {name} SET {sets} WHERE {where}"  # noqa: S608 - names are table columns
        # Rows hold keys first; the statement wants the values first.
        order = (*range(len(keys), len(keys) + len(values)), *range(len(keys)))
        inner = _row_converter(table, (*values, *keys))

        def convert(row: tuple[Any, ...]) -> Any:
            return inner(tuple(row[i] for i in order))

        found = (sql, convert)
    else:
        columns = (*keys, *values)
        verb = "INSERT OR IGNORE" if kind == INSERT_IGNORE else "INSERT"
        sql = (
            f"{verb} INTO {name} ({', '.join(_quoted(columns))}) "
            f"VALUES ({', '.join('?' for _ in columns)})"
        )
        if kind == UPSERT:
            sets = ", ".join(f"{c} = excluded.{c}" for c in _quoted(overwrite))
            sql += f" ON CONFLICT ({', '.join(_quoted(keys))}) DO UPDATE SET {sets}"
        found = (sql, _row_converter(table, columns))
    _SQLITE[plan] = found
    return found


# --- Other databases: SQLAlchemy Core statements run as executemany ---------------------------


_CORE: dict[tuple[Kind, str], tuple[Any, tuple[str, ...]]] = {}


def _core_statement(plan: Kind, dialect: str) -> tuple[Any, tuple[str, ...]]:
    found = _CORE.get((plan, dialect))
    if found is not None:
        return found
    kind, table, keys, values, overwrite = plan
    statement: Any
    if kind == UPDATE:
        names = (*(f"k_{k}" for k in keys), *(f"v_{v}" for v in values))
        statement = (
            table.update()
            .where(and_(*(table.c[k] == bindparam(f"k_{k}") for k in keys)))
            .values({v: bindparam(f"v_{v}") for v in values})
        )
    else:
        names = (*keys, *values)
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        if kind == INSERT:
            statement = table.insert()
        elif kind == INSERT_IGNORE:
            statement = insert(table).on_conflict_do_nothing()
        else:
            base = insert(table)
            statement = base.on_conflict_do_update(
                index_elements=list(keys), set_={c: base.excluded[c] for c in overwrite}
            )
    found = (statement, names)
    _CORE[(plan, dialect)] = found
    return found
