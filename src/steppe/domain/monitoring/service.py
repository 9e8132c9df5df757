"""Monitoring of a station's device model (2.0.1 block N): the variable monitors it holds (set
through Steppe, or reported by NotifyMonitoringReport), its monitoring base and level, and the
events it reports (NotifyEvent), each stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from steppe.domain.commands.models import (
    ClearVariableMonitoring,
    CommandParams,
    SetMonitoringBase,
    SetMonitoringLevel,
    SetVariableMonitoring,
)
from steppe.domain.commands.recorder import AnswerRecorder
from steppe.domain.ports import Clock
from steppe.storage.db import Database
from steppe.storage.group_commit import Batch, GroupCommitter
from steppe.storage.repositories import station_reports as repo

MONITORS = "variable_monitors"


@dataclass(frozen=True, slots=True)
class Monitor:
    monitor_id: int
    component: str
    component_instance: str
    evse_id: int
    connector_id: int
    variable: str
    variable_instance: str
    type: str
    value: str
    severity: int
    transaction: bool
    updated_at: datetime

    @classmethod
    def from_row(cls, row: Any) -> Monitor:
        return cls(**{name: row[name] for name in cls.__dataclass_fields__})


@dataclass(frozen=True, slots=True)
class DeviceEvent:
    id: int
    event_id: int
    occurred_at: datetime
    trigger: str
    cause: int | None
    actual_value: str
    tech_code: str | None
    tech_info: str | None
    cleared: bool
    transaction_id: str | None
    monitor_id: int | None
    notification_type: str
    component: str
    evse_id: int | None
    variable: str
    received_at: datetime

    @classmethod
    def from_row(cls, row: Any) -> DeviceEvent:
        return cls(**{name: row[name] for name in cls.__dataclass_fields__})


def monitor_row(
    station_id: str,
    component: dict[str, Any],
    variable: dict[str, Any],
    monitor: dict[str, Any],
    now: datetime,
) -> dict[str, Any]:
    """A stored monitor from 2.0.1 ComponentType, VariableType and a monitor's fields."""
    evse = component.get("evse") or {}
    return {
        "station_id": station_id,
        "monitor_id": int(monitor["id"]),
        "component": component["name"],
        "component_instance": component.get("instance", ""),
        "evse_id": evse.get("id", 0),
        "connector_id": evse.get("connectorId", 0),
        "variable": variable["name"],
        "variable_instance": variable.get("instance", ""),
        "type": monitor["type"],
        "value": str(monitor["value"]),
        "severity": int(monitor["severity"]),
        "transaction": bool(monitor.get("transaction", False)),
        "updated_at": now,
    }


class MonitoringService(AnswerRecorder):
    commands = frozenset(
        {
            "set-variable-monitoring",
            "clear-variable-monitoring",
            "set-monitoring-base",
            "set-monitoring-level",
        }
    )

    def __init__(self, db: Database, committer: GroupCommitter, clock: Clock) -> None:
        self._db = db
        self._committer = committer
        self._clock = clock

    async def record(
        self, station_id: str, params: CommandParams, status: str, response: dict[str, Any]
    ) -> None:
        now = self._clock.now()
        async with self._db.begin() as conn:
            if isinstance(params, SetVariableMonitoring):
                results = response.get("setMonitoringResult") or []
                for asked, result in zip(params.monitors, results, strict=False):
                    if result.get("status") != "Accepted" or result.get("id") is None:
                        continue
                    monitor = {
                        **result,
                        "value": asked["value"],
                        "transaction": asked.get("transaction"),
                    }
                    row = monitor_row(
                        station_id, result["component"], result["variable"], monitor, now
                    )
                    await repo.upsert(conn, MONITORS, row)
            elif isinstance(params, ClearVariableMonitoring):
                cleared = [
                    r["id"]
                    for r in response.get("clearMonitoringResult") or []
                    if r.get("status") in ("Accepted", "NotFound")
                ]
                if cleared:
                    await repo.remove(
                        conn, MONITORS, {"station_id": station_id, "monitor_id": cleared}
                    )
            elif (
                isinstance(params, SetMonitoringBase | SetMonitoringLevel) and status == "Accepted"
            ):
                setting: dict[str, Any] = {"station_id": station_id, "updated_at": now}
                if isinstance(params, SetMonitoringBase):
                    setting["base"] = params.base
                else:
                    setting["level"] = params.severity
                await repo.upsert(conn, "monitoring_settings", setting)

    async def reported(self, station_id: str, monitors: list[dict[str, Any]]) -> int:
        """NotifyMonitoringReport: the monitors the station holds (MonitoringDataType objects)."""
        now = self._clock.now()
        rows = [
            monitor_row(station_id, item["component"], item["variable"], monitor, now)
            for item in monitors
            for monitor in item["variableMonitoring"]
        ]

        async def write(batch: Batch) -> None:
            repo.upsert_later(batch, MONITORS, rows)

        if rows:
            await self._committer.write(write)
        return len(rows)

    async def record_events(self, station_id: str, events: list[dict[str, Any]]) -> None:
        """NotifyEvent: each event as a row (fields named as `DeviceEvent`'s, times parsed)."""
        now = self._clock.now()
        rows = [{**event, "station_id": station_id, "received_at": now} for event in events]

        async def write(batch: Batch) -> None:
            repo.log_later(batch, "station_events", rows)

        if rows:
            await self._committer.write(write)

    async def monitors(self, station_id: str) -> list[Monitor]:
        async with self._db.connect() as conn:
            rows = await repo.keyed(conn, MONITORS, station_id)
        return [Monitor.from_row(row) for row in rows]

    async def settings(self, station_id: str) -> dict[str, Any]:
        async with self._db.connect() as conn:
            rows = await repo.keyed(conn, "monitoring_settings", station_id)
        if not rows:
            return {"base": None, "level": None}
        return {"base": rows[0]["base"], "level": rows[0]["level"]}

    async def events(self, station_id: str, *, limit: int = 100) -> list[DeviceEvent]:
        async with self._db.connect() as conn:
            rows = await repo.logged(conn, "station_events", station_id, limit=limit)
        return [DeviceEvent.from_row(row) for row in rows]
