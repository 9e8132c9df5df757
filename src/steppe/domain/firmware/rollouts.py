"""Firmware rollouts: one firmware to many stations, in waves, stopped when failures pass a
threshold.

A rollout makes one queued job per station, numbered into waves of `wave_size`. The worker sends
UpdateFirmware to the stations of a wave (audited, actor `rollout:<id>`), and starts the next
wave once every job of the current one has finished (installed, failed, or the station was
offline) or `wave_timeout` seconds have passed (a job without news then counts as failed). As
soon as more than `max_failures` stations have failed, the rollout is halted: the waves not sent
yet are skipped. Offline stations do not count as failures; they are listed as such.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from steppe.domain.commands.models import UpdateFirmware
from steppe.domain.commands.service import CommandService
from steppe.domain.events import EventBus, EventType
from steppe.domain.firmware.models import FINISHED, Job, JobKind, JobStatus, Rollout, RolloutStatus
from steppe.domain.ports import Clock
from steppe.errors import InvalidInput, NotFound, SteppeError
from steppe.storage.db import Database
from steppe.storage.repositories import jobs as repo

log = logging.getLogger("steppe.domain")


class RolloutService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        bus: EventBus,
        commands: CommandService,
        *,
        tick: float = 5.0,
    ) -> None:
        self._db = db
        self._clock = clock
        self._bus = bus
        self._commands = commands
        self._tick = tick
        self._wake = asyncio.Event()

    async def create(
        self,
        actor: str,
        station_ids: Sequence[str],
        *,
        location: str,
        retrieve_at: datetime | None = None,
        wave_size: int = 10,
        max_failures: int = 0,
        wave_timeout: int = 3600,
        signing_certificate: str | None = None,
        signature: str | None = None,
    ) -> Rollout:
        if not station_ids or len(set(station_ids)) != len(station_ids):
            raise InvalidInput("station_ids: give each station once, at least one")
        now = self._clock.now()
        rollout_id = secrets.token_hex(8)
        rows = [
            {
                "kind": JobKind.FIRMWARE.value,
                "station_id": station_id,
                "request_id": secrets.randbelow(2**31 - 1) + 1,
                "rollout_id": rollout_id,
                "wave": index // wave_size + 1,
                "location": location,
                "status": JobStatus.QUEUED.value,
                "created_at": now,
                "updated_at": now,
            }
            for index, station_id in enumerate(station_ids)
        ]
        async with self._db.begin() as conn:
            await repo.insert_rollout(
                conn,
                {
                    "id": rollout_id,
                    "location": location,
                    "retrieve_at": retrieve_at,
                    "signing_certificate": signing_certificate,
                    "signature": signature,
                    "wave_size": wave_size,
                    "max_failures": max_failures,
                    "wave_timeout": wave_timeout,
                    "status": RolloutStatus.RUNNING.value,
                    "wave": 0,
                    "created_by": actor[:100],
                    "created_at": now,
                    "updated_at": now,
                },
            )
            await repo.insert_many(conn, rows)
        self._wake.set()
        return await self.get(rollout_id)

    async def get(self, rollout_id: str) -> Rollout:
        async with self._db.connect() as conn:
            row = await repo.get_rollout(conn, rollout_id)
            if row is None:
                raise NotFound(f"rollout {rollout_id!r} does not exist")
            counts = await repo.counts(conn, rollout_id)
        return Rollout.from_row(row, counts)

    async def jobs(self, rollout_id: str) -> list[Job]:
        async with self._db.connect() as conn:
            return [Job.from_row(row) for row in await repo.of_rollout(conn, rollout_id)]

    async def list(self) -> list[Rollout]:
        async with self._db.connect() as conn:
            rows = await repo.rollouts(conn)
        return [await self.get(row["id"]) for row in rows]

    async def cancel(self, rollout_id: str) -> Rollout:
        await self._finish(rollout_id, RolloutStatus.CANCELLED, "cancelled by an operator")
        return await self.get(rollout_id)

    # --- the worker ---------------------------------------------------------------------------

    async def run(self) -> None:
        """Until cancelled: advance the running rollouts when a firmware notification arrives,
        when one is created, and every tick."""
        wanted = {EventType.STATION_FIRMWARE.value}
        async with self._bus.subscribe(wants=lambda t: t in wanted) as events:
            while True:
                waiter = asyncio.ensure_future(events.queue.get())
                waker = asyncio.ensure_future(self._wake.wait())
                try:
                    await asyncio.wait(
                        {waiter, waker}, timeout=self._tick, return_when="FIRST_COMPLETED"
                    )
                finally:
                    waiter.cancel()
                    waker.cancel()
                self._wake.clear()
                try:
                    async with self._db.connect() as conn:
                        running = [
                            row["id"] for row in await repo.rollouts(conn, running_only=True)
                        ]
                    for rollout_id in running:
                        await self.step(rollout_id)
                except Exception:  # an outage or a bug never stops the worker
                    log.exception("firmware rollouts not advanced")

    async def step(self, rollout_id: str) -> None:
        """Halt the rollout past its threshold, or start its next wave when the current one is
        over, or finish it."""
        now = self._clock.now()
        async with self._db.connect() as conn:
            row = await repo.get_rollout(conn, rollout_id)
            jobs = [Job.from_row(r) for r in await repo.of_rollout(conn, rollout_id)]
        if row is None or row["status"] != RolloutStatus.RUNNING.value:
            return
        wave = int(row["wave"])
        current = [job for job in jobs if job.wave == wave and job.status not in FINISHED]
        started = row["wave_started_at"]
        if (
            current
            and started is not None
            and now - started >= timedelta(seconds=row["wave_timeout"])
        ):
            await self._time_out(current, now)
            current = []
            async with self._db.connect() as conn:
                jobs = [Job.from_row(r) for r in await repo.of_rollout(conn, rollout_id)]
        failures = sum(job.status is JobStatus.FAILED for job in jobs)
        if failures > row["max_failures"]:
            await self._finish(
                rollout_id,
                RolloutStatus.HALTED,
                f"{failures} stations failed, more than the {row['max_failures']} allowed",
            )
            return
        if current:
            return
        upcoming = [job for job in jobs if job.wave == wave + 1 and job.status is JobStatus.QUEUED]
        if not upcoming:
            await self._finish(rollout_id, RolloutStatus.COMPLETED, None)
            return
        async with self._db.begin() as conn:
            await repo.update_rollout(
                conn, rollout_id, {"wave": wave + 1, "wave_started_at": now, "updated_at": now}
            )
        params = {
            "location": row["location"],
            "retrieve_at": row["retrieve_at"] or now,
            "signing_certificate": row["signing_certificate"],
            "signature": row["signature"],
        }
        await asyncio.gather(*(self._send(rollout_id, job, params) for job in upcoming))

    async def _send(self, rollout_id: str, job: Job, params: dict[str, Any]) -> None:
        command = UpdateFirmware(**params, request_id=job.request_id)
        try:
            await self._commands.send(
                f"rollout:{rollout_id}", job.station_id, "update-firmware", command
            )
        except SteppeError as exc:  # recorded on the job by the firmware jobs service
            log.info("[%s] rollout %s: %s", job.station_id, rollout_id, exc)

    async def _time_out(self, jobs: Sequence[Job], now: datetime) -> None:
        async with self._db.begin() as conn:
            for job in jobs:
                await repo.update(
                    conn,
                    job.id,
                    {
                        "status": JobStatus.FAILED.value,
                        "detail": "no news within the wave's timeout",
                        "updated_at": now,
                        "finished_at": now,
                    },
                )

    async def _finish(self, rollout_id: str, status: RolloutStatus, reason: str | None) -> None:
        now = self._clock.now()
        async with self._db.begin() as conn:
            row = await repo.get_rollout(conn, rollout_id)
            if row is None:
                raise NotFound(f"rollout {rollout_id!r} does not exist")
            if row["status"] != RolloutStatus.RUNNING.value:
                return
            await repo.update_rollout(
                conn,
                rollout_id,
                {"status": status.value, "reason": reason, "updated_at": now, "finished_at": now},
            )
            for job in await repo.of_rollout(conn, rollout_id):
                if job["status"] == JobStatus.QUEUED.value:
                    await repo.update(
                        conn,
                        int(job["id"]),
                        {"status": JobStatus.SKIPPED.value, "updated_at": now, "finished_at": now},
                    )
        log.info("rollout %s %s: %s", rollout_id, status.value, reason or "")
        self._bus.publish(
            EventType.FIRMWARE_ROLLOUT,
            None,
            {"rollout_id": rollout_id, "status": status.value, "reason": reason},
        )
