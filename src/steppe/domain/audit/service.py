"""The record of what people change: each change made in the console is one audit entry.

Commands are audited by the command service (before they leave, settled with the station's
answer); changes to stations, tariffs, cards, webhooks, users and keys are written here once
they are done, in the same log, with the outcome `applied` and what was changed in `target`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from steppe.domain.ports import Clock
from steppe.storage.db import Database
from steppe.storage.repositories import audit as repo
from steppe.types import CommandOutcome

REDACTED = "***"
SECRET_FIELDS = frozenset({"password", "secret", "key", "token_value"})


def without_secrets(details: Mapping[str, Any]) -> dict[str, Any]:
    """The details as they are written: values of secret fields replaced by `***`."""
    return {
        name: (REDACTED if name in SECRET_FIELDS and value not in (None, "") else value)
        for name, value in details.items()
    }


class AuditTrail:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def record(
        self,
        actor: str,
        action: str,
        *,
        target: str,
        station_id: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> int:
        """Write one applied change (`station.update`, `tariff.create`, ...); its entry id."""
        now = self._clock.now()
        values = {
            "at": now,
            "actor": actor[:100],
            "command": action[:40],
            "station_id": station_id or "",
            "ocpp_version": None,
            "params": json.dumps(
                without_secrets(details or {}), separators=(",", ":"), default=str
            ),
            "outcome": CommandOutcome.APPLIED.value,
            "status": None,
            "error": None,
            "finished_at": now,
            "target": target[:100],
        }
        async with self._db.begin() as conn:
            return await repo.insert(conn, values)
