"""PostgreSQL's own way in for batches made only of deferred writes.

Through SQLAlchemy a batch of meter values costs a BEGIN, an executemany that binds and runs the
insert once per row, a COMMIT, and SQLAlchemy's own processing of every parameter on the event
loop. Here the batch goes to asyncpg as it is: the rows of an insert travel as one JSON array
that the statement unpacks with `json_array_elements`, so the whole kind is one statement. A batch
of a single kind is that statement alone, committed by itself (and durable, with PostgreSQL's
default `synchronous_commit`); otherwise the statements run in one transaction.

Batches reach the database one at a time and in the order they were prepared (a FIFO lock), as
with the SQLite writer, so the last status of a connector still wins; one batch is in flight at a
time (`pipeline`), which measured faster here than preparing the next while one is on its way.
A kind with a column type this module does not convert (JSON, a naive timestamp, a native enum)
is not accepted, and its batch takes the usual SQLAlchemy way.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import asyncpg
import orjson
from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Enum,
    Integer,
    Numeric,
    String,
    Table,
    TypeDecorator,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from steppe.errors import StorageUnavailable
from steppe.storage.deferred import (
    INSERT,
    INSERT_IGNORE,
    REVISE,
    UPDATE,
    DeferredWrites,
    Plan,
    Row,
    Verb,
    revision_clause,
)

Statement = tuple[str, list[Sequence[Any]]]
Args = Callable[[list[Row]], list[Sequence[Any]]]
_OUTAGE = (asyncpg.PostgresConnectionError, asyncpg.InterfaceError, OSError)


def _utc(value: datetime | None) -> datetime | None:
    # The rule UtcDateTime applies on the SQLAlchemy way: a naive time is refused, not guessed.
    if value is not None and value.tzinfo is None:
        raise ValueError("naive datetime given to a UTC column")
    return value


def _decimal(value: object) -> str:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not a column value")


def _column(table: Table, name: str) -> tuple[str, Callable[[Any], Any] | None] | None:
    """The column's base PostgreSQL type and converter; None for a type not handled here."""
    sql_type = table.c[name].type
    inner = sql_type.impl_instance if isinstance(sql_type, TypeDecorator) else sql_type
    if isinstance(inner, DateTime):
        # Only zone-aware columns (UtcDateTime): a JSON time with an offset cast to a naive
        # timestamp would lose the offset.
        return ("timestamptz", _utc) if inner.timezone else None
    if isinstance(inner, Enum):
        return None  # a native enum takes no text without a cast to its own type
    if isinstance(inner, Boolean):
        return "boolean", None
    if isinstance(inner, BigInteger):
        return "bigint", None
    if isinstance(inner, Integer):
        return "integer", None
    if isinstance(inner, Numeric) and inner.asdecimal:
        return "numeric", None
    if isinstance(inner, String):
        return "text", None
    return None


Conversions = list[tuple[int, Callable[[Any], Any]]]  # (column index, converter), built once


def _converted(pairs: Conversions, rows: list[Row]) -> list[Row]:
    if not pairs:
        return rows
    out = []
    for row in rows:
        values = list(row)
        for i, convert in pairs:
            values[i] = convert(values[i])
        out.append(tuple(values))
    return out


_STATEMENTS: dict[Plan, tuple[str, Args] | None] = {}


def statement(plan: Plan) -> tuple[str, Args] | None:
    """The SQL for one kind of deferred write and how its rows become arguments."""
    if plan in _STATEMENTS:
        return _STATEMENTS[plan]
    verb, table, keys, values, overwrite = plan
    columns = (*keys, *values)
    described = [_column(table, name) for name in columns]
    found: tuple[str, Args] | None = None
    if all(d is not None for d in described):
        types = [d[0] for d in described if d is not None]
        pairs = [(i, d[1]) for i, d in enumerate(described) if d is not None and d[1] is not None]
        found = _build(verb, table.name, keys, values, overwrite, types, pairs)
    _STATEMENTS[plan] = found
    return found


def _build(
    verb: Verb,
    table: str,
    keys: tuple[str, ...],
    values: tuple[str, ...],
    overwrite: tuple[str, ...],
    types: list[str],
    converters: Conversions,
) -> tuple[str, Args]:
    quoted = [f'"{name}"' for name in (*keys, *values)]
    if verb == UPDATE:
        sets = ", ".join(f"{q} = ${i + 1}" for i, q in enumerate(quoted[len(keys) :]))
        where = " AND ".join(
            f"{q} = ${len(values) + i + 1}" for i, q in enumerate(quoted[: len(keys)])
        )
        sql = f'UPDATE "{table}" SET {sets} WHERE {where}'  # noqa: S608 - names are columns

        def update_args(rows: list[Row]) -> list[Sequence[Any]]:
            # Rows hold keys first; the statement wants the values first.
            n = len(keys)
            return [(*row[n:], *row[:n]) for row in _converted(converters, rows)]

        return sql, update_args
    names = ", ".join(quoted)
    if verb in (INSERT, INSERT_IGNORE, REVISE):
        # All rows as one JSON array of arrays, unpacked by PostgreSQL in their order: one
        # statement and one text parameter, where arrays per column cost asyncpg a type check
        # per value on the event loop. Each field is cast to its base type (text, not
        # varchar(n), which would cut a long value silently); the insert then checks the
        # column's own limits as any insert does.
        fields = ", ".join(f"(e->>{i})::{t}" for i, t in enumerate(types))
        sql = (
            f'INSERT INTO "{table}" ({names}) SELECT {fields} '  # noqa: S608 - names are columns
            "FROM json_array_elements($1::text::json) WITH ORDINALITY AS x(e, n) ORDER BY n"
        )
        if verb == INSERT_IGNORE:
            sql += " ON CONFLICT DO NOTHING"
        elif verb == REVISE:
            conflict = ", ".join(quoted[: len(keys)])
            sql += f" ON CONFLICT ({conflict}) {revision_clause(table, overwrite)}"

        def json_args(rows: list[Row]) -> list[Sequence[Any]]:
            text = orjson.dumps(_converted(converters, rows), default=_decimal).decode()
            return [(text,)]

        return sql, json_args
    # An upsert: one row at a time, so rows with the same key apply in order as before.
    places = ", ".join(f"${i + 1}" for i in range(len(quoted)))
    sets = ", ".join(f'"{c}" = excluded."{c}"' for c in overwrite)
    conflict = ", ".join(quoted[: len(keys)])
    sql = (
        f'INSERT INTO "{table}" ({names}) VALUES ({places}) '  # noqa: S608 - names are columns
        f"ON CONFLICT ({conflict}) DO UPDATE SET {sets}"
    )
    return sql, lambda rows: list(_converted(converters, rows))


class PgWriter:
    """Commits batches of deferred writes on a connection of its own, straight through asyncpg.

    The connection is taken from the engine once and kept: a pooled checkout per batch cost the
    pool's liveness check (BEGIN, a ping and ROLLBACK: three round trips) before every commit.
    A connection found closed is replaced before use; one that fails under a statement is
    dropped, the batch answered StorageUnavailable, and the next batch connects afresh."""

    pipeline = 1

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._turn = asyncio.Lock()  # FIFO: batches are applied in the order they were prepared
        self._conn: AsyncConnection | None = None
        self._driver: asyncpg.Connection | None = None
        self.commits = 0

    def accepts(self, deferred: DeferredWrites) -> bool:
        return all(statement(plan) is not None for plan, _ in deferred.plans())

    def work(self, deferred: DeferredWrites) -> list[Statement]:
        out: list[Statement] = []
        for plan, rows in deferred.plans():
            found = statement(plan)
            assert found is not None, "accepts() is asked first"
            sql, args = found
            out.append((sql, args(rows)))
        return out

    async def commit(self, deferred: DeferredWrites) -> None:
        """Apply the batch in one transaction, durably; StorageUnavailable when the database is
        away (other errors propagate, and the committer replays the operations one by one)."""
        work = self.work(deferred)
        async with self._turn:
            driver = await self._connected()
            try:
                await _apply(driver, work)
            except _OUTAGE as exc:
                await self._drop()
                raise StorageUnavailable(str(exc)) from exc
        self.commits += 1

    async def _connected(self) -> asyncpg.Connection:
        if self._driver is not None and self._driver.is_closed():
            await self._drop()
        if self._driver is None:
            conn = await self._engine.connect()  # OperationalError when away: an outage
            raw = await conn.get_raw_connection()
            self._conn, self._driver = conn, raw.driver_connection
        return self._driver

    async def _drop(self) -> None:
        conn, self._conn, self._driver = self._conn, None, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.invalidate()
            with contextlib.suppress(Exception):
                await conn.close()

    async def close(self) -> None:
        async with self._turn:  # after the batch under way, if any
            await self._drop()


async def _apply(driver: asyncpg.Connection, work: list[Statement]) -> None:
    if len(work) == 1 and len(work[0][1]) == 1:
        sql, (args,) = work[0]
        await driver.execute(sql, *args)  # one statement: its own transaction
        return
    async with driver.transaction():
        for sql, rows in work:
            if len(rows) == 1:
                await driver.execute(sql, *rows[0])
            else:
                await driver.executemany(sql, rows)
