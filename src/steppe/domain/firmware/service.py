"""Firmware updates, firmware publications and log uploads as jobs with a status per station.

A job is recorded when its request leaves (this service is the `CommandRecorder` of
`update-firmware`, `get-log`, `get-diagnostics` and `publish-firmware`), accepted or failed by
the station's answer, and finished by the station's notifications: FirmwareStatusNotification
(1.6 also SignedFirmwareStatusNotification), LogStatusNotification, 1.6
DiagnosticsStatusNotification and 2.0.1 PublishFirmwareStatusNotification. A notification names
its job by request id; a 1.6 one without it belongs to the station's newest open job of its kind.
"""

from __future__ import annotations

from typing import Any

from steppe.domain.commands.models import CommandParams
from steppe.domain.events import EventBus, EventType
from steppe.domain.firmware.models import FAILURE, FINISHED, SUCCESS, Job, JobKind, JobStatus
from steppe.domain.ports import Clock
from steppe.errors import StationNotConnected, SteppeError
from steppe.storage.db import Database
from steppe.storage.group_commit import Batch, GroupCommitter
from steppe.storage.repositories import jobs as repo

KINDS = {
    "update-firmware": JobKind.FIRMWARE,
    "get-log": JobKind.LOG,
    "get-diagnostics": JobKind.LOG,
    "publish-firmware": JobKind.PUBLISH,
}
EVENTS = {
    JobKind.FIRMWARE: EventType.STATION_FIRMWARE,
    JobKind.LOG: EventType.STATION_LOG,
    JobKind.PUBLISH: EventType.STATION_FIRMWARE,
}


class FirmwareJobs:
    commands = frozenset(KINDS)

    def __init__(
        self, db: Database, committer: GroupCommitter, bus: EventBus, clock: Clock
    ) -> None:
        self._db = db
        self._committer = committer
        self._bus = bus
        self._clock = clock

    # --- what the commands do (CommandRecorder) ----------------------------------------------

    async def sending(self, station_id: str, command: str, params: CommandParams) -> None:
        kind = KINDS[command]
        request_id = getattr(params, "request_id", None)
        now = self._clock.now()
        async with self._db.begin() as conn:
            row = await repo.find(conn, station_id, kind.value, request_id)
            if row is not None and row["request_id"] == request_id and request_id is not None:
                await repo.update(
                    conn,
                    int(row["id"]),
                    {"status": JobStatus.SENT.value, "sent_at": now, "updated_at": now},
                )
                return
            await repo.insert(
                conn,
                {
                    "kind": kind.value,
                    "station_id": station_id,
                    "request_id": request_id,
                    "location": getattr(params, "location", None),
                    "status": JobStatus.SENT.value,
                    "created_at": now,
                    "sent_at": now,
                    "updated_at": now,
                },
            )

    async def answered(
        self,
        station_id: str,
        command: str,
        params: CommandParams,
        status: str,
        response: dict[str, Any],
    ) -> None:
        accepted = status.startswith("Accepted") or status == "OK"
        values: dict[str, Any] = {"station_status": status}
        if response.get("fileName") or response.get("filename"):
            values["detail"] = response.get("fileName") or response.get("filename")
        await self._settle(
            station_id,
            KINDS[command],
            getattr(params, "request_id", None),
            JobStatus.ACCEPTED if accepted else JobStatus.FAILED,
            values,
        )

    async def failed(
        self, station_id: str, command: str, params: CommandParams, error: SteppeError
    ) -> None:
        offline = isinstance(error, StationNotConnected)
        await self._settle(
            station_id,
            KINDS[command],
            getattr(params, "request_id", None),
            JobStatus.OFFLINE if offline else JobStatus.FAILED,
            {"detail": str(error)[:500]},
        )

    async def _settle(
        self,
        station_id: str,
        kind: JobKind,
        request_id: int | None,
        status: JobStatus,
        values: dict[str, Any],
    ) -> None:
        now = self._clock.now()
        async with self._db.begin() as conn:
            row = await repo.find(conn, station_id, kind.value, request_id)
            if row is None or JobStatus(row["status"]) in FINISHED:
                return
            changes = {**values, "status": status.value, "updated_at": now}
            if status in FINISHED:
                changes["finished_at"] = now
            # the station's news of this job (Installed, DownloadFailed) may have been committed
            # since the read: it is not overwritten by the answer to the command
            finished = [s.value for s in FINISHED]
            await repo.update_unless(conn, int(row["id"]), changes, finished)

    # --- what the stations say ----------------------------------------------------------------

    async def notified(
        self, station_id: str, kind: JobKind, status: str, request_id: int | None
    ) -> Job | None:
        """A station's progress notification: stored (durably, before it is answered) on the job
        it is about, which it may finish; published on the bus either way."""
        now = self._clock.now()
        outcome = (
            JobStatus.SUCCEEDED
            if status in SUCCESS[kind]
            else JobStatus.FAILED
            if status in FAILURE[kind]
            else None
        )

        async def write(batch: Batch) -> int | None:
            row = await repo.find(batch.conn, station_id, kind.value, request_id)
            if row is None:
                return None
            values: dict[str, Any] = {"station_status": status, "updated_at": now}
            if outcome is not None and JobStatus(row["status"]) not in FINISHED:
                values.update(status=outcome.value, finished_at=now)
            repo.update_later(batch, int(row["id"]), values)
            return int(row["id"])

        job_id = await self._committer.write(write)
        job = await self.get(job_id) if job_id is not None else None
        data: dict[str, Any] = {"status": status, "request_id": request_id, "kind": kind.value}
        if job is not None:
            data.update(job_id=job.id, job_status=job.status.value, rollout_id=job.rollout_id)
        self._bus.publish(EVENTS[kind], station_id, data)
        return job

    # --- reading ------------------------------------------------------------------------------

    async def get(self, job_id: int) -> Job:
        async with self._db.connect() as conn:
            row = await repo.get(conn, job_id)
        assert row is not None
        return Job.from_row(row)

    async def of_station(
        self, station_id: str, *, kind: JobKind | None = None, limit: int = 100
    ) -> list[Job]:
        async with self._db.connect() as conn:
            rows = await repo.of_station(
                conn, station_id, None if kind is None else kind.value, limit
            )
        return [Job.from_row(row) for row in rows]
