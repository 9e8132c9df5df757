"""CDRs: price each finished transaction from what was stored, once, and keep the result.

The cost comes from the stored transaction (start and stop times, energy, meter samples), the
tariff that applied when it started and the station's time zone and country. Pricing runs after
the stop is committed and answered (`PricingQueue`, from a queue written in the stop's own
commit) and never fails it: an error is logged and the transaction stays queued for the next
start; `create_for` (the API offers it) makes a missing CDR at any time and is idempotent.
"""

from __future__ import annotations

import builtins
import json
import logging
import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from steppe.domain.cdrs.models import Cdr, Cost
from steppe.domain.ports import Clock
from steppe.domain.tariffs.engine import Costing
from steppe.domain.tariffs.models import Tariff
from steppe.domain.tariffs.periods import Session
from steppe.domain.tariffs.pricer import Pricer
from steppe.domain.tariffs.service import TariffService
from steppe.domain.transactions.models import (
    Sample,
    SignedValue,
    Transaction,
    energy_register_wh,
)
from steppe.errors import NotFound
from steppe.storage.db import Database
from steppe.storage.group_commit import Batch, GroupCommitter
from steppe.storage.repositories import cdrs as repo
from steppe.storage.repositories import pricing_queue
from steppe.storage.repositories import samples as samples_repo
from steppe.storage.repositories import transactions as transactions_repo
from steppe.types import TransactionStatus

log = logging.getLogger("steppe.billing")
CURRENT = "Current.Import"


def currents(samples: Sequence[Sample]) -> list[tuple[datetime, Decimal]]:
    """Current drawn at each sample time, summed over phases (A)."""
    by_time: dict[datetime, dict[str, Decimal]] = {}
    for s in samples:
        if s.measurand == CURRENT and s.location in ("", "Outlet", "EV"):
            by_time.setdefault(s.timestamp, {})[s.phase] = s.value
    out: list[tuple[datetime, Decimal]] = []
    for moment, phases in sorted(by_time.items()):
        per_phase = [v for phase, v in phases.items() if phase.startswith("L") and "-" not in phase]
        out.append(
            (moment, sum(per_phase, Decimal(0)) if per_phase else phases.get("", Decimal(0)))
        )
    return out


NATURES = {"Transaction.Begin": "Start", "Transaction.End": "End"}


def signed_data(values: Sequence[SignedValue]) -> dict[str, Any] | None:
    """The session's signed readings in the shape of an OCPI CDR's `signed_data`: what
    transparency software needs to check the billed energy against the meter's signature."""
    if not values:
        return None
    keys = {v.public_key for v in values if v.public_key}
    return {
        "encoding_method": values[0].format,
        "signing_method": values[0].signing_method or None,
        "public_key": keys.pop() if len(keys) == 1 else None,
        "signed_values": [
            {
                "nature": NATURES.get(v.context, "Intermediate"),
                "timestamp": v.timestamp.isoformat(),
                "signed_data": v.data,
                "public_key": v.public_key,
            }
            for v in values
        ],
    }


def session_of(tx: Transaction, samples: Sequence[Sample], tz: str, country: str | None) -> Session:
    """The session to price, rebuilt from a stored transaction and its samples."""
    assert tx.started_at is not None and tx.stopped_at is not None
    readings = energy_register_wh(tuple(samples))
    energy = tx.energy_wh
    if energy is None and readings and tx.meter_start_wh is not None:
        energy = readings[-1][1] - tx.meter_start_wh
    return Session.from_readings(
        tx.started_at,
        max(tx.stopped_at, tx.started_at),
        energy_wh=max(energy or 0, 0),
        readings=readings,
        meter_start_wh=tx.meter_start_wh,
        currents=currents(samples),
        time_zone=tz,
        country=country,
    )


class MadeCdrs(Protocol):
    """Told, inside the commit that stores a CDR, of the new CDR (roaming queues its push)."""

    async def cdr_made(self, batch: Batch, transaction_pk: int, cdr_id: str) -> None: ...


class MadeCdrsToAll:
    """Several parties told of each new CDR, in order, inside its commit."""

    def __init__(self, *parties: MadeCdrs) -> None:
        self._parties = parties

    async def cdr_made(self, batch: Batch, transaction_pk: int, cdr_id: str) -> None:
        for party in self._parties:
            await party.cdr_made(batch, transaction_pk, cdr_id)


class CdrService:
    def __init__(
        self,
        db: Database,
        committer: GroupCommitter,
        clock: Clock,
        tariffs: TariffService,
        pricer: Pricer,
        *,
        made: MadeCdrs,
    ) -> None:
        self._made = made
        self._db = db
        self._committer = committer
        self._clock = clock
        self._tariffs = tariffs
        self._pricer = pricer  # CDRs and running costs: billing's lane, off the event loop

    async def running_cost(self, transaction_pk: int) -> dict[str, str] | None:
        """Cost so far of an active transaction, up to its last sample (of a finished one, its
        whole cost as its CDR will say); None when unknown."""
        try:
            async with self._db.connect() as conn:
                row = await transactions_repo.get(conn, transaction_pk)
                sample_rows = await samples_repo.of_transaction(conn, transaction_pk)
            if row is None or row["started_at"] is None or not sample_rows:
                return None
            samples = [Sample.from_row(r) for r in sample_rows]
            tx = Transaction.from_row(row)
            if tx.status is not TransactionStatus.COMPLETED or tx.stopped_at is None:
                last = max(s.timestamp for s in samples)
                readings = energy_register_wh(samples)
                energy = None
                if readings and row["meter_start_wh"] is not None:
                    energy = readings[-1][1] - row["meter_start_wh"]
                tx = replace(tx, stopped_at=last, energy_wh=energy)
            tariff = await self._tariffs.resolve(tx.station_id, tx.evse_id, tx.started_at)
            if tariff is None:
                return None
            place = await self._tariffs.place(tx.station_id)
            session = session_of(tx, samples, place.time_zone, place.country)
            costing = await self._pricer.price(tariff, session)
        except Exception:
            log.exception("transaction %d: running cost failed", transaction_pk)
            return None
        return Cost(costing.currency, costing.excl_vat, costing.incl_vat).as_dict()

    async def create_for(self, transaction_pk: int) -> Cdr | None:
        """The CDR of a finished transaction, made now if it is missing; None without a tariff."""
        async with self._db.connect() as conn:
            existing = await repo.of_transaction(conn, transaction_pk)
            row = await transactions_repo.get(conn, transaction_pk)
            sample_rows = await samples_repo.of_transaction(conn, transaction_pk)
            signed_rows = await samples_repo.signed_of(conn, transaction_pk)
        if existing is not None:
            return Cdr.from_row(existing)
        if row is None:
            raise NotFound(f"transaction {transaction_pk} does not exist")
        tx = Transaction.from_row(row)
        finished = tx.status is TransactionStatus.COMPLETED
        if not finished or tx.started_at is None or tx.stopped_at is None:
            return None
        tariff = await self._tariffs.resolve(tx.station_id, tx.evse_id, tx.started_at)
        if tariff is None:
            log.info("transaction %s on %s: no tariff, no CDR", tx.id, tx.station_id)
            return None
        place = await self._tariffs.place(tx.station_id)
        samples = [Sample.from_row(r) for r in sample_rows]
        session = session_of(tx, samples, place.time_zone, place.country)
        costing = await self._pricer.price(tariff, session)
        signed = signed_data([SignedValue.from_row(r) for r in signed_rows])
        return await self._store(tx, tariff, costing, signed)

    async def _store(
        self, tx: Transaction, tariff: Tariff, costing: Costing, signed: dict[str, Any] | None
    ) -> Cdr:
        assert tx.started_at is not None and tx.stopped_at is not None
        cdr_id = uuid.uuid4().hex
        body = {
            "id": cdr_id,
            "transaction_id": tx.id,
            "station_id": tx.station_id,
            "evse_id": tx.evse_id,
            "connector_id": tx.connector_id,
            "id_token": tx.id_token,
            "start_date_time": tx.started_at.isoformat(),
            "end_date_time": tx.stopped_at.isoformat(),
            "total_energy_wh": tx.energy_wh,
            "costing": costing.as_dict(),
            "tariff": tariff.as_dict(),
        }
        if signed is not None:
            body["signed_data"] = signed
        values: dict[str, Any] = {
            "id": cdr_id,
            "transaction_pk": tx.pk,
            "station_id": tx.station_id,
            "tariff_id": tariff.id,
            "currency": costing.currency,
            "started_at": tx.started_at,
            "stopped_at": tx.stopped_at,
            "total_excl_vat": str(costing.excl_vat),
            "total_incl_vat": str(costing.incl_vat),
            "body": json.dumps(body, separators=(",", ":")),
            "created_at": self._clock.now(),
        }

        async def write(batch: Batch) -> None:
            if await repo.insert_once(batch.conn, values):
                await self._made.cdr_made(batch, tx.pk, cdr_id)
            await pricing_queue.remove(batch.conn, tx.pk)  # made, by the worker or on request

        await self._committer.write(write)
        async with self._db.connect() as conn:
            stored = await repo.of_transaction(conn, tx.pk)
        assert stored is not None
        return Cdr.from_row(stored)

    async def get(self, cdr_id: str) -> Cdr:
        async with self._db.connect() as conn:
            row = await repo.get(conn, cdr_id)
        if row is None:
            raise NotFound(f"CDR {cdr_id!r} does not exist")
        return Cdr.from_row(row)

    async def of_transaction(self, transaction_pk: int) -> Cdr | None:
        """The CDR of a transaction if it has one (nothing is made)."""
        async with self._db.connect() as conn:
            row = await repo.of_transaction(conn, transaction_pk)
        return None if row is None else Cdr.from_row(row)

    async def costs(self, transaction_pks: Sequence[int]) -> dict[int, Cost]:
        """The billed cost of each of these transactions that has a CDR."""
        async with self._db.connect() as conn:
            totals = await repo.totals_of(conn, transaction_pks)
        return {
            pk: Cost(currency, Decimal(excl), Decimal(incl))
            for pk, (currency, excl, incl) in totals.items()
        }

    async def list(
        self,
        *,
        station_id: str | None = None,
        stopped_from: datetime | None = None,
        stopped_to: datetime | None = None,
        before_pk: int | None = None,
        limit: int = 50,
    ) -> builtins.list[Cdr]:
        async with self._db.connect() as conn:
            rows = await repo.list_page(
                conn,
                station_id=station_id,
                stopped_from=stopped_from,
                stopped_to=stopped_to,
                before_pk=before_pk,
                limit=limit,
            )
        return [Cdr.from_row(row) for row in rows]
