"""Charging profiles a station holds and what it tells about limits and EVs, stored for the
load management that uses them (domain/smart_charging/ builds on this module).

Profiles set through Steppe (`set-charging-profile` accepted) are kept with source `csms` and
removed when a `clear-charging-profile` that matches them is accepted; profiles a station reports
(ReportChargingProfiles, after `get-charging-profiles`) are kept with its `chargingLimitSource`.
NotifyChargingLimit, ClearedChargingLimit, NotifyEVChargingNeeds and NotifyEVChargingSchedule
are kept as received, per station and EVSE.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from steppe.domain.commands.models import ClearChargingProfile, CommandParams, SetChargingProfile
from steppe.domain.commands.recorder import AnswerRecorder
from steppe.domain.events import EventBus, EventType
from steppe.domain.ports import Clock
from steppe.storage.db import Database
from steppe.storage.group_commit import Batch, GroupCommitter
from steppe.storage.repositories import station_reports as repo

CSMS = "csms"


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
        )


@dataclass(frozen=True, slots=True)
class StoredReport:
    id: int
    kind: ChargingReport
    evse_id: int | None
    body: dict[str, Any]
    received_at: datetime


def _profile_row(
    station_id: str, evse_id: int, source: str, profile: dict[str, Any], now: datetime
) -> dict[str, Any]:
    return {
        "station_id": station_id,
        "evse_id": evse_id,
        "profile_id": int(profile["id"] if "id" in profile else profile["chargingProfileId"]),
        "source": source[:8],
        "purpose": profile.get("chargingProfilePurpose"),
        "stack_level": profile.get("stackLevel"),
        "body": json.dumps(profile, separators=(",", ":")),
        "updated_at": now,
    }


class ChargingProfileService(AnswerRecorder):
    commands = frozenset({"set-charging-profile", "clear-charging-profile"})

    def __init__(
        self, db: Database, committer: GroupCommitter, bus: EventBus, clock: Clock
    ) -> None:
        self._db = db
        self._committer = committer
        self._bus = bus
        self._clock = clock

    async def record(
        self, station_id: str, params: CommandParams, status: str, response: dict[str, Any]
    ) -> None:
        if status != "Accepted":
            return
        evse = getattr(params, "evse_id", None)
        if evse is None:
            evse = getattr(params, "connector_id", None) or 0
        async with self._db.begin() as conn:
            if isinstance(params, SetChargingProfile):
                row = _profile_row(station_id, evse, CSMS, params.profile, self._clock.now())
                await repo.upsert(conn, "charging_profiles", row)
            elif isinstance(params, ClearChargingProfile):
                where: dict[str, Any] = {"station_id": station_id, "source": CSMS}
                if params.profile_id is not None:
                    where["profile_id"] = params.profile_id
                if params.purpose is not None:
                    where["purpose"] = params.purpose
                if params.stack_level is not None:
                    where["stack_level"] = params.stack_level
                if params.evse_id is not None or params.connector_id is not None:
                    where["evse_id"] = evse
                await repo.remove(conn, "charging_profiles", where)

    async def reported(
        self, station_id: str, evse_id: int, source: str, profiles: list[dict[str, Any]]
    ) -> None:
        """ReportChargingProfiles: the station holds these profiles on this EVSE."""
        now = self._clock.now()
        rows = [_profile_row(station_id, evse_id, source, p, now) for p in profiles]

        async def write(batch: Batch) -> None:
            repo.upsert_later(batch, "charging_profiles", rows)

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

    async def profiles(self, station_id: str) -> list[StoredProfile]:
        async with self._db.connect() as conn:
            rows = await repo.keyed(conn, "charging_profiles", station_id)
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
