"""Transactions told as numbered events (OCPP 2.0.1 TransactionEvent), applied in any order.

Chargers resend events they got no answer for and replay their offline queue late, so the rules
give the same transaction whatever order the events arrive in:

- an event is applied once per (station, transaction id, seqNo); a resend is answered, not applied;
- energy is recomputed from every stored register reading: start is the Transaction.Begin reading
  (else the earliest counting one), stop is the Transaction.End reading (else the latest);
- an Ended finishes the transaction for good: an Updated arriving after it does not reopen it;
- charging state follows the event with the highest seqNo;
- an Ended for a transaction never seen before is recorded as it is reported, marked offline.

The event's samples are stored like every other sample (`samples.add_later`, at the end of the
batch); the energy is worked out from the readings already stored plus the event's own, merged
here the way the samples' unique key would merge them. That is sound because a station has one
call in flight at a time: no other operation of the same batch writes this transaction's samples.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from steppe.domain.events import EventBus, EventType
from steppe.domain.ports import Clock
from steppe.domain.stations.models import StationContext
from steppe.domain.tokens.models import Authorization
from steppe.domain.tokens.service import TokenService
from steppe.domain.transactions.models import (
    ENERGY_REGISTER,
    EventOutcome,
    Sample,
    TransactionEvent,
    meter_span,
)
from steppe.domain.transactions.service import (
    ACTIVE,
    COMPLETED,
    EndedTransactions,
    TransactionService,
    price_later,
)
from steppe.storage.group_commit import Batch, GroupCommitter
from steppe.storage.repositories import samples as samples_repo
from steppe.storage.repositories import transaction_events as events_repo
from steppe.storage.repositories import transactions as repo
from steppe.types import ClosedBy

STARTED = "Started"
ENDED = "Ended"


def _wh(unit: str, value: str | Decimal) -> int | None:
    if unit not in ("Wh", ""):
        return None
    return int(Decimal(value).to_integral_value())


def register_readings(
    stored: Sequence[Any], new: Sequence[Sample]
) -> list[tuple[datetime, str, int]]:
    """(timestamp, context, Wh) of the whole-meter register readings: the stored ones merged
    with the event's own the way the samples' unique key merges them (same time, location and
    context within the transaction): a resent reading changes nothing, one with another value
    corrects the stored one. In time order."""
    by_key: dict[tuple[datetime, str, str], tuple[str, str | Decimal]] = {
        (r["timestamp"], r["location"], r["context"]): (r["unit"], r["value"]) for r in stored
    }
    for sample in new:
        if sample.measurand != ENERGY_REGISTER or sample.phase:
            continue
        by_key[(sample.timestamp, sample.location, sample.context)] = (sample.unit, sample.value)
    readings = [
        (moment, context, wh)
        for (moment, _location, context), (unit, value) in by_key.items()
        if (wh := _wh(unit, value)) is not None
    ]
    readings.sort(key=lambda reading: reading[0])
    return readings


class TransactionEvents:
    """Applies TransactionEvents to the shared transaction model, durably, before answering."""

    def __init__(
        self,
        committer: GroupCommitter,
        bus: EventBus,
        clock: Clock,
        tokens: TokenService,
        transactions: TransactionService,
        *,
        ended: EndedTransactions,
    ) -> None:
        self._committer = committer
        self._bus = bus
        self._clock = clock
        self._tokens = tokens
        self._transactions = transactions
        self._ended = ended

    async def apply(
        self, ctx: StationContext, event: TransactionEvent
    ) -> tuple[EventOutcome, Authorization | None]:
        """Record `event`; the authorization of its id token when it names one."""
        authorization = await self._tokens.authorize(event.id_token) if event.id_token else None
        now = self._clock.now()

        async def write(batch: Batch) -> EventOutcome:
            return await self._write(batch, ctx.station_id, event, now, authorization)

        outcome = await self._committer.write(write)
        if event.samples and event.kind != ENDED:
            readings = self._transactions.readings
            readings.note(ctx.station_id, event.evse_id, event.ocpp_id, event.samples)
        if not outcome.duplicate:
            await self._announce(ctx, event, outcome)
        return outcome, authorization

    async def _write(
        self,
        batch: Batch,
        station_id: str,
        ev: TransactionEvent,
        now: Any,
        authorization: Authorization | None = None,
    ) -> EventOutcome:
        conn = batch.conn
        if await events_repo.seen(conn, station_id, ev.ocpp_id, ev.seq_no):
            row = await repo.get_by_ocpp_id(conn, station_id, ev.ocpp_id)
            assert row is not None  # written in the same transaction as the event
            return EventOutcome(int(row["id"]), duplicate=True)
        started_before = await events_repo.has_kind(conn, station_id, ev.ocpp_id, STARTED)
        await events_repo.insert(
            conn,
            {
                "station_id": station_id,
                "transaction_ocpp_id": ev.ocpp_id,
                "seq_no": ev.seq_no,
                "event_type": ev.kind,
                "trigger_reason": ev.trigger_reason,
                "timestamp": ev.timestamp,
                "offline": ev.offline,
                "received_at": now,
            },
        )
        row = await repo.get_by_ocpp_id(conn, station_id, ev.ocpp_id)
        created = row is None
        if row is None:
            pk = await repo.insert(conn, self._new_row(station_id, ev, now))
            row = await repo.get(conn, pk)
            assert row is not None
        pk = int(row["id"])
        evse_id = ev.evse_id if ev.evse_id is not None else int(row["evse_id"])
        stored = await samples_repo.whole_meter_readings(conn, pk, ENERGY_REGISTER)
        if ev.samples:
            samples_repo.add_later(batch, [s.as_row(station_id, evse_id, pk) for s in ev.samples])
        if ev.signed:
            samples_repo.add_signed_later(
                batch, [v.as_row(station_id, evse_id, pk) for v in ev.signed]
            )
        values = self._changes(row, ev, started_before=started_before, created=created)
        start, last, end = meter_span(register_readings(stored, ev.samples))
        values["meter_start_wh"] = start
        values["meter_last_wh"] = last
        closed_by = values.get("closed_by", row["closed_by"])
        if values.get("status", row["status"]) == COMPLETED and closed_by != ClosedBy.SERVER:
            stop = end if end is not None else last
            values["meter_stop_wh"] = stop
            values["energy_wh"] = None if stop is None or start is None else stop - start
        values["updated_at"] = now
        hooks = self._transactions.roaming
        partner = row["ocpi_partner_id"]
        if partner is None and ev.id_token is not None:
            values.update(hooks.started(batch, pk, authorization))
            partner = values.get("ocpi_partner_id")
        elif partner is not None:
            hooks.updated(batch, pk, partner)
        await repo.update(conn, pk, values)
        ended = ev.kind == ENDED and values.get("status") == COMPLETED
        if ended:
            price_later(batch, pk, now)
            hooks.ended(batch, pk, partner)
        return EventOutcome(pk, duplicate=False, created=created, ended=ended)

    @staticmethod
    def _new_row(station_id: str, ev: TransactionEvent, now: Any) -> dict[str, Any]:
        return {
            "ocpp_id": ev.ocpp_id,
            "station_id": station_id,
            "evse_id": ev.evse_id or 0,
            "connector_id": ev.connector_id or (1 if ev.evse_id else 0),
            "status": ACTIVE.value,
            "started_at": ev.timestamp,
            "offline": ev.offline,
            "created_at": now,
            "updated_at": now,
        }

    @staticmethod
    def _changes(
        row: Any, ev: TransactionEvent, *, started_before: bool, created: bool
    ) -> dict[str, Any]:
        """The columns this event changes, before the energy is recomputed."""
        values: dict[str, Any] = {}
        if ev.evse_id is not None:
            values["evse_id"] = ev.evse_id
            values["connector_id"] = ev.connector_id or row["connector_id"] or 1
        if ev.id_token is not None:
            if row["id_token"] is None:
                values["id_token"] = ev.id_token
                values["id_token_type"] = ev.id_token_type
            elif row["id_token"] != ev.id_token:
                values["stop_id_token"] = ev.id_token
        if ev.kind == STARTED:
            values["started_at"] = ev.timestamp
        elif not started_before and (row["started_at"] is None or ev.timestamp < row["started_at"]):
            values["started_at"] = ev.timestamp  # the earliest news until a Started arrives
        never_started = ev.kind == ENDED and not started_before
        if ev.offline or never_started:
            values["offline"] = True
        last_seq = row["last_seq_no"]
        if created or last_seq is None or ev.seq_no >= last_seq:
            values["last_seq_no"] = ev.seq_no
            if ev.charging_state is not None:
                values["charging_state"] = ev.charging_state
        if ev.remote_start_id is not None:
            values["remote_start_id"] = ev.remote_start_id
        if ev.reservation_id is not None:
            values["reservation_id"] = ev.reservation_id
        # A stale transaction the server closed is reopened to take the station's real end.
        finished = row["status"] == COMPLETED and row["closed_by"] != ClosedBy.SERVER
        if ev.kind == ENDED and not finished:
            values.update(
                status=COMPLETED.value,
                stopped_at=ev.timestamp,
                stop_reason=ev.stopped_reason or "Local",
                closed_by=ClosedBy.STATION.value,
            )
        return values

    async def _announce(
        self, ctx: StationContext, ev: TransactionEvent, outcome: EventOutcome
    ) -> None:
        tx = await self._transactions.get_by_pk(outcome.pk)
        common = {"transaction_id": tx.id, "evse_id": tx.evse_id, "seq_no": ev.seq_no}
        if outcome.created or ev.reservation_id is not None:
            await self._transactions.reservations.transaction_started(
                ctx.station_id,
                evse_id=tx.evse_id,
                id_token=tx.id_token,
                reservation_id=ev.reservation_id,
                transaction_pk=outcome.pk,
            )
        if outcome.created:
            self._bus.publish(
                EventType.TRANSACTION_STARTED,
                ctx.station_id,
                {
                    **common,
                    "connector_id": tx.connector_id,
                    "id_token": tx.id_token,
                    "meter_start_wh": tx.meter_start_wh,
                    "started_at": tx.started_at.isoformat() if tx.started_at else None,
                },
            )
        if outcome.ended:
            self._bus.publish(
                EventType.TRANSACTION_ENDED,
                ctx.station_id,
                {
                    **common,
                    "energy_wh": tx.energy_wh,
                    "stop_reason": tx.stop_reason,
                    "stopped_at": ev.timestamp.isoformat(),
                    "offline": tx.offline,
                },
            )
            await self._ended.transaction_ended(outcome.pk)
        elif (
            ev.samples
            and tx.status == ACTIVE
            and self._bus.listening(EventType.TRANSACTION_UPDATED)
        ):
            update: dict[str, Any] = {
                **common,
                "meter_wh": tx.meter_last_wh,
                "cost": await self._transactions.running_cost_of(outcome.pk),
            }
            self._bus.publish(EventType.TRANSACTION_UPDATED, ctx.station_id, update)
