"""Payments taken at the station (OCPP 2.1 NotifySettlement) and VAT numbers checked there.

A settlement is kept against the transaction it names (looked up by the station's own id), so
the transaction and its CDR show what the driver paid at the terminal. Steppe has no VAT
registry to ask: a VAT number is accepted when it has a plausible shape (two letters and 2-13
characters, as in the EU; or the 12 digits of a Kazakh BIN), and no company details are given.
"""

from __future__ import annotations

import builtins
import json
import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from steppe.domain.ports import Clock
from steppe.storage.db import Database
from steppe.storage.group_commit import Batch, GroupCommitter
from steppe.storage.repositories import settlements as repo
from steppe.storage.repositories import transactions as transactions_repo
from steppe.types import JsonObject

VAT_NUMBER = re.compile(r"^(?:[A-Z]{2}[0-9A-Z+*]{2,13}|\d{12})$")


def plausible_vat_number(value: str) -> bool:
    """Whether `value` looks like a VAT number (spaces, dots and dashes ignored)."""
    return bool(VAT_NUMBER.match(re.sub(r"[\s.\-]", "", value).upper()))


@dataclass(frozen=True, slots=True)
class Settlement:
    id: int
    station_id: str
    transaction_id: str | None
    transaction_pk: int | None
    psp_ref: str
    status: str
    amount: Decimal
    settled_at: datetime
    receipt_id: str | None
    receipt_url: str | None
    vat_number: str | None
    received_at: datetime
    body: JsonObject

    @classmethod
    def from_row(cls, row: Any) -> Settlement:
        fields = {name: row[name] for name in cls.__dataclass_fields__ if name != "body"}
        fields["amount"] = Decimal(row["amount"])
        return cls(**fields, body=json.loads(row["body"]))


class Settlements:
    def __init__(self, db: Database, committer: GroupCommitter, clock: Clock) -> None:
        self._db = db
        self._committer = committer
        self._clock = clock

    async def notified(
        self,
        station_id: str,
        *,
        transaction_id: str | None,
        psp_ref: str,
        status: str,
        amount: Decimal,
        settled_at: datetime,
        receipt_id: str | None,
        receipt_url: str | None,
        vat_number: str | None,
        body: JsonObject,
    ) -> None:
        """Keep a settlement (durably, before the station is answered)."""
        row: dict[str, Any] = {
            "station_id": station_id,
            "transaction_id": transaction_id,
            "psp_ref": psp_ref,
            "status": status,
            "amount": str(amount),
            "settled_at": settled_at,
            "receipt_id": receipt_id,
            "receipt_url": receipt_url,
            "vat_number": vat_number,
            "body": json.dumps(body, separators=(",", ":")),
            "received_at": self._clock.now(),
        }

        async def write(batch: Batch) -> None:
            tx = None
            if transaction_id is not None:
                tx = await transactions_repo.get_by_ocpp_id(batch.conn, station_id, transaction_id)
            await repo.add(batch.conn, {**row, "transaction_pk": None if tx is None else tx["id"]})

        await self._committer.write(write)

    async def of_transaction(self, transaction_pk: int) -> builtins.list[Settlement]:
        async with self._db.connect() as conn:
            rows = await repo.of_transactions(conn, [transaction_pk])
        return [Settlement.from_row(row) for row in rows]

    async def of_station(self, station_id: str, *, limit: int = 100) -> builtins.list[Settlement]:
        async with self._db.connect() as conn:
            rows = await repo.of_station(conn, station_id, limit=limit)
        return [Settlement.from_row(row) for row in rows]
