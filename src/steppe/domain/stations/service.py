"""Station rules: registration, credentials, boot and connector state."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, Protocol

from steppe.domain.events import EventBus, EventType
from steppe.domain.ports import Clock
from steppe.domain.stations.hash_queue import QueueLimits
from steppe.domain.stations.models import (
    BootInfo,
    BootResult,
    Connector,
    Registration,
    Station,
    StationContext,
    Verdict,
)
from steppe.domain.stations.passwords import PasswordVerifier, hash_password
from steppe.domain.stations.presence import SOLICITED_FOR, Presence, Solicitations
from steppe.domain.stations.registrations import RegistrationLimits, RegistrationRate
from steppe.errors import AlreadyExists, InvalidInput, NotFound
from steppe.storage.coalesced_reads import CoalescedReader
from steppe.storage.db import Database
from steppe.storage.group_commit import Batch, GroupCommitter
from steppe.storage.repositories import stations as repo

log = logging.getLogger("steppe.domain")

EDITABLE_FIELDS = frozenset(
    {
        "name",
        "latitude",
        "longitude",
        "address",
        "city",
        "country",
        "time_zone",
        "security_profile",
        "registration",
    }
)


MAX_ADMITTED = 100_000


class StationChanges(Protocol):
    """Told, inside the write, of a change partners see (roaming queues its pushes in the same
    commit). `connector_changed` must only defer writes."""

    def connector_changed(self, batch: Batch, station_id: str, evse_id: int) -> None: ...

    async def station_changed(self, batch: Batch, station_id: str) -> None: ...


class StationService:
    def __init__(
        self,
        db: Database,
        committer: GroupCommitter,
        bus: EventBus,
        clock: Clock,
        *,
        accept_unknown: bool = False,
        heartbeat_interval: int = 300,
        hash_cost: int = 12,
        hash_queue: QueueLimits | None = None,
        registrations: RegistrationLimits | None = None,
        changes: StationChanges,
    ) -> None:
        self._changes = changes
        self._db = db
        self._committer = committer
        self._bus = bus
        self._clock = clock
        self._accept_unknown = accept_unknown
        self._heartbeat_interval = heartbeat_interval
        self._hash_cost = hash_cost
        self.verifier = PasswordVerifier(hash_queue)
        self._registrations = registrations or RegistrationLimits()
        self._registration_rate = RegistrationRate(self._registrations.per_minute)
        # What the handshake just read of a station it let in, for `open_context` and
        # `record_version` a moment later: a reconnect storm then costs one read per station.
        self._admitted: dict[str, tuple[str, str | None]] = {}
        # Handshakes and boots arriving together read their stations with one query.
        self._reads: CoalescedReader[str] = CoalescedReader(db, repo.by_ids)
        self._presence = Presence()
        self._solicited = Solicitations()

    # --- operator side -------------------------------------------------------------------------

    async def _hash(self, password: str | None) -> str | None:
        if password is None:
            return None
        # The operator's side: not through the handshake's queue, which a flood may fill.
        return await asyncio.to_thread(hash_password, password, cost=self._hash_cost)

    async def create(self, station_id: str, password: str | None, **fields: Any) -> Station:
        unknown = set(fields) - EDITABLE_FIELDS
        if unknown:
            raise InvalidInput(f"unknown station fields: {', '.join(sorted(unknown))}")
        now = self._clock.now()
        row = {
            "id": station_id,
            "password_hash": await self._hash(password),
            "created_at": now,
            "updated_at": now,
            **{key: value for key, value in fields.items() if value is not None},
        }
        async with self._db.begin() as conn:
            if await repo.get(conn, station_id) is not None:
                raise AlreadyExists(f"station {station_id!r} already exists")
            await repo.insert(conn, row)  # AlreadyExists when a concurrent create won
        return await self.get(station_id)

    async def import_many(self, entries: Sequence[tuple[str, str | None]]) -> int:
        """Register many stations at once; stations sharing a password share its hash."""
        ids = [station_id for station_id, _ in entries]
        if len(set(ids)) != len(ids):
            raise InvalidInput("the same station id appears twice")
        hashes: dict[str | None, str | None] = {None: None}
        for _, password in entries:
            if password not in hashes:
                hashes[password] = await self._hash(password)
        now = self._clock.now()
        rows = [
            {"id": sid, "password_hash": hashes[pw], "created_at": now, "updated_at": now}
            for sid, pw in entries
        ]
        async with self._db.begin() as conn:
            taken = await repo.existing_ids(conn, ids)
            if taken:
                raise AlreadyExists(f"stations already exist: {', '.join(sorted(taken)[:10])}")
            for start in range(0, len(rows), 1000):
                await repo.insert_many(conn, rows[start : start + 1000])
        return len(rows)

    async def get(self, station_id: str) -> Station:
        async with self._db.connect() as conn:
            row = await repo.get(conn, station_id)
            if row is None:
                raise NotFound(f"station {station_id!r} does not exist")
            connector_rows = await repo.connectors_of(conn, station_id)
        station = Station.from_row(row, tuple(Connector.from_row(c) for c in connector_rows))
        return self._fresh(station)

    def _fresh(self, station: Station) -> Station:
        """The station with the latest time it was heard from, stored or not yet."""
        heard = self._presence.last(station.id)
        if heard is None or (station.last_seen_at is not None and station.last_seen_at >= heard):
            return station
        return replace(station, last_seen_at=heard)

    async def list(
        self,
        *,
        after: str | None = None,
        limit: int = 100,
        filters: Mapping[str, Any] | None = None,
    ) -> list[Station]:
        async with self._db.connect() as conn:
            rows = await repo.list_page(conn, after=after, limit=limit, filters=filters)
            connector_rows = await repo.connectors_of_many(conn, [row["id"] for row in rows])
        by_station: dict[str, list[Connector]] = {}
        for c in connector_rows:
            by_station.setdefault(c["station_id"], []).append(Connector.from_row(c))
        return [
            self._fresh(Station.from_row(row, tuple(by_station.get(row["id"], ())))) for row in rows
        ]

    async def versions(self, station_ids: Sequence[str]) -> dict[str, str | None]:
        """The OCPP version each station last spoke."""
        async with self._db.connect() as conn:
            return await repo.versions_of(conn, sorted(set(station_ids)))

    async def update(self, station_id: str, fields: Mapping[str, Any]) -> Station:
        unknown = set(fields) - EDITABLE_FIELDS
        if unknown:
            raise InvalidInput(f"unknown station fields: {', '.join(sorted(unknown))}")
        async with self._db.begin() as conn:
            changed = await repo.update(
                conn, station_id, {**fields, "updated_at": self._clock.now()}
            )
            if changed:
                await self._changes.station_changed(Batch(conn), station_id)
        if not changed:
            raise NotFound(f"station {station_id!r} does not exist")
        return await self.get(station_id)

    async def set_password(self, station_id: str, password: str) -> None:
        hashed = await self._hash(password)
        async with self._db.begin() as conn:
            changed = await repo.update(
                conn, station_id, {"password_hash": hashed, "updated_at": self._clock.now()}
            )
        if not changed:
            raise NotFound(f"station {station_id!r} does not exist")

    async def accept(self, station_id: str) -> Station:
        return await self.update(station_id, {"registration": Registration.ACCEPTED.value})

    async def delete(self, station_id: str) -> None:
        async with self._db.begin() as conn:
            if not await repo.delete(conn, station_id):
                raise NotFound(f"station {station_id!r} does not exist")

    # --- charger side --------------------------------------------------------------------------

    def heard(self, station_id: str) -> None:
        """The station sent a message or answered one: it is alive now."""
        self._presence.heard(station_id, self._clock.now())

    async def record_presence(self) -> int:
        """Store `last_seen_at` of the stations heard since the last time, in one write."""
        heard = self._presence.take()
        if not heard:
            return 0

        async def write(batch: Batch) -> None:
            for station_id, at in heard.items():
                repo.update_later(batch, station_id, {"last_seen_at": at})

        await self._committer.write(write)
        return len(heard)

    def expect(self, station_id: str, actions: frozenset[str]) -> None:
        """The station was asked to send these actions (a trigger, a report): a pending station
        may send them for a while."""
        if actions:
            self._solicited.expect(station_id, actions, within=SOLICITED_FOR)

    def solicited(self, station_id: str, action: str) -> bool:
        return self._solicited.allows(station_id, action)

    async def check_credentials(
        self,
        station_id: str,
        password: str | None,
        *,
        encrypted: bool = False,
        client_cn: str | None = None,
        client: str = "",
    ) -> Verdict:
        """Decide at the handshake whether this station may connect with this password, over
        this transport: profile 2 needs TLS, profile 3 also a client certificate whose common
        name is the station id (its password is then optional). `client` is the address the
        hashes queue under (ChecksBusy when its line is full). A refused password costs one hash
        whether or not the station exists."""
        row = await self._reads.get(station_id)
        if row is None:
            if not self._accept_unknown:
                await self.verifier.waste(password, cost=self._hash_cost, client=client)
                return Verdict.UNKNOWN
            return await self._admit_unknown(station_id, password, encrypted, client_cn, client)
        return await self._check_row(row, password, encrypted, client_cn, client)

    async def _check_row(
        self,
        row: Any,
        password: str | None,
        encrypted: bool,
        client_cn: str | None,
        client: str,
    ) -> Verdict:
        station_id = row["id"]
        profile = row["security_profile"]
        if profile >= 2 and not encrypted:
            return Verdict.TLS_REQUIRED
        if profile >= 3:
            if client_cn != station_id:
                return Verdict.CERTIFICATE_REQUIRED
            if password is None:
                if row["registration"] == Registration.PENDING.value:
                    return Verdict.ADMITTED_PENDING
                return Verdict.ACCEPTED
        stored = row["password_hash"]
        if stored is None:
            if row["registration"] == Registration.PENDING.value and self._accept_unknown:
                return Verdict.ADMITTED_PENDING
            await self.verifier.waste(password, cost=self._hash_cost, client=client)
            return Verdict.NO_PASSWORD
        if password is None:
            await self.verifier.waste(password, cost=self._hash_cost, client=client)
            return Verdict.WRONG_PASSWORD
        if not await self.verifier.verify(password, stored, client=client):
            return Verdict.WRONG_PASSWORD
        self._remember_admitted(row)
        if row["registration"] == Registration.PENDING.value:
            return Verdict.ADMITTED_PENDING
        return Verdict.ACCEPTED

    def _remember_admitted(self, row: Any) -> None:
        if len(self._admitted) >= MAX_ADMITTED:
            self._admitted.pop(next(iter(self._admitted)))
        self._admitted[row["id"]] = (row["registration"], row["ocpp_version"])

    async def _admit_unknown(
        self,
        station_id: str,
        password: str | None,
        encrypted: bool,
        client_cn: str | None,
        client: str,
    ) -> Verdict:
        """Record a newcomer as pending; the password it presented becomes its password, so it
        keeps working once an operator accepts the station (trust on first use). Newcomers are
        limited per client address and in all (`RegistrationLimits`). Of two first connections
        at once, the password committed first is the station's; the other is checked against
        it like any later login."""
        if self._registration_rate.retry_after(client) is not None:
            return Verdict.REGISTRATION_LIMITED
        self._registration_rate.registered(client)  # an attempt: also bounds the count below
        async with self._db.connect() as conn:
            pending = await repo.count_pending(conn)
        if pending >= self._registrations.max_pending:
            log.warning("[%s] not registered: %d stations are pending already", station_id, pending)
            return Verdict.REGISTRATION_LIMITED
        now = self._clock.now()
        hashed = (
            None
            if password is None
            else await self.verifier.hash(password, cost=self._hash_cost, client=client)
        )
        try:
            async with self._db.begin() as conn:
                await repo.insert(
                    conn,
                    {
                        "id": station_id,
                        "registration": Registration.PENDING.value,
                        "password_hash": hashed,
                        "created_at": now,
                        "updated_at": now,
                    },
                )
        except AlreadyExists:  # another first connection committed first: its password holds
            async with self._db.connect() as conn:
                row = await repo.get(conn, station_id)
            if row is None:  # pragma: no cover - deleted in between
                return Verdict.UNKNOWN
            return await self._check_row(row, password, encrypted, client_cn, client)
        return Verdict.ADMITTED_PENDING

    async def open_context(self, station_id: str, ocpp_version: str) -> StationContext:
        admitted = self._admitted.get(station_id)
        if admitted is not None:
            return StationContext(station_id, ocpp_version, Registration(admitted[0]))
        async with self._db.connect() as conn:
            row = await repo.get(conn, station_id)
        if row is None:
            raise NotFound(f"station {station_id!r} does not exist")
        return StationContext(station_id, ocpp_version, Registration(row["registration"]))

    async def record_version(self, station_id: str, ocpp_version: str) -> None:
        """Remember the version a station connects with (it may switch on a reconnect); never
        fails the connection: without a database, BootNotification records it later."""
        try:
            await self._record_version(station_id, ocpp_version)
        except Exception as exc:  # an outage or a failed write: the next boot records it
            log.warning("[%s] OCPP version not recorded: %s", station_id, exc)

    async def _record_version(self, station_id: str, ocpp_version: str) -> None:
        admitted = self._admitted.pop(station_id, None)
        if admitted is not None:
            if admitted[1] == ocpp_version:
                return
        else:
            async with self._db.connect() as conn:
                row = await repo.get(conn, station_id)
            if row is None or row["ocpp_version"] == ocpp_version:
                return
        now = self._clock.now()

        async def write(batch: Batch) -> None:
            repo.update_later(batch, station_id, {"ocpp_version": ocpp_version, "updated_at": now})

        await self._committer.write(write)
        self._bus.publish(EventType.STATION_VERSION, station_id, {"ocpp_version": ocpp_version})

    async def boot(self, ctx: StationContext, info: BootInfo) -> BootResult:
        # The registration is read fresh (an operator may have accepted the station since it
        # connected); boots arriving together share the read and the write.
        row = await self._reads.get(ctx.station_id)
        if row is None:
            raise NotFound(f"station {ctx.station_id!r} does not exist")
        registration = row["registration"]
        now = self._clock.now()
        details = {
            "ocpp_version": ctx.ocpp_version,
            "vendor": info.vendor,
            "model": info.model,
            "serial_number": info.serial_number,
            "firmware_version": info.firmware_version,
            "iccid": info.iccid,
            "imsi": info.imsi,
            "last_boot_at": now,
            "updated_at": now,
        }

        async def write(batch: Batch) -> None:
            repo.update_later(batch, ctx.station_id, details)

        await self._committer.write(write)
        ctx.registration = Registration(registration)
        self._bus.publish(
            EventType.STATION_BOOTED,
            ctx.station_id,
            {
                "registration": ctx.registration.value,
                "vendor": info.vendor,
                "model": info.model,
                "ocpp_version": ctx.ocpp_version,
            },
        )
        return BootResult(ctx.registration, self._heartbeat_interval, now)

    async def connector_status(
        self,
        ctx: StationContext,
        *,
        evse_id: int,
        connector_id: int,
        status: str,
        error_code: str | None = None,
        info: str | None = None,
        vendor_error_code: str | None = None,
        timestamp: datetime | None = None,
    ) -> None:
        """Record a connector's (or, with evse 0, the whole station's) reported state."""
        now = self._clock.now()
        at = timestamp or now

        async def write(batch: Batch) -> None:
            if evse_id == 0:
                repo.update_later(
                    batch,
                    ctx.station_id,
                    {"status": status, "error_code": error_code, "updated_at": now},
                )
                return
            repo.connector_state_later(
                batch,
                ctx.station_id,
                evse_id,
                connector_id,
                status=status,
                error_code=error_code,
                info=info,
                vendor_error_code=vendor_error_code,
                status_at=at,
                updated_at=now,
            )
            self._changes.connector_changed(batch, ctx.station_id, evse_id)

        await self._committer.write(write)
        self._bus.publish(
            EventType.CONNECTOR_STATUS,
            ctx.station_id,
            {
                "evse_id": evse_id,
                "connector_id": connector_id,
                "status": status,
                "error_code": error_code,
                "at": at.isoformat(),
            },
        )
