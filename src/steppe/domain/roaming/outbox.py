"""Pushes to partners, queued in the commit of the change that causes them (the outbox).

The transaction rules, the CDR rules, the station and tariff rules call these hooks inside
their own writes: a roaming session's start, news and end queue its session push, its CDR
queues a CDR push, a connector's status queues an EVSE push to every partner, an edited station
or tariff queues a push of the whole object. One row per (partner, module, object): a newer
change only moves the row's version, and the worker sends the object as it is then.

The hooks called for every charger message (`updated`, `connector_changed`) never ask for the
connection: they defer their rows, so the batch keeps the databases' fast writers.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from steppe.domain.ports import Clock
from steppe.domain.roaming import ids
from steppe.domain.roaming.models import InterfaceRole, Module, OutboxItem, Partner
from steppe.domain.roaming.partners import PartnerService
from steppe.domain.tokens.models import Authorization
from steppe.storage.db import Database
from steppe.storage.group_commit import Batch
from steppe.storage.repositories import ocpi_objects as objects_repo
from steppe.storage.repositories import ocpi_outbox as repo
from steppe.types import JsonObject

RETRY_AFTER_S = (1.0, 2.0, 5.0, 15.0, 60.0, 300.0, 900.0)  # after the 1st, 2nd, ... failure
MAX_ACTIVE = 100_000


def retry_after(attempts: int) -> float:
    return RETRY_AFTER_S[min(attempts, len(RETRY_AFTER_S)) - 1]


class Versions:
    """Increasing numbers that order the changes of an object, across restarts (they start
    from the wall clock in nanoseconds)."""

    __slots__ = ("_last",)

    def __init__(self) -> None:
        self._last = 0

    def next(self) -> int:
        self._last = max(self._last + 1, time.time_ns())
        return self._last


class Outbox:
    def __init__(self, db: Database, clock: Clock, partners: PartnerService) -> None:
        self._db = db
        self._clock = clock
        self._partners = partners
        self._versions = Versions()
        self._active: dict[int, str] = {}  # roaming transactions under way -> their partner
        self.wake = asyncio.Event()

    async def prepare(self) -> None:
        """Read the registered partners and the roaming sessions under way (at start)."""
        await self._partners.refresh()
        async with self._db.connect() as conn:
            self._active = dict(await objects_repo.active_roaming(conn))

    def _row(
        self,
        partner_id: str,
        module: Module,
        object_id: str,
        group: str,
        *,
        full: bool,
        payload: JsonObject | None = None,
    ) -> dict[str, Any]:
        now = self._clock.now()
        return {
            "partner_id": partner_id,
            "module": module.value,
            "object_id": object_id,
            "group_key": group[:80],
            "version": self._versions.next(),
            "full": full,
            "payload": None if payload is None else json.dumps(payload, separators=(",", ":")),
            "attempts": 0,
            "due_at": now,
            "queued_at": now,
        }

    def _queue(self, batch: Batch, rows: Sequence[Mapping[str, Any]]) -> None:
        if rows:
            repo.add_later(batch, rows)
            self.wake.set()

    # --- transactions -------------------------------------------------------------------------

    def started(self, batch: Batch, pk: int, authorization: Authorization | None) -> dict[str, Any]:
        """A transaction was created: when a partner's token started it, queue its session and
        return the columns that name the partner."""
        grant = authorization.roaming if authorization is not None else None
        if grant is None:
            return {}
        if len(self._active) < MAX_ACTIVE:
            self._active[pk] = grant.partner_id
        session = ids.session_id(pk)
        self._queue(
            batch,
            [self._row(grant.partner_id, Module.SESSIONS, session, f"s:{session}", full=True)],
        )
        return {
            "ocpi_partner_id": grant.partner_id,
            "ocpi_auth_method": grant.auth_method,
            "ocpi_auth_reference": grant.reference,
        }

    def updated(self, batch: Batch, pk: int, partner_id: str | None = None) -> None:
        """News of a transaction (energy, state): a roaming session is PATCHed."""
        partner = partner_id or self._active.get(pk)
        if partner is None:
            return
        session = ids.session_id(pk)
        self._queue(
            batch, [self._row(partner, Module.SESSIONS, session, f"s:{session}", full=False)]
        )

    def ended(self, batch: Batch, pk: int, partner_id: str | None = None) -> None:
        partner = partner_id or self._active.get(pk)
        self._active.pop(pk, None)
        if partner is None:
            return
        session = ids.session_id(pk)
        self._queue(
            batch, [self._row(partner, Module.SESSIONS, session, f"s:{session}", full=False)]
        )

    # --- CDRs ---------------------------------------------------------------------------------

    async def cdr_made(self, batch: Batch, transaction_pk: int, cdr_id: str) -> None:
        """A CDR was stored: a roaming session's goes to its partner (POSTed once)."""
        partner = await objects_repo.partner_of(batch.conn, transaction_pk)
        if partner is None:
            return
        session = ids.session_id(transaction_pk)
        group = f"s:{session}"
        self._queue(
            batch,
            [  # the session's final cost first, then its CDR
                self._row(partner, Module.SESSIONS, session, group, full=False),
                self._row(partner, Module.CDRS, cdr_id, group, full=True),
            ],
        )

    # --- locations and tariffs ----------------------------------------------------------------

    def _receivers(self, module: Module) -> list[Partner]:
        return [
            p for p in self._partners.registered() if p.endpoint(module, InterfaceRole.RECEIVER)
        ]

    def connector_changed(self, batch: Batch, station_id: str, evse_id: int) -> None:
        """A connector's status: its EVSE is PATCHed at every partner that takes locations."""
        if evse_id == 0:
            return
        location = ids.location_id(station_id)
        object_id = f"{location}/{ids.evse_uid(station_id, evse_id)}"
        rows = [
            self._row(p.id, Module.LOCATIONS, object_id, f"l:{location}", full=False)
            for p in self._receivers(Module.LOCATIONS)
        ]
        self._queue(batch, rows)

    async def station_changed(self, batch: Batch, station_id: str) -> None:
        """A station's details or connectors changed: its whole Location is PUT."""
        location = ids.location_id(station_id)
        rows = [
            self._row(p.id, Module.LOCATIONS, location, f"l:{location}", full=True)
            for p in self._receivers(Module.LOCATIONS)
        ]
        if rows:
            await repo.add_now(batch.conn, rows)
            self.wake.set()

    async def tariff_changed(self, batch: Batch, tariff_id: str) -> None:
        rows = [
            self._row(p.id, Module.TARIFFS, tariff_id, f"t:{tariff_id}", full=True)
            for p in self._receivers(Module.TARIFFS)
        ]
        if rows:
            await repo.add_now(batch.conn, rows)
            self.wake.set()

    async def command_result(self, partner_id: str, response_url: str, result: JsonObject) -> None:
        """The outcome of a partner's command, POSTed to its response_url."""
        row = self._row(
            partner_id, Module.COMMAND_RESULT, response_url[:255], "c", full=True, payload=result
        )
        async with self._db.begin() as conn:
            await repo.add_now(conn, [row])
        self.wake.set()

    async def queue_now(self, partner_id: str, module: Module, object_id: str, group: str) -> None:
        """Queue a push of a whole object outside any other change (an operator's resend)."""
        row = self._row(partner_id, module, object_id, group, full=True)
        async with self._db.begin() as conn:
            await repo.add_now(conn, [row])
        self.wake.set()

    # --- the worker's side --------------------------------------------------------------------

    async def due(self, partner_id: str, limit: int) -> list[OutboxItem]:
        async with self._db.connect() as conn:
            rows = await repo.due(conn, partner_id, now=self._clock.now(), limit=limit)
        return [OutboxItem.from_row(row) for row in rows]

    async def pending(self, partner_id: str, limit: int = 100) -> list[OutboxItem]:
        async with self._db.connect() as conn:
            rows = await repo.of_partner(conn, partner_id, limit)
        return [OutboxItem.from_row(row) for row in rows]

    async def next_due(self, partner_id: str) -> datetime | None:
        async with self._db.connect() as conn:
            return await repo.next_due(conn, partner_id)

    async def settle(
        self, sent: Sequence[OutboxItem], failed: Sequence[tuple[OutboxItem, str]]
    ) -> None:
        """Remove what was delivered (unless changed since), postpone what failed."""
        now = self._clock.now()
        done = [_key(item) | {"k_version": item.version} for item in sent]
        later = [
            _key(item)
            | {
                "k_attempts": item.attempts + 1,
                "k_due_at": now + timedelta(seconds=retry_after(item.attempts + 1)),
                "k_error": error[:300],
            }
            for item, error in failed
        ]
        if not done and not later:
            return
        whole = [
            _key(item) | {"k_version": item.version}
            for item in sent
            if item.full and item.module is Module.SESSIONS
        ]
        async with self._db.begin() as conn:
            await repo.remove_sent(conn, done)
            await repo.delivered_whole(conn, whole)
            await repo.postpone(conn, later)


def _key(item: OutboxItem) -> dict[str, Any]:
    return {"k_partner": item.partner_id, "k_module": item.module.value, "k_object": item.object_id}
