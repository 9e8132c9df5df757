"""The audit log of what operators make stations do: a row before the call leaves, settled with
its outcome afterwards, and a `command.result` event for each. Commands and the security
operations (password rotation, certificates) write it the same way."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from steppe.domain.events import EventBus, EventType
from steppe.domain.ports import Clock
from steppe.errors import (
    CommandTimeout,
    InvalidInput,
    NotFound,
    StationNotAccepted,
    StationNotConnected,
    StationRejectedCall,
    SteppeError,
)
from steppe.storage.db import Database
from steppe.storage.repositories import audit as repo
from steppe.types import CommandOutcome


def outcome_of(error: SteppeError) -> CommandOutcome:
    """How an audited call that raised `error` ended."""
    if isinstance(error, StationNotConnected):
        return CommandOutcome.NOT_CONNECTED
    if isinstance(error, StationNotAccepted):
        return CommandOutcome.REFUSED
    if isinstance(error, CommandTimeout):
        return CommandOutcome.TIMEOUT
    if isinstance(error, InvalidInput):
        return CommandOutcome.REFUSED
    if isinstance(error, StationRejectedCall):
        return CommandOutcome.CALL_ERROR
    if isinstance(error, NotFound):
        return CommandOutcome.NOT_FOUND
    return CommandOutcome.ERROR


class AuditLog:
    def __init__(self, db: Database, bus: EventBus, clock: Clock) -> None:
        self._db = db
        self._bus = bus
        self._clock = clock
        # (command, outcome) -> count, read by the metrics endpoint
        self.outcomes: dict[tuple[str, CommandOutcome], int] = {}

    async def open(
        self,
        actor: str,
        station_id: str,
        command: str,
        version: str | None,
        params: dict[str, Any],
    ) -> int:
        """Write the entry of a call about to leave (`pending`); its id."""
        values = {
            "at": self._clock.now(),
            "actor": actor[:100],
            "command": command,
            "station_id": station_id,
            "ocpp_version": version,
            "params": json.dumps(params, separators=(",", ":")),
            "outcome": CommandOutcome.PENDING.value,
        }
        async with self._db.begin() as conn:
            return await repo.insert(conn, values)

    async def settle(
        self,
        entry_id: int,
        *,
        actor: str,
        station_id: str,
        command: str,
        outcome: CommandOutcome,
        status: str | None = None,
        error: str | None = None,
    ) -> None:
        """Record how the call ended, count it, and publish `command.result`."""
        values = {
            "outcome": outcome.value,
            "status": status,
            "error": error[:2000] if error else None,
            "finished_at": self._clock.now(),
        }
        async with self._db.begin() as conn:
            await repo.settle(conn, entry_id, values)
        key = (command, outcome)
        self.outcomes[key] = self.outcomes.get(key, 0) + 1
        data = {
            "audit_id": entry_id,
            "command": command,
            "actor": actor,
            "outcome": outcome.value,
            "status": status,
        }
        self._bus.publish(EventType.COMMAND_RESULT, station_id, data)

    async def page(
        self,
        *,
        station_id: str | None = None,
        actor: str | None = None,
        command: str | None = None,
        outcome: CommandOutcome | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        before: int | None = None,
        limit: int = 100,
    ) -> list[Any]:
        async with self._db.connect() as conn:
            return list(
                await repo.page(
                    conn,
                    station_id=station_id,
                    actor=actor,
                    command=command,
                    outcome=outcome,
                    since=since,
                    until=until,
                    before=before,
                    limit=limit,
                )
            )
