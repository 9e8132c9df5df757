"""Notices: OCPP 2.1 messages Steppe keeps without acting on them yet, and periodic event
streams.

In: DER alarms, starts and stops and control reports, battery swaps, priority charging,
dynamic schedule pulls, VAT number checks, the data of periodic event streams. Out (as the
command recorder of 2.1's own commands): what was sent and how the station answered. Each is a
row with its kind (the action in, the command out), the id it is about (`ref`) and its body as
JSON. Periodic event streams have a row each, opened and closed by the station, with a count of
the data points received.
"""

from __future__ import annotations

import builtins
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from steppe.domain.commands.models import V21_COMMANDS, CommandParams
from steppe.domain.ports import Clock
from steppe.errors import SteppeError
from steppe.storage.db import Database
from steppe.storage.group_commit import Batch, GroupCommitter
from steppe.storage.repositories import station_notices as repo
from steppe.types import JsonObject

IN, OUT = "in", "out"
OPEN, CLOSED = "open", "closed"
# The parameter a command's notice is filed under, first found.
REF_FIELDS = (
    "transaction_id",
    "charging_profile_id",
    "control_id",
    "stream_id",
    "request_id",
    "tariff_id",
)


@dataclass(frozen=True, slots=True)
class Notice:
    id: int
    kind: str
    direction: str
    ref: str | None
    evse_id: int | None
    transaction_id: str | None
    body: JsonObject
    at: datetime

    @classmethod
    def from_row(cls, row: Any) -> Notice:
        return cls(
            id=row["id"],
            kind=row["kind"],
            direction=row["direction"],
            ref=row["ref"],
            evse_id=row["evse_id"],
            transaction_id=row["transaction_id"],
            body=json.loads(row["body"]),
            at=row["at"],
        )


@dataclass(frozen=True, slots=True)
class EventStream:
    stream_id: int
    variable_monitoring_id: int
    interval_s: int | None
    max_values: int | None
    status: str
    opened_at: datetime
    closed_at: datetime | None
    data_points: int
    last_data_at: datetime | None

    @classmethod
    def from_row(cls, row: Any) -> EventStream:
        return cls(**{name: row[name] for name in cls.__dataclass_fields__})


def _json(body: Any) -> str:
    return json.dumps(body, separators=(",", ":"), default=str)


class NoticeService:
    commands = V21_COMMANDS  # recorded as notices "out" when the station answers

    def __init__(self, db: Database, committer: GroupCommitter, clock: Clock) -> None:
        self._db = db
        self._committer = committer
        self._clock = clock

    def _row(
        self,
        station_id: str,
        kind: str,
        direction: str,
        body: Any,
        *,
        ref: object = None,
        evse_id: int | None = None,
        transaction_id: str | None = None,
    ) -> JsonObject:
        return {
            "station_id": station_id,
            "kind": kind,
            "direction": direction,
            "ref": None if ref is None else str(ref)[:64],
            "evse_id": evse_id,
            "transaction_id": transaction_id,
            "body": _json(body),
            "at": self._clock.now(),
        }

    async def received(
        self,
        station_id: str,
        kind: str,
        body: JsonObject,
        *,
        ref: object = None,
        evse_id: int | None = None,
        transaction_id: str | None = None,
    ) -> None:
        """Keep a message from a station (durably, before it is answered)."""
        row = self._row(
            station_id, kind, IN, body, ref=ref, evse_id=evse_id, transaction_id=transaction_id
        )

        async def write(batch: Batch) -> None:
            repo.add_later(batch, [row])

        await self._committer.write(write)

    async def list(
        self, station_id: str, *, kind: str | None = None, limit: int = 100
    ) -> builtins.list[Notice]:
        async with self._db.connect() as conn:
            rows = await repo.page(conn, station_id, kind=kind, limit=limit)
        return [Notice.from_row(row) for row in rows]

    async def last(self, station_id: str, kind: str, ref: object) -> Notice | None:
        """The newest notice of `kind` about `ref` (e.g. the schedule sent for a profile)."""
        async with self._db.connect() as conn:
            rows = await repo.page(conn, station_id, kind=kind, ref=str(ref), limit=1)
        return Notice.from_row(rows[0]) if rows else None

    # -- periodic event streams -------------------------------------------------------------------

    async def stream_opened(
        self,
        station_id: str,
        stream_id: int,
        monitoring_id: int,
        interval_s: int | None,
        max_values: int | None,
    ) -> None:
        now = self._clock.now()
        row = {
            "station_id": station_id,
            "stream_id": stream_id,
            "variable_monitoring_id": monitoring_id,
            "interval_s": interval_s,
            "max_values": max_values,
            "status": OPEN,
            "opened_at": now,
            "closed_at": None,
        }

        async def write(batch: Batch) -> None:
            await repo.open_stream(batch.conn, row)

        await self._committer.write(write)

    async def stream_closed(self, station_id: str, stream_id: int) -> None:
        values = {"status": CLOSED, "closed_at": self._clock.now()}

        async def write(batch: Batch) -> None:
            await repo.change_stream(batch.conn, station_id, stream_id, values)

        await self._committer.write(write)

    async def stream_data(self, station_id: str, stream_id: int, body: JsonObject) -> None:
        """Data of a stream (a SEND: nothing is answered, but it is kept all the same)."""
        row = self._row(station_id, "NotifyPeriodicEventStream", IN, body, ref=stream_id)
        points = len(body.get("data", []))
        now = self._clock.now()

        async def write(batch: Batch) -> None:
            await repo.stream_data(batch.conn, station_id, stream_id, points, now)
            repo.add_later(batch, [row])

        await self._committer.write(write)

    async def streams(self, station_id: str) -> builtins.list[EventStream]:
        async with self._db.connect() as conn:
            rows = await repo.streams(conn, station_id)
        return [EventStream.from_row(row) for row in rows]

    # -- the command recorder of 2.1's own commands -------------------------------------------

    async def sending(self, station_id: str, command: str, params: CommandParams) -> None:
        return None

    async def answered(
        self,
        station_id: str,
        command: str,
        params: CommandParams,
        status: str,
        response: dict[str, Any],
    ) -> None:
        sent = params.model_dump(mode="json", exclude_none=True, exclude={"tariff"})
        ref = next((getattr(params, name) for name in REF_FIELDS if hasattr(params, name)), None)
        body = {"params": sent, "status": status, "response": response}
        row = self._row(
            station_id,
            command,
            OUT,
            body,
            ref=ref,
            evse_id=getattr(params, "evse_id", None),
            transaction_id=getattr(params, "transaction_id", None),
        )
        stream_change = None
        if command == "adjust-periodic-event-stream" and status == "Accepted":
            stream_change = {"interval_s": sent.get("interval"), "max_values": sent.get("values")}
            stream_change = {k: v for k, v in stream_change.items() if v is not None}

        async def write(batch: Batch) -> None:
            if stream_change:
                await repo.change_stream(batch.conn, station_id, sent["stream_id"], stream_change)
            repo.add_later(batch, [row])

        await self._committer.write(write)

    async def failed(
        self, station_id: str, command: str, params: CommandParams, error: SteppeError
    ) -> None:
        return None
