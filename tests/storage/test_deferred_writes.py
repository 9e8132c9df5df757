"""Deferred writes: updates and upserts left to the end of a group commit land as written, in
order, on SQLite and PostgreSQL, and one batch's failure leaves the other operations' rows."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone

import orjson
from sqlalchemy import JSON, Column, DateTime, Integer, MetaData, Table, select, text
from sqlalchemy.ext.asyncio import create_async_engine

from steppe.storage import migrator
from steppe.storage.db import Database
from steppe.storage.deferred import INSERT, INSERT_IGNORE, DeferredWrites
from steppe.storage.group_commit import Batch, GroupCommitter
from steppe.storage.pg_writer import PgWriter
from steppe.storage.repositories import stations as repo
from steppe.storage.tables.core import connectors, meter_values, stations

NOW = datetime(2026, 11, 1, 8, 30, tzinfo=UTC)
STATE = ("status", "error_code", "status_at", "updated_at")


async def _committed(database_url: str) -> tuple[Database, GroupCommitter, asyncio.Task[None]]:
    db = Database(database_url)
    await migrator.upgrade(db.engine)
    async with db.begin() as conn:
        await repo.insert_many(
            conn,
            [{"id": f"CS-{i}", "created_at": NOW, "updated_at": NOW} for i in range(3)],
        )
    committer = GroupCommitter(db)
    return db, committer, asyncio.create_task(committer.run())


def _status(station_id: str, status: str, at: datetime):  # type: ignore[no-untyped-def]
    async def op(batch: Batch) -> None:
        batch.upsert_later(
            connectors,
            {"station_id": station_id, "evse_id": 1, "connector_id": 1},
            {"status": status, "error_code": "NoError", "status_at": at, "updated_at": at},
            overwrite=STATE,
        )

    return op


async def test_upserts_in_one_batch_apply_in_order_and_keep_other_columns(
    database_url: str,
) -> None:
    db, committer, runner = await _committed(database_url)
    async with db.begin() as conn:
        await repo.upsert_connector(
            conn, "CS-0", 1, 1, {"standard": "GBT_DC", "status": "Unknown"}, updated_at=NOW
        )
    later = [NOW + timedelta(seconds=i) for i in range(4)]
    # Queued together: one batch; the last status of each connector must win.
    await asyncio.gather(
        committer.write(_status("CS-0", "Preparing", later[0])),
        committer.write(_status("CS-1", "Available", later[1])),
        committer.write(_status("CS-0", "Charging", later[2])),
        committer.write(_status("CS-1", "Faulted", later[3])),
    )
    runner.cancel()
    await asyncio.gather(runner, return_exceptions=True)
    assert committer.batches == 1
    async with db.connect() as conn:
        rows = {(r["station_id"]): r for r in await repo.connectors_of_many(conn, ["CS-0", "CS-1"])}
    assert rows["CS-0"]["status"] == "Charging"
    assert rows["CS-0"]["standard"] == "GBT_DC"  # not among the overwritten columns
    assert rows["CS-0"]["status_at"] == later[2]
    assert rows["CS-1"]["status"] == "Faulted"
    await db.close()


async def test_updates_set_values_and_a_missing_row_is_left_alone(database_url: str) -> None:
    db, committer, runner = await _committed(database_url)

    async def op(batch: Batch) -> None:
        batch.update_later(stations, {"id": "CS-2"}, {"vendor": "Steppe", "last_boot_at": NOW})
        batch.update_later(stations, {"id": "NO-SUCH"}, {"vendor": "Nobody", "last_boot_at": NOW})
        batch.update_later(stations, {"id": "CS-2"}, {"ocpp_version": "2.0.1"})

    await committer.write(op)
    runner.cancel()
    await asyncio.gather(runner, return_exceptions=True)
    async with db.connect() as conn:
        row = await repo.get(conn, "CS-2")
        missing = await repo.get(conn, "NO-SUCH")
    assert row is not None
    assert (row["vendor"], row["last_boot_at"], row["ocpp_version"]) == ("Steppe", NOW, "2.0.1")
    assert missing is None
    await db.close()


async def test_a_failing_deferred_row_fails_only_its_operation(database_url: str) -> None:
    """A status for a station that does not exist breaks the foreign key at flush time: the
    batch is replayed one operation at a time and only that operation fails."""
    db, committer, runner = await _committed(database_url)
    results = await asyncio.gather(
        committer.write(_status("CS-0", "Available", NOW)),
        committer.write(_status("GHOST", "Available", NOW)),
        committer.write(_status("CS-1", "Available", NOW)),
        return_exceptions=True,
    )
    runner.cancel()
    await asyncio.gather(runner, return_exceptions=True)
    assert results[0] is None and results[2] is None
    assert isinstance(results[1], Exception)
    async with db.connect() as conn:
        found = await repo.connectors_of_many(conn, ["CS-0", "CS-1", "GHOST"])
    assert sorted(r["station_id"] for r in found) == ["CS-0", "CS-1"]
    await db.close()


async def test_a_batch_mixing_deferred_and_direct_writes_lands_whole(database_url: str) -> None:
    """A batch of deferred writes only goes through the database's own writer; one operation
    that needs the connection sends the whole batch the usual way, and every operation's rows
    land either way."""
    db, committer, runner = await _committed(database_url)

    async def direct(batch: Batch) -> str:
        await repo.update(batch.conn, "CS-2", {"vendor": "Direct"})
        return "direct"

    results = await asyncio.gather(
        committer.write(_status("CS-0", "Available", NOW)),
        committer.write(direct),
        committer.write(_status("CS-1", "Charging", NOW)),
    )
    only_deferred = await committer.write(_status("CS-2", "Faulted", NOW))
    runner.cancel()
    await asyncio.gather(runner, return_exceptions=True)
    assert results == [None, "direct", None] and only_deferred is None
    async with db.connect() as conn:
        found = {
            r["station_id"]: r["status"]
            for r in await repo.connectors_of_many(conn, ["CS-0", "CS-1", "CS-2"])
        }
        station = await repo.get(conn, "CS-2")
    assert found == {"CS-0": "Available", "CS-1": "Charging", "CS-2": "Faulted"}
    assert station is not None and station["vendor"] == "Direct"
    # Only the deferred-only batch went to the writer (the SQLite file's or PostgreSQL's own).
    assert db.writer is not None
    assert db.writer.commits == 1
    await db.close()


async def test_pipelined_batches_land_in_the_order_they_were_written(database_url: str) -> None:
    """One write per batch, so several batches are on their way to the writer at once: the
    connector ends with the last status written, and each write's time is kept."""
    db = Database(database_url)
    await migrator.upgrade(db.engine)
    async with db.begin() as conn:
        await repo.insert(conn, {"id": "CS-0", "created_at": NOW, "updated_at": NOW})
    committer = GroupCommitter(db, max_batch=1)
    runner = asyncio.create_task(committer.run())
    statuses = [f"S{i:02d}" for i in range(40)]
    await asyncio.gather(
        *(
            committer.write(_status("CS-0", s, NOW + timedelta(seconds=i)))
            for i, s in enumerate(statuses)
        )
    )
    runner.cancel()
    await asyncio.gather(runner, return_exceptions=True)
    assert committer.batches == 40
    async with db.connect() as conn:
        (row,) = await repo.connectors_of(conn, "CS-0")
    assert row["status"] == statuses[-1]
    assert row["status_at"] == NOW + timedelta(seconds=39)
    await db.close()


async def test_inserted_rows_keep_every_value_and_skip_only_true_duplicates(
    database_url: str,
) -> None:
    """Rows travel to SQLite as one JSON array and to PostgreSQL as one array per column:
    strings that need escaping, integers past 2**53, NULLs and datetimes given in another zone
    must read back exactly as through the ORM."""
    db, committer, runner = await _committed(database_url)
    almaty = timezone(timedelta(hours=5))
    odd = 'quote " back\\slash \u00e9\u049b \U0001f50c'
    samples = [
        {
            "station_id": "CS-0",
            "evse_id": 1,
            "transaction_id": 2**62 + 7,
            "timestamp": datetime(2026, 11, 1, 13, 30, 0, 123456, tzinfo=almaty),
            "measurand": "Energy.Active.Import.Register",
            "phase": "",
            "location": "",
            "context": "Sample.Periodic",
            "unit": "Wh",
            "value": odd,
        },
        {
            "station_id": "CS-0",
            "evse_id": 1,
            "transaction_id": None,
            "timestamp": NOW,  # whole seconds: no fraction in the text either way
            "measurand": "Voltage",
            "phase": "L1-N",
            "location": "Outlet",
            "context": "",
            "unit": "V",
            "value": "229.5",
        },
    ]
    duplicate = {**samples[1], "value": "999"}

    async def op(batch: Batch) -> None:
        batch.insert_later(meter_values, samples, skip_duplicates=True)

    async def again(batch: Batch) -> None:
        batch.insert_later(meter_values, [duplicate], skip_duplicates=True)

    await asyncio.gather(committer.write(op), committer.write(again))
    runner.cancel()
    await asyncio.gather(runner, return_exceptions=True)
    async with db.connect() as conn:
        rows = (
            (await conn.execute(select(meter_values).order_by(meter_values.c.id))).mappings().all()
        )
    assert len(rows) == 2  # the duplicate key was skipped, not a new row
    first, second = rows
    assert first["value"] == odd
    assert first["transaction_id"] == 2**62 + 7
    assert first["timestamp"] == datetime(2026, 11, 1, 8, 30, 0, 123456, tzinfo=UTC)
    assert second["transaction_id"] is None
    assert second["timestamp"] == NOW
    assert second["value"] == "229.5"
    await db.close()


def test_rows_of_one_kind_reach_sqlite_as_one_statement_with_one_parameter() -> None:
    """The SQLite writer gets each kind of inserted row as one JSON array, so SQLite inserts a
    whole batch of samples in one step, not one step per row (ADR 0009)."""
    deferred = DeferredWrites()
    for second in range(3):
        row = {
            "station_id": "CS-0",
            "evse_id": 1,
            "transaction_id": 7,
            "timestamp": NOW + timedelta(seconds=second),
            "measurand": "Energy.Active.Import.Register",
            "phase": "",
            "location": "",
            "context": "",
            "unit": "Wh",
            "value": str(second),
        }
        deferred.add(INSERT_IGNORE, meter_values, {}, row)
    ((sql, params),) = deferred.sqlite_work()
    assert "json_each" in sql
    assert len(params) == 1
    assert [r[-1] for r in orjson.loads(params[0][0])] == ["0", "1", "2"]


def test_rows_of_one_kind_reach_postgresql_as_one_statement_with_one_parameter() -> None:
    """PostgreSQL's writer sends a kind of inserted rows as one statement whose one argument is
    a JSON array of the rows, unpacked in their order; a kind with a column type it does not
    convert is left to the usual way."""
    deferred = DeferredWrites()
    for second in range(3):
        deferred.add(INSERT_IGNORE, meter_values, {}, _sample(NOW + timedelta(seconds=second)))
    writer = PgWriter(create_async_engine("postgresql+asyncpg://nobody@127.0.0.1/none"))
    assert writer.accepts(deferred)
    ((sql, args),) = writer.work(deferred)
    assert "json_array_elements(" in sql and "ON CONFLICT DO NOTHING" in sql
    assert "varchar" not in sql.lower()  # an explicit cast to varchar(n) would cut long values
    ((text,),) = args
    assert [row[-1] for row in orjson.loads(text)] == ["0", "1", "2"]

    other = MetaData()
    naive = Table("naive", other, Column("id", Integer), Column("at", DateTime()))
    deferred.add(INSERT, naive, {}, {"id": 1, "at": datetime(2026, 11, 1)})
    assert not writer.accepts(deferred)  # an offset would be dropped by a naive column
    documents = Table("documents", other, Column("id", Integer), Column("body", JSON))
    only_json = DeferredWrites()
    only_json.add(INSERT, documents, {}, {"id": 1, "body": {"a": 1}})
    assert not writer.accepts(only_json)


async def test_a_value_too_long_for_its_column_fails_its_write_on_postgresql(
    postgres_database_url: str,
) -> None:
    """Through PostgreSQL's writer a sample value longer than its column is refused, as through
    SQLAlchemy, not cut to fit; the other operations of the batch land."""
    db, committer, runner = await _committed(postgres_database_url)
    long_value = "1" * 41  # the value column holds 40 characters

    def op(row: dict[str, object]):  # type: ignore[no-untyped-def]
        async def write(batch: Batch) -> None:
            batch.insert_later(meter_values, [row], skip_duplicates=True)

        return write

    results = await asyncio.gather(
        committer.write(op(_sample(NOW, value="5"))),
        committer.write(op(_sample(NOW + timedelta(seconds=1), value=long_value))),
        return_exceptions=True,
    )
    runner.cancel()
    await asyncio.gather(runner, return_exceptions=True)
    assert results[0] is None and isinstance(results[1], Exception)
    async with db.connect() as conn:
        values = (await conn.execute(select(meter_values.c.value))).scalars().all()
    assert values == ["5"]
    await db.close()


def _sample(at: datetime, value: str | None = None) -> dict[str, object]:
    return {
        "station_id": "CS-0",
        "evse_id": 1,
        "transaction_id": 7,
        "timestamp": at,
        "measurand": "Energy.Active.Import.Register",
        "phase": "",
        "location": "",
        "context": "",
        "unit": "Wh",
        "value": str(at.second - NOW.second) if value is None else value,
    }


async def test_postgresql_writer_reconnects_after_its_connection_is_killed(
    postgres_database_url: str,
) -> None:
    """The writer keeps one connection; when PostgreSQL ends it (a restart, an administrator),
    the next batch connects afresh instead of failing, and no acknowledged row is missing."""
    db, committer, runner = await _committed(postgres_database_url)

    def op(row: dict[str, object]):  # type: ignore[no-untyped-def]
        async def write(batch: Batch) -> None:
            batch.insert_later(meter_values, [row], skip_duplicates=True)

        return write

    await committer.write(op(_sample(NOW, value="1")))
    assert isinstance(db.writer, PgWriter)
    driver = await db.writer._connected()
    async with db.begin() as conn:
        await conn.execute(
            text("SELECT pg_terminate_backend(:pid)"), {"pid": driver.get_server_pid()}
        )
    for _ in range(100):  # the writer's socket sees the end shortly after
        if driver.is_closed():
            break
        await asyncio.sleep(0.01)
    await committer.write(op(_sample(NOW + timedelta(seconds=1), value="2")))
    runner.cancel()
    await asyncio.gather(runner, return_exceptions=True)
    async with db.connect() as conn:
        values = (await conn.execute(select(meter_values.c.value))).scalars().all()
    assert sorted(values) == ["1", "2"]
    assert db.writer.commits == 2
    await db.close()
