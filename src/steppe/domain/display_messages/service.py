"""Display messages on stations (2.0.1 block O): what Steppe set (`set-display-message`
accepted, removed by an accepted `clear-display-message`) and what a station reports it shows
(NotifyDisplayMessages, after `get-display-messages`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from steppe.domain.commands.models import ClearDisplayMessage, CommandParams, SetDisplayMessage
from steppe.domain.commands.recorder import AnswerRecorder
from steppe.domain.ports import Clock
from steppe.storage.db import Database
from steppe.storage.group_commit import Batch, GroupCommitter
from steppe.storage.repositories import station_reports as repo

KIND = "display_messages"


@dataclass(frozen=True, slots=True)
class StoredMessage:
    message_id: int
    priority: str
    state: str | None
    format: str
    language: str | None
    content: str
    starts_at: datetime | None
    ends_at: datetime | None
    transaction_id: str | None
    source: str
    updated_at: datetime

    @classmethod
    def from_row(cls, row: Any) -> StoredMessage:
        return cls(**{name: row[name] for name in cls.__dataclass_fields__})


class DisplayMessageService(AnswerRecorder):
    commands = frozenset({"set-display-message", "clear-display-message"})

    def __init__(self, db: Database, committer: GroupCommitter, clock: Clock) -> None:
        self._db = db
        self._committer = committer
        self._clock = clock

    async def record(
        self, station_id: str, params: CommandParams, status: str, response: dict[str, Any]
    ) -> None:
        if status != "Accepted":
            return
        async with self._db.begin() as conn:
            if isinstance(params, SetDisplayMessage):
                m = params.message
                assert m.id is not None
                await repo.upsert(
                    conn,
                    KIND,
                    {
                        "station_id": station_id,
                        "message_id": m.id,
                        "priority": m.priority,
                        "state": m.state,
                        "format": m.format,
                        "language": m.language,
                        "content": m.content,
                        "starts_at": m.starts_at,
                        "ends_at": m.ends_at,
                        "transaction_id": m.transaction_id,
                        "source": "csms",
                        "updated_at": self._clock.now(),
                    },
                )
            elif isinstance(params, ClearDisplayMessage):
                await repo.remove(conn, KIND, {"station_id": station_id, "message_id": params.id})

    async def reported(self, station_id: str, messages: list[dict[str, Any]]) -> None:
        """NotifyDisplayMessages: the messages the station shows, each with `message_id`,
        `priority`, `state`, `format`, `language`, `content`, `starts_at`, `ends_at` and
        `transaction_id`."""
        now = self._clock.now()
        rows = [
            {**m, "station_id": station_id, "source": "station", "updated_at": now}
            for m in messages
        ]

        async def write(batch: Batch) -> None:
            repo.upsert_later(batch, KIND, rows)

        if rows:
            await self._committer.write(write)

    async def list(self, station_id: str) -> list[StoredMessage]:
        async with self._db.connect() as conn:
            rows = await repo.keyed(conn, KIND, station_id)
        return [StoredMessage.from_row(row) for row in rows]
