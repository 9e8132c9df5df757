"""Partners' commands (START_SESSION, STOP_SESSION, RESERVE_NOW, CANCEL_RESERVATION,
UNLOCK_CONNECTOR): answered at once, sent to the charger in the background, their outcome
POSTed to the partner's `response_url` through the outbox (so a restart does not lose it).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import zlib
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from steppe.domain.commands.models import (
    CancelReservation,
    CommandParams,
    RemoteStart,
    RemoteStop,
    ReserveNow,
    UnlockConnector,
)
from steppe.domain.ports import CommandSender
from steppe.domain.services import Services
from steppe.errors import CommandTimeout, StationNotConnected, SteppeError

log = logging.getLogger("steppe.ocpi")
ACCEPTED_STATUSES = frozenset({"Accepted", "Unlocked"})
MAX_WAITING = 1000


@dataclass(frozen=True, slots=True)
class Job:
    partner_id: str
    response_url: str
    station_id: str
    command: str  # the operator API's command name
    params: CommandParams


def reservation_number(reservation_id: str) -> int:
    """OCPP wants an integer reservation id; OCPI gives a string of up to 36 characters."""
    if reservation_id.isdigit() and int(reservation_id) < 2**31:
        return int(reservation_id)
    return zlib.crc32(reservation_id.encode()) & 0x7FFFFFFF


def params_for(
    command: str, version: str | None, evse: int | None, connector: int | None, **fields: object
) -> CommandParams:
    """Version-neutral parameters: 1.6 numbers connectors by EVSE, 2.0.1 gives both."""
    target: dict[str, object] = {}
    if evse is not None:
        if version == "1.6":
            target["connector_id"] = evse
        else:
            target["evse_id"] = evse
            if connector is not None and command == "unlock-connector":
                target["connector_id"] = connector
    models: dict[str, type[CommandParams]] = {
        "remote-start": RemoteStart,
        "remote-stop": RemoteStop,
        "reserve-now": ReserveNow,
        "cancel-reservation": CancelReservation,
        "unlock-connector": UnlockConnector,
    }
    return models[command].model_validate({**target, **fields})


def result_of(status: str | None, error: SteppeError | None) -> str:
    """The OCPI CommandResultType of a charger's answer (or of the failure to get one)."""
    if isinstance(error, CommandTimeout):
        return "TIMEOUT"
    if isinstance(error, StationNotConnected):
        return "FAILED"
    if error is not None:
        return "FAILED"
    if status in ACCEPTED_STATUSES:
        return "ACCEPTED"
    if status == "Occupied":
        return "EVSE_OCCUPIED"
    if status in ("Faulted", "Unavailable"):
        return "EVSE_INOPERATIVE"
    if status == "NotSupported":
        return "NOT_SUPPORTED"
    return "REJECTED"


class CommandRelay:
    """Runs the accepted commands (a background task of the server)."""

    def __init__(self, services: Services, connections: CommandSender) -> None:
        self._services = services
        self._connections = connections
        self._queue: asyncio.Queue[Callable[[], Coroutine[Any, Any, None]]] = asyncio.Queue(
            MAX_WAITING
        )

    def version_of(self, station_id: str) -> str | None:
        return self._connections.version_of(station_id)

    def submit(self, job: Job) -> bool:
        """Queue a command; False when too many are waiting."""
        try:
            self._queue.put_nowait(lambda: self._run(job))
        except asyncio.QueueFull:
            return False
        return True

    def pull_tokens(self, partner_id: str) -> None:
        """Read a newly registered partner's tokens, in the background."""

        async def pull() -> None:
            try:
                partner = await self._services.roaming.partners.get(partner_id)
                count = await self._services.roaming.tokens.pull(partner)
                log.info("partner %s: %d tokens read", partner_id, count)
            except Exception as exc:
                log.warning("partner %s: its tokens could not be read: %s", partner_id, exc)

        with contextlib.suppress(asyncio.QueueFull):
            self._queue.put_nowait(pull)

    async def run(self) -> None:
        async with asyncio.TaskGroup() as group:
            while True:
                work = await self._queue.get()
                group.create_task(work())

    async def _run(self, job: Job) -> None:
        status: str | None = None
        error: SteppeError | None = None
        try:
            outcome = await self._services.commands.send(
                f"ocpi:{job.partner_id}", job.station_id, job.command, job.params
            )
            status = outcome.status
        except SteppeError as exc:
            error = exc
        except Exception:
            log.exception("ocpi command %s to %s failed", job.command, job.station_id)
            error = SteppeError("internal error")
        result: dict[str, Any] = {"result": result_of(status, error)}
        if error is not None:
            result["message"] = [{"language": "en", "text": str(error)[:512]}]
        try:
            await self._services.roaming.outbox.command_result(
                job.partner_id, job.response_url, result
            )
        except Exception:
            log.exception("ocpi command result for %s not queued", job.partner_id)
