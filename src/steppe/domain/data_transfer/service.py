"""DataTransfer from stations, answered by a registry of vendors instead of a fixed
`UnknownVendorId`.

A vendor is known when Steppe has a handler for it (built in: the Open Charge Alliance's
California Pricing messages, vendor `org.openchargealliance.costmsg`) or when the operator lists
it in `STEPPE_DATA_TRANSFER_VENDORS` (its messages are then accepted, stored and published for
an integration to act on). A known vendor's unknown message is `UnknownMessageId`. Every
DataTransfer is stored with the answer it got, so nothing a station sends is lost.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from steppe.domain.events import EventBus, EventType
from steppe.domain.ports import Clock
from steppe.storage.db import Database
from steppe.storage.group_commit import Batch, GroupCommitter
from steppe.storage.repositories import station_reports as repo

UNKNOWN_VENDOR = "UnknownVendorId"
UNKNOWN_MESSAGE = "UnknownMessageId"
ACCEPTED = "Accepted"
COST_VENDOR = "org.openchargealliance.costmsg"


class VendorMessages(Protocol):
    """What one vendor's DataTransfer messages mean to Steppe."""

    def answer(self, station_id: str, message_id: str | None, data: Any) -> tuple[str, Any]:
        """The status (Accepted, Rejected, UnknownMessageId) and the data to answer with."""
        ...


class CostMessages:
    """California Pricing (OCA application note, for OCPP 1.6): the station's own message is
    ConnectorUnplugged (the cable came out after a stop, so idle fees end), which is accepted
    and kept. Steppe's messages to the station (SetUserPrice, RunningCost, FinalCost) go out
    as `data-transfer` commands."""

    incoming = frozenset({"ConnectorUnplugged"})

    def answer(self, station_id: str, message_id: str | None, data: Any) -> tuple[str, Any]:
        if message_id in self.incoming:
            return ACCEPTED, None
        return UNKNOWN_MESSAGE, None


class AcceptAll:
    """A vendor the operator listed: its messages are accepted for an integration to read."""

    def answer(self, station_id: str, message_id: str | None, data: Any) -> tuple[str, Any]:
        return ACCEPTED, None


def vendor_registry(listed: Iterable[str]) -> dict[str, VendorMessages]:
    """The built-in vendors and the ones the operator listed."""
    registry: dict[str, VendorMessages] = {vendor: AcceptAll() for vendor in listed}
    registry[COST_VENDOR] = CostMessages()
    return registry


@dataclass(frozen=True, slots=True)
class DataTransferRecord:
    id: int
    vendor_id: str
    message_id: str | None
    data: str | None
    status: str
    received_at: datetime

    @classmethod
    def from_row(cls, row: Any) -> DataTransferRecord:
        return cls(**{name: row[name] for name in cls.__dataclass_fields__})


class DataTransferService:
    def __init__(
        self,
        db: Database,
        committer: GroupCommitter,
        bus: EventBus,
        clock: Clock,
        *,
        vendors: Mapping[str, VendorMessages],
    ) -> None:
        self._db = db
        self._committer = committer
        self._bus = bus
        self._clock = clock
        self._vendors = dict(vendors)

    async def received(
        self, station_id: str, vendor_id: str, message_id: str | None, data: Any
    ) -> tuple[str, Any]:
        """Answer a station's DataTransfer; stored (durably, before the answer) either way."""
        vendor = self._vendors.get(vendor_id)
        status, reply = (
            (UNKNOWN_VENDOR, None)
            if vendor is None
            else vendor.answer(station_id, message_id, data)
        )
        text = data if data is None or isinstance(data, str) else json.dumps(data)
        row = {
            "station_id": station_id,
            "vendor_id": vendor_id,
            "message_id": message_id,
            "data": text,
            "status": status,
            "received_at": self._clock.now(),
        }

        async def write(batch: Batch) -> None:
            repo.log_later(batch, "data_transfers", [row])

        await self._committer.write(write)
        if status == ACCEPTED:
            self._bus.publish(
                EventType.STATION_DATA_TRANSFER,
                station_id,
                {"vendor_id": vendor_id, "message_id": message_id, "data": text},
            )
        return status, reply

    async def list(self, station_id: str, *, limit: int = 100) -> list[DataTransferRecord]:
        async with self._db.connect() as conn:
            rows = await repo.logged(conn, "data_transfers", station_id, limit=limit)
        return [DataTransferRecord.from_row(row) for row in rows]
