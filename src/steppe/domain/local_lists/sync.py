"""Keeping stations' local lists up to date: on request, when a managed station boots (it may
have lost its list or been replaced), and every `STEPPE_LOCAL_LIST_INTERVAL` seconds for the
tokens that changed.

A synchronisation asks the station its list version first (GetLocalListVersion). When that is
not the version Steppe last got accepted, or nothing was accepted yet, the whole list is sent
(Full); otherwise only what changed (Differential). A differential update the station refuses
with VersionMismatch is followed by a full one.
"""

from __future__ import annotations

import asyncio
import logging

from steppe.domain.commands.models import GetLocalListVersion
from steppe.domain.commands.service import CommandService
from steppe.domain.events import EventBus, EventType
from steppe.domain.local_lists.models import ListState, SyncReport
from steppe.domain.local_lists.service import FULL, LocalListService, version_in
from steppe.domain.ports import CommandSender
from steppe.errors import NotFound, SteppeError

log = logging.getLogger("steppe.domain")
ACTOR = "steppe:local-lists"


class LocalListSync:
    def __init__(
        self,
        lists: LocalListService,
        commands: CommandService,
        connections: CommandSender,
        bus: EventBus,
        *,
        chunk: int = 100,
        interval: float = 300.0,
    ) -> None:
        self._lists = lists
        self._commands = commands
        self._connections = connections
        self._bus = bus
        self._chunk = chunk
        self._interval = interval

    async def sync(self, actor: str, station_id: str, *, full: bool = False) -> SyncReport:
        """Bring the station's list up to date (managing it from now on)."""
        try:
            state = await self._lists.get(station_id)
        except NotFound:
            state = await self._lists.manage(station_id)
        asked = await self._commands.send(actor, station_id, "get-local-list-version", ASK)
        full = full or state.version == 0 or version_in(asked.response) != state.version
        messages = await self._lists.plan(station_id, full=full, chunk=self._chunk)
        sent = 0
        for message in messages:
            answer = await self._commands.send(actor, station_id, "send-local-list", message)
            sent += 1
            if answer.status == "VersionMismatch" and not full:
                return await self.sync(actor, station_id, full=True)
            if answer.status != "Accepted":
                break
        after = await self._lists.get(station_id)
        kind = None if not messages else (FULL if full else "Differential")
        return SyncReport(station_id, kind, sent, after.version, after.status)

    async def run(self) -> None:
        """Until cancelled: sync a managed station when it boots, and every interval those
        connected whose tokens changed."""
        async with self._bus.subscribe(wants=lambda t: t == EventType.STATION_BOOTED) as events:
            while True:
                try:
                    async with asyncio.timeout(self._interval):
                        event = await events.queue.get()
                except TimeoutError:
                    try:
                        managed = await self._lists.managed()
                    except SteppeError as exc:  # an outage: the next round tries again
                        log.warning("local lists not checked: %s", exc)
                        continue
                    for station_id in managed:
                        await self._quietly(station_id, only_changed=True)
                    continue
                if event.station_id is not None:
                    await self._quietly(event.station_id, only_changed=False)

    async def _quietly(self, station_id: str, *, only_changed: bool) -> None:
        if not self._connections.is_connected(station_id):
            return
        try:
            state = await self._lists.get(station_id)
            if state.status is ListState.UNSUPPORTED:
                return
            if only_changed and not await self._lists.plan(
                station_id, full=False, chunk=self._chunk
            ):
                return
            await self.sync(ACTOR, station_id)
        except NotFound:
            return  # not managed
        except SteppeError as exc:
            log.info("[%s] local list not synchronised: %s", station_id, exc)
        except Exception:  # a failure never stops the worker
            log.exception("[%s] local list synchronisation failed", station_id)


ASK = GetLocalListVersion()
