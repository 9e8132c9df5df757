"""Open transactions of a 2.0.1 station that comes back: asked about with GetTransactionStatus.

When a 2.0.1 station boots while Steppe still holds transactions of it as active, each is asked
about (the `get-transaction-status` command, audited as `steppe:transactions`). A transaction the
station says is not ongoing and has no queued messages for is over, and Steppe was never told
(its Ended was lost): it is closed by the server with the reason `EndedUnreported` and priced
as far as its samples go. One still ongoing, or with messages queued, is left to the station's
own events.
"""

from __future__ import annotations

import logging

from steppe.domain.commands.models import GetTransactionStatus
from steppe.domain.commands.service import CommandService
from steppe.domain.events import EventBus, EventType
from steppe.domain.ports import CommandSender
from steppe.domain.transactions.service import TransactionService
from steppe.errors import SteppeError
from steppe.types import EVSE_OCPP_VERSIONS, TransactionStatus

log = logging.getLogger("steppe.domain")
ACTOR = "steppe:transactions"
REASON = "EndedUnreported"


class OpenTransactionCheck:
    def __init__(
        self,
        transactions: TransactionService,
        commands: CommandService,
        connections: CommandSender,
        bus: EventBus,
    ) -> None:
        self._transactions = transactions
        self._commands = commands
        self._connections = connections
        self._bus = bus

    async def run(self) -> None:
        """Until cancelled: check the open transactions of each 2.0.1 or 2.1 station that boots."""
        async with self._bus.subscribe(wants=lambda t: t == EventType.STATION_BOOTED) as events:
            while True:
                event = await events.queue.get()
                if (
                    event.station_id is None
                    or event.data.get("ocpp_version") not in EVSE_OCPP_VERSIONS
                ):
                    continue
                try:
                    await self.check(event.station_id)
                except Exception:  # a failure never stops the worker
                    log.exception("[%s] open transactions not checked", event.station_id)

    async def check(self, station_id: str) -> list[str]:
        """Ask about each active transaction of the station; the ids of those closed."""
        active = await self._transactions.list(
            station_id=station_id, status=TransactionStatus.ACTIVE, limit=100
        )
        closed: list[str] = []
        for tx in active:
            if not self._connections.is_connected(station_id):
                break
            try:
                answer = await self._commands.send(
                    ACTOR,
                    station_id,
                    "get-transaction-status",
                    GetTransactionStatus(transaction_id=tx.id),
                )
            except SteppeError as exc:
                log.info("[%s] transaction %s not checked: %s", station_id, tx.id, exc)
                continue
            response = answer.response
            over = response.get("ongoingIndicator") is False and not response.get("messagesInQueue")
            if over and await self._transactions.close_unreported(tx.pk, REASON):
                closed.append(tx.id)
        return closed
