"""Charging profiles a station holds and what it tells about limits and EVs, stored for the
load management that uses them (domain/smart_charging/ builds on this module).

Profiles set through Steppe (`set-charging-profile`, and `set-charging-limit`, the neutral form
site load management uses) are kept with source `csms` and the station's answer (`status`:
Accepted, Rejected, NotSupported, or Failed when no answer came), and removed when a
`clear-charging-profile` that matches them is accepted; a TxProfile is dropped when its
transaction ends (the station drops it then too). Profiles a station reports
(ReportChargingProfiles, after `get-charging-profiles`) are kept with its `chargingLimitSource`.
`ProfileRestorer` (restore.py) sends a station's accepted profiles again when it comes back.
NotifyChargingLimit, ClearedChargingLimit, NotifyEVChargingNeeds and NotifyEVChargingSchedule
are kept as received, per station and EVSE.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from steppe.domain.commands.models import (
    ClearChargingProfile,
    CommandParams,
    SetChargingLimit,
    SetChargingProfile,
)
from steppe.domain.commands.recorder import AnswerRecorder
from steppe.domain.events import EventBus, EventType
from steppe.domain.ports import Clock
from steppe.errors import SteppeError
from steppe.storage.db import Database
from steppe.storage.group_commit import Batch, GroupCommitter
from steppe.storage.repositories import charging_profiles as profiles_repo
from steppe.storage.repositories import station_reports as repo

CSMS = "csms"
ACCEPTED = "Accepted"
FAILED = "Failed"  # no answer: not connected, timed out, or a CALLERROR


class ChargingReport(StrEnum):
    LIMIT = "limit"  # NotifyChargingLimit
    LIMIT_CLEARED = "limit-cleared"  # ClearedChargingLimit
    EV_NEEDS = "ev-needs"  # NotifyEVChargingNeeds
    EV_SCHEDULE = "ev-schedule"  # NotifyEVChargingSchedule


@dataclass(frozen=True, slots=True)
class StoredProfile:
    station_id: str
    evse_id: int
    profile_id: int
    source: str
    purpose: str | None
    stack_level: int | None
    profile: dict[str, Any]
    updated_at: datetime
    status: str = ACCEPTED
    transaction_id: str | None = None

    @classmethod
    def from_row(cls, row: Any) -> StoredProfile:
        return cls(
            station_id=row["station_id"],
            evse_id=row["evse_id"],
            profile_id=row["profile_id"],
            source=row["source"],
            purpose=row["purpose"],
            stack_level=row["stack_level"],
            profile=json.loads(row["body"]),
            updated_at=row["updated_at"],
            status=row["status"],
            transaction_id=row["transaction_id"],
        )


@dataclass(frozen=True, slots=True)
class StoredReport:
    id: int
    kind: ChargingReport
    evse_id: int | None
    body: dict[str, Any]
    received_at: datetime


def _profile_row(
    station_id: str,
    evse_id: int,
    source: str,
    profile: dict[str, Any],
    now: datetime,
    status: str = ACCEPTED,
) -> dict[str, Any]:
    transaction = profile.get("transactionId")
    return {
        "station_id": station_id,
        "evse_id": evse_id,
        "profile_id": int(profile["id"] if "id" in profile else profile["chargingProfileId"]),
        "source": source[:8],
        "purpose": profile.get("chargingProfilePurpose"),
        "stack_level": profile.get("stackLevel"),
        "body": json.dumps(profile, separators=(",", ":")),
        "updated_at": now,
        "status": status[:16],
        "transaction_id": None if transaction is None else str(transaction)[:36],
    }


def _limit_profile(params: SetChargingLimit) -> dict[str, Any]:
    """The neutral limit as stored: the fields both versions' profiles share."""
    return {
        "id": params.profile_id,
        "chargingProfilePurpose": params.purpose,
        "stackLevel": params.stack_level,
        "transactionId": params.transaction_id,
        "limit": str(params.limit_a),
        "chargingRateUnit": "A",
        "numberPhases": params.number_phases,
    }


def _target(params: CommandParams) -> int:
    evse = getattr(params, "evse_id", None)
    if evse is None:
        evse = getattr(params, "connector_id", None) or 0
    return int(evse)


class ChargingProfileService(AnswerRecorder):
    """The recorder of `set-charging-profile`, `set-charging-limit` and
    `clear-charging-profile`, and the store of what stations report."""

    commands = frozenset({"set-charging-profile", "set-charging-limit", "clear-charging-profile"})

    def __init__(
        self, db: Database, committer: GroupCommitter, bus: EventBus, clock: Clock
    ) -> None:
        self._db = db
        self._committer = committer
        self._bus = bus
        self._clock = clock

    async def failed(
        self, station_id: str, command: str, params: CommandParams, error: SteppeError
    ) -> None:
        """A profile that got no answer is kept as Failed, unless the station holds it already
        (an accepted one is sent again on the next boot or connection)."""
        if not isinstance(params, SetChargingProfile | SetChargingLimit):
            return
        body = params.profile if isinstance(params, SetChargingProfile) else _limit_profile(params)
        row = _profile_row(station_id, _target(params), CSMS, body, self._clock.now(), FAILED)
        async with self._db.begin() as conn:
            held = await profiles_repo.of_station(conn, station_id, source=CSMS)
            key = (row["evse_id"], row["profile_id"])
            if any((r["evse_id"], r["profile_id"]) == key for r in held):
                return
            await profiles_repo.upsert(conn, row)

    async def record(
        self, station_id: str, params: CommandParams, status: str, response: dict[str, Any]
    ) -> None:
        """Keep what the station answered: a set profile with its status, a clear when
        accepted."""
        evse = _target(params)
        now = self._clock.now()
        async with self._db.begin() as conn:
            if isinstance(params, SetChargingProfile):
                row = _profile_row(station_id, evse, CSMS, params.profile, now, status)
                await profiles_repo.upsert(conn, row)
            elif isinstance(params, SetChargingLimit):
                row = _profile_row(station_id, evse, CSMS, _limit_profile(params), now, status)
                await profiles_repo.upsert(conn, row)
            elif isinstance(params, ClearChargingProfile) and status == ACCEPTED:
                where: dict[str, Any] = {"station_id": station_id, "source": CSMS}
                if params.profile_id is not None:
                    where["profile_id"] = params.profile_id
                if params.purpose is not None:
                    where["purpose"] = params.purpose
                if params.stack_level is not None:
                    where["stack_level"] = params.stack_level
                if params.evse_id is not None or params.connector_id is not None:
                    where["evse_id"] = evse
                await profiles_repo.remove(conn, where)

    async def transaction_ended(self, station_id: str, transaction_id: str) -> None:
        """The TxProfiles of a finished transaction are gone from the station: forget them."""
        async with self._db.begin() as conn:
            await profiles_repo.remove(
                conn, {"station_id": station_id, "transaction_id": transaction_id}
            )

    async def reported(
        self, station_id: str, evse_id: int, source: str, profiles: list[dict[str, Any]]
    ) -> None:
        """ReportChargingProfiles: the station holds these profiles on this EVSE."""
        now = self._clock.now()
        rows = [_profile_row(station_id, evse_id, source, p, now) for p in profiles]

        async def write(batch: Batch) -> None:
            profiles_repo.upsert_later(batch, rows)

        await self._committer.write(write)
        self._bus.publish(
            EventType.CHARGING_PROFILES,
            station_id,
            {"evse_id": evse_id, "source": source, "profiles": [r["profile_id"] for r in rows]},
        )

    async def report(
        self, station_id: str, kind: ChargingReport, evse_id: int | None, body: dict[str, Any]
    ) -> None:
        """A limit or EV report, stored as received before it is answered."""
        row = {
            "station_id": station_id,
            "kind": kind.value,
            "evse_id": evse_id,
            "body": json.dumps(body, separators=(",", ":")),
            "received_at": self._clock.now(),
        }

        async def write(batch: Batch) -> None:
            repo.log_later(batch, "charging_reports", [row])

        await self._committer.write(write)
        self._bus.publish(EventType.CHARGING_LIMIT, station_id, {"kind": kind.value, **body})

    async def profiles(self, station_id: str, *, source: str | None = None) -> list[StoredProfile]:
        async with self._db.connect() as conn:
            rows = await profiles_repo.of_station(conn, station_id, source=source)
        return [StoredProfile.from_row(row) for row in rows]

    async def reports(
        self, station_id: str, *, kind: ChargingReport | None = None, limit: int = 100
    ) -> list[StoredReport]:
        where = None if kind is None else {"kind": kind.value}
        async with self._db.connect() as conn:
            rows = await repo.logged(conn, "charging_reports", station_id, where=where, limit=limit)
        return [
            StoredReport(
                int(r["id"]),
                ChargingReport(r["kind"]),
                r["evse_id"],
                json.loads(r["body"]),
                r["received_at"],
            )
            for r in rows
        ]
