"""Transaction rules: start, meter values, stop, resends and chargers that were offline.

Every method writes through the group committer and returns only once the write is durable, so
the gateway can acknowledge right after. Resends are harmless: a start that matches an existing
transaction (same station, EVSE, start time and meter start) returns that transaction; a stop for
a finished transaction changes nothing; meter samples are unique per station, EVSE, time,
measurand, phase, location and context, and a repeated one is dropped.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from steppe.domain.events import EventBus, EventType
from steppe.domain.ports import Clock
from steppe.domain.smart_charging.readings import CurrentReadings
from steppe.domain.stations.models import StationContext
from steppe.domain.tokens.models import Authorization
from steppe.domain.tokens.service import TokenService
from steppe.domain.transactions.models import (
    Sample,
    SignedValue,
    Started,
    Transaction,
    energy_register_wh,
)
from steppe.errors import InvalidInput, NotFound
from steppe.storage.db import Database
from steppe.storage.group_commit import Batch, GroupCommitter
from steppe.storage.repositories import pricing_queue
from steppe.storage.repositories import samples as samples_repo
from steppe.storage.repositories import transactions as repo
from steppe.types import ClosedBy, TransactionStatus

ACTIVE = TransactionStatus.ACTIVE
COMPLETED = TransactionStatus.COMPLETED
MAX_REMEMBERED_PER_STATION = 64
# The running cost on `transaction.updated` is recomputed at most this often per transaction
# (it reads the session's samples); in between the last figure is repeated.
RUNNING_COST_EVERY = 60.0
# Until a running transaction can be priced (no samples yet), it is asked again this often.
UNKNOWN_COST_EVERY = 5.0
POWER = "Power.Active.Import"  # whole-meter power samples, in W
MAX_RUNNING_COSTS = 50_000


class EndedTransactions(Protocol):
    """Told of each transaction whose end is committed (and queued for pricing in that same
    commit): the pricing queue. Must not raise."""

    async def transaction_ended(self, transaction_pk: int) -> None: ...


class ReservationUse(Protocol):
    """Told of each transaction that starts, so the reservation it uses ends (the reservation
    service). Must not raise."""

    async def transaction_started(
        self,
        station_id: str,
        *,
        evse_id: int | None,
        id_token: str | None,
        reservation_id: int | None,
        transaction_pk: int,
    ) -> None: ...


class RoamingHooks(Protocol):
    """Told, inside the commit, of a transaction's start, news and end (roaming queues its
    session pushes in the same commit). `updated` must only defer writes. Must not raise."""

    def started(self, batch: Batch, pk: int, authorization: Authorization | None) -> dict[str, Any]:
        """Columns to set on the new transaction (the partner it belongs to, if any)."""
        ...

    def updated(self, batch: Batch, pk: int, partner_id: str | None = None) -> None: ...

    def ended(self, batch: Batch, pk: int, partner_id: str | None = None) -> None: ...


class RunningCosts(Protocol):
    """Gives the cost so far of an active transaction (None when unknown). Must not raise."""

    async def running_cost(self, transaction_pk: int) -> dict[str, str] | None: ...


def price_later(batch: Batch, pk: int, now: datetime) -> None:
    """Queue a finished transaction for its CDR in the commit that finishes it: if the server
    stops before pricing it, the next start still does."""
    pricing_queue.add_later(batch, pk, now)


def _check_energy(energy_wh: int | None, samples: Sequence[Sample]) -> str | None:
    """Compare the charger's meter start/stop with the register samples it sent."""
    readings = energy_register_wh(tuple(samples))
    if energy_wh is None or len(readings) < 2:
        return None
    from_samples = readings[-1][1] - readings[0][1]
    if from_samples == energy_wh:
        return "ok"
    return f"samples-differ:{from_samples - energy_wh:+d}Wh"


class TransactionService:
    def __init__(
        self,
        db: Database,
        committer: GroupCommitter,
        bus: EventBus,
        clock: Clock,
        tokens: TokenService,
        *,
        ended: EndedTransactions,
        costs: RunningCosts,
        reservations: ReservationUse,
        roaming: RoamingHooks,
        readings: CurrentReadings,
    ) -> None:
        self.roaming = roaming
        self.readings = readings
        self._db = db
        self.reservations = reservations
        self._committer = committer
        self._bus = bus
        self._clock = clock
        self._tokens = tokens
        self._ended = ended
        self._cost_source = costs
        self._costs: dict[int, tuple[float, dict[str, str] | None]] = {}

    def _remember(self, ctx: StationContext, ocpp_id: str, pk: int) -> None:
        if len(ctx.transactions) >= MAX_REMEMBERED_PER_STATION:
            ctx.transactions.pop(next(iter(ctx.transactions)))
        ctx.transactions[ocpp_id] = pk

    async def start(
        self,
        ctx: StationContext,
        *,
        evse_id: int,
        connector_id: int,
        id_token: str,
        authorization: Authorization,
        meter_start_wh: int | None,
        started_at: datetime,
        reservation_id: int | None = None,
    ) -> Started:
        """Record a transaction a station numbers by Steppe's answer (OCPP 1.6 StartTransaction):
        its id is the stored row's. A resend (same EVSE, start time and meter start) gets the
        transaction it already made."""
        now = self._clock.now()

        async def write(batch: Batch) -> tuple[int, str, bool]:
            existing = await repo.find_start(
                batch.conn, ctx.station_id, evse_id, started_at, meter_start_wh
            )
            if existing is not None:
                return int(existing["id"]), existing["ocpp_id"] or str(existing["id"]), True
            pk = await repo.insert(
                batch.conn,
                {
                    "station_id": ctx.station_id,
                    "evse_id": evse_id,
                    "connector_id": connector_id,
                    "id_token": id_token,
                    "status": ACTIVE.value,
                    "started_at": started_at,
                    "meter_start_wh": meter_start_wh,
                    "reservation_id": reservation_id,
                    "offline": False,
                    "created_at": now,
                    "updated_at": now,
                },
            )
            roaming = self.roaming.started(batch, pk, authorization)
            await repo.update(batch.conn, pk, {"ocpp_id": str(pk), **roaming})
            return pk, str(pk), False

        pk, given, duplicate = await self._committer.write(write)
        self._remember(ctx, given, pk)
        if not duplicate:
            self._bus.publish(
                EventType.TRANSACTION_STARTED,
                ctx.station_id,
                {
                    "transaction_id": given,
                    "evse_id": evse_id,
                    "connector_id": connector_id,
                    "id_token": id_token,
                    "meter_start_wh": meter_start_wh,
                    "started_at": started_at.isoformat(),
                    "authorization": authorization.status.value,
                },
            )
            await self.reservations.transaction_started(
                ctx.station_id,
                evse_id=evse_id,
                id_token=id_token,
                reservation_id=reservation_id,
                transaction_pk=pk,
            )
        return Started(pk, given, duplicate)

    async def resolve(self, ctx: StationContext, ocpp_id: str) -> int | None:
        """The stored id of the station's transaction known to the charger as `ocpp_id`: the id
        Steppe gave it, else (1.6) the id the station gave one it ran offline."""
        pk = ctx.transactions.get(ocpp_id)
        if pk is not None:
            return pk
        async with self._db.connect() as conn:
            row = await repo.get_by_ocpp_id(conn, ctx.station_id, ocpp_id)
            if row is None and ctx.ocpp_version == "1.6":
                row = await repo.get_by_station_tx_id(conn, ctx.station_id, ocpp_id)
        if row is None:
            return None
        self._remember(ctx, ocpp_id, int(row["id"]))
        return int(row["id"])

    async def meter_values(
        self,
        ctx: StationContext,
        *,
        evse_id: int,
        ocpp_id: str | None,
        samples: Sequence[Sample],
        signed: Sequence[SignedValue] = (),
    ) -> None:
        """Store samples (and signed readings as received), attached to the transaction when
        the charger names one we know."""
        pk = None
        if ocpp_id is not None:
            pk = ctx.transactions.get(ocpp_id)  # known on this connection: no await
            if pk is None:
                pk = await self.resolve(ctx, ocpp_id)
        rows = [sample.as_row(ctx.station_id, evse_id, pk) for sample in samples]
        signed_rows = [value.as_row(ctx.station_id, evse_id, pk) for value in signed]

        async def write(batch: Batch) -> None:
            if rows:
                samples_repo.add_later(batch, rows)
            if signed_rows:
                samples_repo.add_signed_later(batch, signed_rows)
            if pk is not None:
                self.roaming.updated(batch, pk)

        await self._committer.write(write)
        self.readings.note(ctx.station_id, evse_id, ocpp_id, samples)
        updated = EventType.TRANSACTION_UPDATED
        if ocpp_id is not None and pk is not None and self._bus.listening(updated):
            readings = energy_register_wh(tuple(samples))
            powers = [s for s in samples if s.measurand == POWER and not s.phase]
            update: dict[str, Any] = {
                "transaction_id": ocpp_id,
                "evse_id": evse_id,
                "meter_wh": readings[-1][1] if readings else None,
                "power_w": str(max(powers, key=lambda s: s.timestamp).value) if powers else None,
                "samples": len(samples),
                "cost": await self.running_cost_of(pk),  # only priced when someone listens
            }
            self._bus.publish(updated, ctx.station_id, update)

    async def running_cost_of(self, pk: int) -> dict[str, str] | None:
        """The running cost of an active transaction, recomputed at most every minute."""
        now = time.monotonic()
        cached = self._costs.get(pk)
        if cached is not None:
            every = RUNNING_COST_EVERY if cached[1] is not None else UNKNOWN_COST_EVERY
            if now - cached[0] < every:
                return cached[1]
        cost = await self._cost_source.running_cost(pk)
        if len(self._costs) >= MAX_RUNNING_COSTS:
            self._costs.pop(next(iter(self._costs)))
        self._costs[pk] = (now, cost)
        return cost

    async def total_cost(self, station_id: str, transaction_id: str) -> Decimal:
        """The running cost incl. VAT of a station's transaction (InvalidInput without one)."""
        tx = await self.get(transaction_id, station_id=station_id)
        cost = await self._cost_source.running_cost(tx.pk)
        if cost is None:
            raise InvalidInput(
                f"transaction {transaction_id!r} has no cost yet (no tariff or samples)"
            )
        return Decimal(cost["incl_vat"])

    async def stop(
        self,
        ctx: StationContext,
        *,
        ocpp_id: str,
        meter_stop_wh: int | None,
        stopped_at: datetime,
        reason: str | None,
        id_token: str | None = None,
        samples: Sequence[Sample] = (),
        signed: Sequence[SignedValue] = (),
        evse_id: int | None = None,
        connector_id: int | None = None,
        seq_no: int | None = None,
    ) -> Authorization | None:
        """Finish a transaction; one the server never saw start is recorded as it is reported,
        once: the same stop sent again (after a lost answer, on a new connection) finds it."""
        authorization = await self._tokens.authorize(id_token) if id_token else None
        known_pk = await self.resolve(ctx, ocpp_id)
        if known_pk is not None:
            self._costs.pop(known_pk, None)
        now = self._clock.now()

        async def write(batch: Batch) -> tuple[int, bool]:
            row = await repo.get(batch.conn, known_pk) if known_pk is not None else None
            if row is not None and row["station_tx_id"] == ocpp_id and row["ocpp_id"] != ocpp_id:
                # Found by the station's own id: another offline charge that reused it, unless
                # it ended at the same moment (then it is this stop again).
                row = None
            if row is None:
                again = await repo.find_offline_stop(
                    batch.conn, ctx.station_id, ocpp_id, stopped_at
                )
                if again is not None:  # this stop made it already: a resend
                    return int(again["id"]), False
            # A stop after the stale rule closed the transaction still records the real end.
            done = row is not None and row["status"] == COMPLETED
            if row is not None and done and row["closed_by"] != ClosedBy.SERVER:
                return int(row["id"]), False
            if row is None:
                pk = await self._insert_offline(batch, ctx, ocpp_id, samples, evse_id, connector_id)
                meter_start = await self._meter_start_of(batch, pk)
            else:
                pk = int(row["id"])
                meter_start = row["meter_start_wh"]
            energy = None
            if meter_stop_wh is not None and meter_start is not None:
                energy = meter_stop_wh - meter_start
            if samples:
                sample_pk_rows = [
                    s.as_row(ctx.station_id, evse_id or (row["evse_id"] if row else 0), pk)
                    for s in samples
                ]
                samples_repo.add_later(batch, sample_pk_rows)
            if signed:
                evse = evse_id or (row["evse_id"] if row else 0)
                samples_repo.add_signed_later(
                    batch, [v.as_row(ctx.station_id, evse, pk) for v in signed]
                )
            values: dict[str, Any] = {
                "status": COMPLETED.value,
                "stopped_at": stopped_at,
                "meter_stop_wh": meter_stop_wh,
                "energy_wh": energy,
                "stop_reason": reason,
                "stop_id_token": id_token,
                "energy_check": _check_energy(energy, samples),
                "closed_by": ClosedBy.STATION.value,
                "updated_at": now,
            }
            if seq_no is not None:
                values["last_seq_no"] = seq_no
            await repo.update(batch.conn, pk, values)
            price_later(batch, pk, now)
            self.roaming.ended(batch, pk, row["ocpi_partner_id"] if row is not None else None)
            return pk, True

        pk, changed = await self._committer.write(write)
        ctx.transactions.pop(ocpp_id, None)
        if changed:
            done = await self.get_by_pk(pk)
            self._bus.publish(
                EventType.TRANSACTION_ENDED,
                ctx.station_id,
                {
                    "transaction_id": done.id,
                    "evse_id": done.evse_id,
                    "energy_wh": done.energy_wh,
                    "stop_reason": reason,
                    "stopped_at": stopped_at.isoformat(),
                    "offline": done.offline,
                },
            )
            await self._ended.transaction_ended(pk)
        return authorization

    async def _insert_offline(
        self,
        batch: Batch,
        ctx: StationContext,
        ocpp_id: str,
        samples: Sequence[Sample],
        evse_id: int | None,
        connector_id: int | None,
    ) -> int:
        readings = energy_register_wh(tuple(samples))
        begin = [s for s in samples if s.context == "Transaction.Begin"]
        started_at = begin[0].timestamp if begin else (readings[0][0] if readings else None)
        meter_start = None
        begin_readings = energy_register_wh(tuple(begin))
        if begin_readings:
            meter_start = begin_readings[0][1]
        elif readings:
            meter_start = readings[0][1]
        now = self._clock.now()
        v16 = ctx.ocpp_version == "1.6"
        pk = await repo.insert(
            batch.conn,
            {
                "ocpp_id": None if v16 else ocpp_id,
                "station_tx_id": ocpp_id if v16 else None,
                "station_id": ctx.station_id,
                "evse_id": evse_id or 0,
                "connector_id": connector_id or 0,
                "status": ACTIVE.value,
                "started_at": started_at,
                "meter_start_wh": meter_start,
                "offline": True,
                "created_at": now,
                "updated_at": now,
            },
        )
        if v16:
            await repo.update(batch.conn, pk, {"ocpp_id": str(pk)})
        return pk

    @staticmethod
    async def _meter_start_of(batch: Batch, pk: int) -> int | None:
        row = await repo.get(batch.conn, pk)
        return None if row is None else row["meter_start_wh"]

    async def close_unreported(self, pk: int, reason: str) -> bool:
        """Close an active transaction the station says is over and has nothing more to tell
        about (2.0.1 GetTransactionStatus): closed by the server, with `reason`."""
        now = self._clock.now()

        async def write(batch: Batch) -> bool:
            row = await repo.get(batch.conn, pk)
            if row is None or row["status"] != ACTIVE:
                return False
            await repo.update(
                batch.conn,
                pk,
                {
                    "status": COMPLETED.value,
                    "stopped_at": now,
                    "stop_reason": reason,
                    "closed_by": ClosedBy.SERVER.value,
                    "updated_at": now,
                },
            )
            price_later(batch, pk, now)
            return True

        if not await self._committer.write(write):
            return False
        tx = await self.get_by_pk(pk)
        self._bus.publish(
            EventType.TRANSACTION_ENDED,
            tx.station_id,
            {"transaction_id": tx.id, "stop_reason": reason, "closed_by": ClosedBy.SERVER.value},
        )
        await self._ended.transaction_ended(pk)
        return True

    async def close_stale(self, *, older_than: timedelta, reason: str = "StaleNoNews") -> list[str]:
        """Close transactions with no news for `older_than`, saying so; never silently."""
        cutoff = self._clock.now() - older_than
        async with self._db.connect() as conn:
            stale = await repo.stale_active(conn, seen_before=cutoff)
        closed: list[str] = []
        for row in stale:
            now = self._clock.now()

            async def write(batch: Batch, row: Any = row, now: datetime = now) -> bool:
                fresh = await repo.get(batch.conn, int(row["id"]))
                if fresh is None or fresh["status"] != ACTIVE or fresh["updated_at"] >= cutoff:
                    return False
                await repo.update(
                    batch.conn,
                    int(row["id"]),
                    {
                        "status": COMPLETED.value,
                        "stopped_at": now,
                        "stop_reason": reason,
                        "closed_by": ClosedBy.SERVER.value,
                        "updated_at": now,
                    },
                )
                self.roaming.ended(batch, int(row["id"]), fresh["ocpi_partner_id"])
                return True

            if await self._committer.write(write):
                tx = Transaction.from_row(row)
                closed.append(tx.id)
                self._bus.publish(
                    EventType.TRANSACTION_ENDED,
                    tx.station_id,
                    {
                        "transaction_id": tx.id,
                        "stop_reason": reason,
                        "closed_by": ClosedBy.SERVER.value,
                    },
                )
        return closed

    async def get_by_pk(self, pk: int) -> Transaction:
        async with self._db.connect() as conn:
            row = await repo.get(conn, pk)
        if row is None:
            raise NotFound(f"transaction {pk} does not exist")
        return Transaction.from_row(row)

    async def get(self, api_id: str, *, station_id: str | None = None) -> Transaction:
        async with self._db.connect() as conn:
            if station_id is not None:
                row = await repo.get_by_ocpp_id(conn, station_id, api_id)
            else:
                row = await repo.find_by_api_id(conn, api_id)
        if row is None:
            raise NotFound(f"transaction {api_id!r} does not exist")
        return Transaction.from_row(row)

    async def count_active(self) -> int:
        async with self._db.connect() as conn:
            return await repo.count_active(conn)

    async def samples(self, pk: int) -> list[Sample]:
        async with self._db.connect() as conn:
            rows = await samples_repo.of_transaction(conn, pk)
        return [Sample.from_row(row) for row in rows]

    async def signed_values(self, pk: int) -> list[SignedValue]:
        """The transaction's signed readings as the station sent them, oldest first."""
        async with self._db.connect() as conn:
            rows = await samples_repo.signed_of(conn, pk)
        return [SignedValue.from_row(row) for row in rows]

    async def list(
        self,
        *,
        station_id: str | None = None,
        id_token: str | None = None,
        status: TransactionStatus | None = None,
        started_from: datetime | None = None,
        started_to: datetime | None = None,
        before_pk: int | None = None,
        limit: int = 50,
    ) -> list[Transaction]:
        async with self._db.connect() as conn:
            rows = await repo.list_page(
                conn,
                station_id=station_id,
                id_token=id_token,
                status=status,
                started_from=started_from,
                started_to=started_to,
                before_pk=before_pk,
                limit=limit,
            )
        return [Transaction.from_row(row) for row in rows]
