"""Customer information a station reports on request (2.0.1 CustomerInformation, answered by
NotifyCustomerInformation in one or more parts), stored as received for the operator's answer
to a data request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from steppe.domain.ports import Clock
from steppe.storage.db import Database
from steppe.storage.group_commit import Batch, GroupCommitter
from steppe.storage.repositories import station_reports as repo

KIND = "customer_information"


@dataclass(frozen=True, slots=True)
class CustomerData:
    request_id: int
    seq_no: int
    tbc: bool
    data: str
    generated_at: datetime
    received_at: datetime

    @classmethod
    def from_row(cls, row: Any) -> CustomerData:
        return cls(**{name: row[name] for name in cls.__dataclass_fields__})


class CustomerInformationService:
    def __init__(self, db: Database, committer: GroupCommitter, clock: Clock) -> None:
        self._db = db
        self._committer = committer
        self._clock = clock

    async def received(
        self,
        station_id: str,
        *,
        request_id: int,
        seq_no: int,
        tbc: bool,
        data: str,
        generated_at: datetime,
    ) -> None:
        row = {
            "station_id": station_id,
            "request_id": request_id,
            "seq_no": seq_no,
            "tbc": tbc,
            "data": data,
            "generated_at": generated_at,
            "received_at": self._clock.now(),
        }

        async def write(batch: Batch) -> None:
            repo.log_later(batch, KIND, [row])

        await self._committer.write(write)

    async def of_request(self, station_id: str, request_id: int | None) -> list[CustomerData]:
        where = None if request_id is None else {"request_id": request_id}
        async with self._db.connect() as conn:
            rows = await repo.logged(conn, KIND, station_id, where=where, limit=1000)
        return sorted(
            (CustomerData.from_row(r) for r in rows), key=lambda d: (d.request_id, d.seq_no)
        )
