"""The cost a station calculated itself, compared with Steppe's CDR.

A 2.1 station given a tariff (SetDefaultTariff, ChangeTransactionTariff) reports the cost it
worked out in TransactionEvent `costDetails`. Steppe keeps it per transaction and compares it
with its own CDR, whichever comes first: when the station reports and a CDR exists, and in the
commit that stores the CDR when the station reported first. Totals within one minor unit of the
currency match (a station rounds as it pleases); anything further apart, or in another
currency, `differs`.
"""

from __future__ import annotations

import builtins
import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from steppe.domain.ports import Clock
from steppe.domain.tariffs.currencies import minor_unit
from steppe.storage.db import Database
from steppe.storage.group_commit import Batch, GroupCommitter
from steppe.storage.repositories import cdrs as cdrs_repo
from steppe.storage.repositories import charger_costs as repo
from steppe.storage.repositories import transactions as transactions_repo
from steppe.types import JsonObject

PENDING, MATCH, DIFFERS = "pending", "match", "differs"
VERDICTS = (PENDING, MATCH, DIFFERS)


@dataclass(frozen=True, slots=True)
class ReportedCost:
    """A station's total for a transaction: excl. and incl. tax as far as it gave them."""

    currency: str
    excl_tax: Decimal | None
    incl_tax: Decimal | None
    details: JsonObject


@dataclass(frozen=True, slots=True)
class CostCheck:
    transaction_pk: int
    station_id: str
    transaction_id: str
    currency: str
    excl_tax: Decimal | None
    incl_tax: Decimal | None
    reported_at: datetime
    verdict: str
    cdr_id: str | None
    difference: Decimal | None
    details: JsonObject

    @classmethod
    def from_row(cls, row: Any) -> CostCheck:
        return cls(
            transaction_pk=row["transaction_pk"],
            station_id=row["station_id"],
            transaction_id=row["transaction_id"],
            currency=row["currency"],
            excl_tax=_decimal(row["excl_tax"]),
            incl_tax=_decimal(row["incl_tax"]),
            reported_at=row["reported_at"],
            verdict=row["verdict"],
            cdr_id=row["cdr_id"],
            difference=_decimal(row["difference"]),
            details=json.loads(row["body"]),
        )


def _decimal(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def compare(
    currency: str, excl_tax: Decimal | None, incl_tax: Decimal | None, cdr: Any
) -> tuple[str, Decimal | None]:
    """The verdict on a station's totals against a CDR row, and the difference (station minus
    CDR, excl. tax when the station gave it, else incl.)."""
    if cdr["currency"] != currency:
        return DIFFERS, None
    pairs = [
        (mine, Decimal(theirs))
        for mine, theirs in ((excl_tax, cdr["total_excl_vat"]), (incl_tax, cdr["total_incl_vat"]))
        if mine is not None
    ]
    if not pairs:
        return DIFFERS, None
    step = Decimal(1).scaleb(-minor_unit(currency))
    differences = [mine - theirs for mine, theirs in pairs]
    verdict = MATCH if all(abs(d) <= step for d in differences) else DIFFERS
    return verdict, differences[0]


class ChargerCosts:
    def __init__(self, db: Database, committer: GroupCommitter, clock: Clock) -> None:
        self._db = db
        self._committer = committer
        self._clock = clock

    async def reported(self, station_id: str, transaction_id: str, cost: ReportedCost) -> None:
        """Keep a station's cost of one of its transactions, compared with the CDR if there is
        one (durably, before the station is answered)."""
        now = self._clock.now()

        async def write(batch: Batch) -> None:
            tx = await transactions_repo.get_by_ocpp_id(batch.conn, station_id, transaction_id)
            if tx is None:  # the event itself was refused; nothing to hang the cost on
                return
            cdr = await cdrs_repo.of_transaction(batch.conn, tx["id"])
            verdict, difference = PENDING, None
            if cdr is not None:
                verdict, difference = compare(cost.currency, cost.excl_tax, cost.incl_tax, cdr)
            await repo.put(
                batch.conn,
                {
                    "transaction_pk": tx["id"],
                    "station_id": station_id,
                    "transaction_id": transaction_id,
                    "currency": cost.currency,
                    "excl_tax": _text(cost.excl_tax),
                    "incl_tax": _text(cost.incl_tax),
                    "body": json.dumps(cost.details, separators=(",", ":")),
                    "reported_at": now,
                    "verdict": verdict,
                    "cdr_id": None if cdr is None else cdr["id"],
                    "difference": _text(difference),
                },
            )

        await self._committer.write(write)

    async def cdr_made(self, batch: Batch, transaction_pk: int, cdr_id: str) -> None:
        """In the CDR's commit: compare it with the station's cost, if the station gave one."""
        row = await repo.get(batch.conn, transaction_pk)
        cdr = await cdrs_repo.get(batch.conn, cdr_id)
        if row is None or cdr is None:
            return
        verdict, difference = compare(
            row["currency"], _decimal(row["excl_tax"]), _decimal(row["incl_tax"]), cdr
        )
        await repo.set_verdict(
            batch.conn,
            transaction_pk,
            verdict=verdict,
            cdr_id=cdr_id,
            difference=_text(difference),
        )

    async def of_transaction(self, transaction_pk: int) -> CostCheck | None:
        async with self._db.connect() as conn:
            row = await repo.get(conn, transaction_pk)
        return None if row is None else CostCheck.from_row(row)

    async def list(
        self, *, verdict: str | None = None, station_id: str | None = None, limit: int = 100
    ) -> builtins.list[CostCheck]:
        async with self._db.connect() as conn:
            rows = await repo.page(conn, verdict=verdict, station_id=station_id, limit=limit)
        return [CostCheck.from_row(row) for row in rows]
