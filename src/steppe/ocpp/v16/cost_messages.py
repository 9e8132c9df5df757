"""Price and cost on a 1.6 station's display: the Open Charge Alliance's California Pricing
messages (vendor `org.openchargealliance.costmsg`), sent as DataTransfer after the station's own
message is answered (`STEPPE_CALIFORNIA_PRICING`).

- RunningCost after the meter values of a transaction: `transactionId`, `timestamp`,
  `meterValue` (Wh), `cost` (incl. VAT) and `state`, at most once a minute per transaction;
- FinalCost after StopTransaction: `transactionId`, `cost` and `priceText`.

Each goes out as the `data-transfer` command (audited, actor `steppe:cost`); a station that does
not know the vendor answers UnknownVendorId, which is only logged.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime
from decimal import Decimal
from typing import Any

from steppe.domain.commands.models import DataTransfer
from steppe.domain.data_transfer.service import COST_VENDOR
from steppe.domain.services import Services
from steppe.errors import SteppeError
from steppe.ocpp.timestamps import format_timestamp
from steppe.types import Spawn

log = logging.getLogger("steppe.ocpp")
ACTOR = "steppe:cost"
EVERY = 60.0  # seconds between RunningCost messages of one transaction
MAX_TRACKED = 50_000


class CostDisplay:
    def __init__(self, services: Services, spawn: Spawn) -> None:
        self._services = services
        self._spawn = spawn
        self._last: dict[int, float] = {}

    def running(
        self, station_id: str, pk: int, transaction_id: str, at: datetime, meter_wh: int | None
    ) -> None:
        now = time.monotonic()
        if now - self._last.get(pk, -EVERY) < EVERY:
            return
        if len(self._last) >= MAX_TRACKED:
            self._last.pop(next(iter(self._last)))
        self._last[pk] = now
        self._spawn(self._running(station_id, pk, transaction_id, at, meter_wh))

    def final(self, station_id: str, pk: int, transaction_id: str) -> None:
        self._last.pop(pk, None)
        self._spawn(self._final(station_id, pk, transaction_id))

    async def _running(
        self, station_id: str, pk: int, transaction_id: str, at: datetime, meter_wh: int | None
    ) -> None:
        cost = await self._services.transactions.running_cost_of(pk)
        if cost is None:
            return
        data: dict[str, Any] = {
            "transactionId": _number(transaction_id),
            "timestamp": format_timestamp(at),
            "meterValue": meter_wh or 0,
            "cost": float(Decimal(cost["incl_vat"])),
            "state": "Charging",
        }
        await self._send(station_id, "RunningCost", data)

    async def _final(self, station_id: str, pk: int, transaction_id: str) -> None:
        cost = await self._services.cdrs.running_cost(pk)
        if cost is None:
            return
        data = {
            "transactionId": _number(transaction_id),
            "cost": float(Decimal(cost["incl_vat"])),
            "priceText": f"Total: {cost['incl_vat']} {cost['currency']}",
        }
        await self._send(station_id, "FinalCost", data)

    async def _send(self, station_id: str, message_id: str, data: dict[str, Any]) -> None:
        command = DataTransfer(vendor_id=COST_VENDOR, message_id=message_id, data=data)
        try:
            await self._services.commands.send(ACTOR, station_id, "data-transfer", command)
        except SteppeError as exc:
            log.info("[%s] %s not shown: %s", station_id, message_id, exc)


def _number(transaction_id: str) -> int | str:
    return int(transaction_id) if transaction_id.lstrip("-").isdigit() else transaction_id
