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
tables need precomputed; the rows of an insert or upsert travel as one JSON array that the
statement unpacks with json_each, so SQLite inserts them all in one step (in the array's order).
On PostgreSQL they are SQLAlchemy Core statements run as executemany.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Literal

import orjson
from sqlalchemy import Boolean, DateTime, Table, TypeDecorator, and_, bindparam, or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

Verb = Literal["insert", "insert-ignore", "update", "upsert", "revise"]
INSERT: Verb = "insert"
INSERT_IGNORE: Verb = "insert-ignore"
UPDATE: Verb = "update"
UPSERT: Verb = "upsert"
# Insert; where a row with the same key exists and one of the `overwrite` columns holds another
# value, take the new value, keep the one it replaces in `replaced_<column>` and count the
# revision in `revisions` (a resend with the same values changes nothing).
REVISE: Verb = "revise"

# One statement that deferred rows share: (verb, table, key columns, value columns, columns to
# overwrite on conflict). Rows with the same plan are written together; a plain tuple, because
# one is made for every deferred row on the hot path.
Plan = tuple[Verb, Table, tuple[str, ...], tuple[str, ...], tuple[str, ...]]


class DeferredWrites:
    """Rows waiting for the end of the batch, grouped by the statement that will write them."""

    __slots__ = ("_rows",)

    def __init__(self) -> None:
        self._rows: dict[Plan, list[tuple[Any, ...]]] = {}

    def __bool__(self) -> bool:
        return bool(self._rows)

    def add(
        self,
        verb: Verb,
        table: Table,
        keys: Mapping[str, Any],
        values: Mapping[str, Any],
        overwrite: tuple[str, ...] = (),
    ) -> None:
        plan: Plan = (verb, table, tuple(keys), tuple(values), overwrite)
        self._rows.setdefault(plan, []).append((*keys.values(), *values.values()))

    def clear(self) -> None:
        self._rows.clear()

    def plans(self) -> list[tuple[Plan, list[tuple[Any, ...]]]]:
        """Each statement with its rows, in the order the statements were first used."""
        return list(self._rows.items())

    def sqlite_work(self) -> list[tuple[str, list[tuple[Any, ...]]]]:
        """Each statement with its parameters, for the SQLite writer."""
        work = []
        for plan, rows in self._rows.items():
            sql, params = _sqlite_statement(plan)
            work.append((sql, params(rows)))
        return work

    async def flush(self, conn: AsyncConnection) -> None:
        if not self._rows:
            return
        if conn.dialect.name == "sqlite":
            raw = await conn.get_raw_connection()
            driver: Any = raw.driver_connection
            for plan, rows in self._rows.items():
                sql, params = _sqlite_statement(plan)
                await driver.executemany(sql, params(rows))
        else:
            for plan, rows in self._rows.items():
                statement, names = _core_statement(plan, conn.dialect.name)
                await conn.execute(statement, [dict(zip(names, row, strict=True)) for row in rows])
        self._rows.clear()


def revision_clause(
    table: str, revised: Sequence[str], *, differs: str = "IS DISTINCT FROM"
) -> str:
    """The DO UPDATE part of a REVISE insert; SQLite says `IS NOT` for a null-safe difference
    (its `IS DISTINCT FROM` is recent)."""
    sets = [f'"{c}" = excluded."{c}"' for c in revised]
    sets += [f'"replaced_{c}" = "{table}"."{c}"' for c in revised]
    sets.append(f'"revisions" = "{table}"."revisions" + 1')
    changed = " OR ".join(f'"{table}"."{c}" {differs} excluded."{c}"' for c in revised)
    return f"DO UPDATE SET {', '.join(sets)} WHERE {changed}"


# --- SQLite: SQL text and converters, built once per kind -------------------------------------


def _sqlite_datetime(value: datetime | None) -> str | None:
    # The layout SQLAlchemy's SQLite DATETIME type writes and reads back (naive, here UTC).
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(" ", "microseconds")


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


Row = tuple[Any, ...]
Params = Callable[[list[Row]], list[Row]]


def _row_converter(table: Table, columns: Sequence[str]) -> Callable[[Row], Sequence[Any]]:
    pairs = [(i, c) for i, name in enumerate(columns) if (c := _converter(table, name)) is not None]
    if not pairs:
        return lambda row: row

    def convert(row: Row) -> list[Any]:
        out = list(row)
        for i, c in pairs:
            out[i] = c(out[i])
        return out

    return convert


def _bulk(convert: Callable[[Row], Sequence[Any]]) -> Params:
    """All rows as one JSON array: the statement reads them with json_each, so the whole kind is
    one step of the SQLite engine instead of one per row."""

    def params(rows: list[Row]) -> list[Row]:
        return [(orjson.dumps([convert(row) for row in rows]),)]

    return params


def _each(convert: Callable[[Row], Sequence[Any]]) -> Params:
    def params(rows: list[Row]) -> list[Row]:
        return [tuple(convert(row)) for row in rows]

    return params


def _quoted(names: Sequence[str]) -> list[str]:
    return [f'"{name}"' for name in names]


_SQLITE: dict[Plan, tuple[str, Params]] = {}


def _sqlite_statement(plan: Plan) -> tuple[str, Params]:
    found = _SQLITE.get(plan)
    if found is not None:
        return found
    verb, table, keys, values, overwrite = plan
    name = f'"{table.name}"'
    if verb == UPDATE:
        sets = ", ".join(f"{c} = ?" for c in _quoted(values))
        where = " AND ".join(f"{c} = ?" for c in _quoted(keys))
        sql = f"UPDATE {name} SET {sets} WHERE {where}"  # noqa: S608 - names are table columns
        # Rows hold keys first; the statement wants the values first.
        order = (*range(len(keys), len(keys) + len(values)), *range(len(keys)))
        inner = _row_converter(table, (*values, *keys))

        def convert(row: Row) -> Sequence[Any]:
            return inner(tuple(row[i] for i in order))

        found = (sql, _each(convert))
    else:
        columns = (*keys, *values)
        command = "INSERT OR IGNORE" if verb == INSERT_IGNORE else "INSERT"
        fields = ", ".join(f"json_extract(value, '$[{i}]')" for i in range(len(columns)))
        # Rows are inserted in the array's order; `WHERE true` keeps ON CONFLICT unambiguous.
        head = f"{command} INTO {name} ({', '.join(_quoted(columns))})"
        sql = f"{head} SELECT {fields} FROM json_each(?) WHERE true ORDER BY key"  # noqa: S608
        if verb == UPSERT:
            sets = ", ".join(f"{c} = excluded.{c}" for c in _quoted(overwrite))
            sql += f" ON CONFLICT ({', '.join(_quoted(keys))}) DO UPDATE SET {sets}"
        elif verb == REVISE:
            revise = revision_clause(table.name, overwrite, differs="IS NOT")
            sql += f" ON CONFLICT ({', '.join(_quoted(keys))}) {revise}"
        found = (sql, _bulk(_row_converter(table, columns)))
    _SQLITE[plan] = found
    return found


# --- Other databases: SQLAlchemy Core statements run as executemany ---------------------------


_CORE: dict[tuple[Plan, str], tuple[Any, tuple[str, ...]]] = {}


def _core_statement(plan: Plan, dialect: str) -> tuple[Any, tuple[str, ...]]:
    found = _CORE.get((plan, dialect))
    if found is not None:
        return found
    verb, table, keys, values, overwrite = plan
    statement: Any
    if verb == UPDATE:
        names = (*(f"k_{k}" for k in keys), *(f"v_{v}" for v in values))
        statement = (
            table.update()
            .where(and_(*(table.c[k] == bindparam(f"k_{k}") for k in keys)))
            .values({v: bindparam(f"v_{v}") for v in values})
        )
    else:
        names = (*keys, *values)
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        if verb == INSERT:
            statement = table.insert()
        elif verb == INSERT_IGNORE:
            statement = insert(table).on_conflict_do_nothing()
        elif verb == REVISE:
            base = insert(table)
            sets: dict[str, Any] = {c: base.excluded[c] for c in overwrite}
            sets.update({f"replaced_{c}": table.c[c] for c in overwrite})
            sets["revisions"] = table.c.revisions + 1
            changed = or_(*(table.c[c].is_distinct_from(base.excluded[c]) for c in overwrite))
            statement = base.on_conflict_do_update(
                index_elements=list(keys), set_=sets, where=changed
            )
        else:
            base = insert(table)
            statement = base.on_conflict_do_update(
                index_elements=list(keys), set_={c: base.excluded[c] for c in overwrite}
            )
    found = (statement, names)
    _CORE[(plan, dialect)] = found
    return found
