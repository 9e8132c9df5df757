"""Reservation rules: a reservation is recorded when ReserveNow leaves, becomes active when the
station accepts it, is used when the reserved token starts a charge on that station, and ends
cancelled, expired (at its expiry, or when a 2.0.1 station says so) or removed.

The service records what the `reserve-now` and `cancel-reservation` commands do (it is their
`CommandRecorder`), so a reservation made through the reservations API and one sent as a raw
command are kept alike.
"""

from __future__ import annotations

import logging
from typing import Any

from steppe.domain.commands.models import CancelReservation, CommandParams, ReserveNow
from steppe.domain.events import EventBus, EventType
from steppe.domain.ports import Clock
from steppe.domain.reservations.models import OPEN, Reservation, ReservationStatus
from steppe.errors import Conflict, InvalidInput, NotFound, StationNotConnected, SteppeError
from steppe.storage.db import Database
from steppe.storage.group_commit import Batch, GroupCommitter
from steppe.storage.repositories import reservations as repo

log = logging.getLogger("steppe.domain")
# Station answers to ReserveNow that mean it holds the reservation.
ACCEPTED = "Accepted"
# 2.0.1 ReservationStatusUpdate statuses.
STATION_ENDS = {"Expired": ReservationStatus.EXPIRED, "Removed": ReservationStatus.REMOVED}


class ReservationService:
    commands = frozenset({"reserve-now", "cancel-reservation"})

    def __init__(
        self, db: Database, committer: GroupCommitter, bus: EventBus, clock: Clock
    ) -> None:
        self._db = db
        self._committer = committer
        self._bus = bus
        self._clock = clock

    # --- what the commands do (CommandRecorder) ----------------------------------------------

    async def sending(self, station_id: str, command: str, params: CommandParams) -> None:
        if not isinstance(params, ReserveNow):
            return
        assert params.reservation_id is not None  # the command service made one up
        now = self._clock.now()
        if params.expires_at <= now:
            raise InvalidInput("expires_at: the reservation would have expired already")
        evse = params.evse_id if params.evse_id is not None else params.connector_id
        values: dict[str, Any] = {
            "station_id": station_id,
            "evse_id": evse or None,  # 1.6 connector 0: any connector
            "id_token": params.id_token,
            "id_token_type": params.id_token_type,
            "group_id_token": params.parent_id_token,
            "expires_at": params.expires_at,
            "status": ReservationStatus.REQUESTED.value,
            "station_status": None,
            "transaction_pk": None,
            "updated_at": now,
            "ended_at": None,
        }
        async with self._db.begin() as conn:
            row = await repo.get(conn, params.reservation_id)
            if row is None:
                await repo.insert(conn, {**values, "id": params.reservation_id, "created_at": now})
            elif row["station_id"] != station_id:
                raise Conflict(f"reservation {params.reservation_id} belongs to another station")
            else:  # ReserveNow with a known id replaces the reservation (both versions)
                await repo.update(conn, params.reservation_id, values)

    async def answered(
        self,
        station_id: str,
        command: str,
        params: CommandParams,
        status: str,
        response: dict[str, Any],
    ) -> None:
        if isinstance(params, ReserveNow) and params.reservation_id is not None:
            after = ReservationStatus.ACTIVE if status == ACCEPTED else ReservationStatus.REJECTED
            await self._set(params.reservation_id, after, station_status=status)
        elif isinstance(params, CancelReservation):
            if status == ACCEPTED:
                await self._set(
                    params.reservation_id, ReservationStatus.CANCELLED, station_status=status
                )
            else:  # the station holds no such reservation (any more)
                await self._note(params.reservation_id, status)

    async def failed(
        self, station_id: str, command: str, params: CommandParams, error: SteppeError
    ) -> None:
        if isinstance(params, ReserveNow) and params.reservation_id is not None:
            reason = "NotConnected" if isinstance(error, StationNotConnected) else "NoAnswer"
            await self._set(params.reservation_id, ReservationStatus.FAILED, station_status=reason)

    # --- what stations and time do ------------------------------------------------------------

    async def station_update(self, station_id: str, reservation_id: int, status: str) -> None:
        """A 2.0.1 ReservationStatusUpdate: the station expired or removed the reservation."""
        after = STATION_ENDS.get(status)
        async with self._db.connect() as conn:
            row = await repo.get(conn, reservation_id)
        if after is None or row is None or row["station_id"] != station_id:
            log.info("[%s] status %s of unknown reservation %s", station_id, status, reservation_id)
            data = {"reservation_id": reservation_id, "status": None, "station_status": status}
            self._bus.publish(EventType.RESERVATION_STATUS, station_id, data)
            return
        await self._set(reservation_id, after, station_status=status, durable=True)

    async def transaction_started(
        self,
        station_id: str,
        *,
        evse_id: int | None,
        id_token: str | None,
        reservation_id: int | None,
        transaction_pk: int,
    ) -> None:
        """A transaction started: the reservation it names, or else the station's open
        reservation for its token (and EVSE), is used."""
        async with self._db.connect() as conn:
            row = await repo.get(conn, reservation_id) if reservation_id is not None else None
            if row is None or row["station_id"] != station_id:
                if id_token is None:
                    return
                candidates = await repo.open_for(conn, station_id, id_token)
                row = next(
                    (r for r in candidates if r["evse_id"] in (None, evse_id)),
                    None,
                )
        if row is None or ReservationStatus(row["status"]) not in OPEN:
            return
        await self._set(
            int(row["id"]), ReservationStatus.USED, transaction_pk=transaction_pk, durable=True
        )

    async def expire_due(self) -> list[int]:
        """End the open reservations whose expiry has passed; their ids."""
        now = self._clock.now()
        async with self._db.connect() as conn:
            rows = await repo.due(conn, now)
        for row in rows:
            await self._set(int(row["id"]), ReservationStatus.EXPIRED)
        return [int(row["id"]) for row in rows]

    # --- reading ------------------------------------------------------------------------------

    async def get(self, reservation_id: int) -> Reservation:
        async with self._db.connect() as conn:
            row = await repo.get(conn, reservation_id)
        if row is None:
            raise NotFound(f"reservation {reservation_id} does not exist")
        return Reservation.from_row(row)

    async def list(
        self,
        *,
        station_id: str | None = None,
        status: ReservationStatus | None = None,
        limit: int = 100,
    ) -> list[Reservation]:
        async with self._db.connect() as conn:
            rows = await repo.page(
                conn,
                station_id=station_id,
                status=None if status is None else status.value,
                limit=limit,
            )
        return [Reservation.from_row(row) for row in rows]

    # --- writing ------------------------------------------------------------------------------

    async def _note(self, reservation_id: int, station_status: str) -> None:
        async with self._db.begin() as conn:
            await repo.update(
                conn,
                reservation_id,
                {"station_status": station_status, "updated_at": self._clock.now()},
            )

    async def _set(
        self,
        reservation_id: int,
        status: ReservationStatus,
        *,
        station_status: str | None = None,
        transaction_pk: int | None = None,
        durable: bool = False,
    ) -> None:
        """Move an open reservation to `status` (a finished one stays as it is). `durable`:
        through the group committer, for a station's message that is answered after it."""
        now = self._clock.now()
        values: dict[str, Any] = {"status": status.value, "updated_at": now}
        if station_status is not None:
            values["station_status"] = station_status
        if transaction_pk is not None:
            values["transaction_pk"] = transaction_pk
        if status not in OPEN:
            values["ended_at"] = now

        async def write(batch: Batch) -> bool:
            row = await repo.get(batch.conn, reservation_id)
            if row is None or ReservationStatus(row["status"]) not in OPEN:
                return False
            await repo.update(batch.conn, reservation_id, values)
            return True

        if durable:
            changed = await self._committer.write(write)
        else:
            async with self._db.begin() as conn:
                changed = await write(Batch(conn))
        if changed:
            station_id = (await self.get(reservation_id)).station_id
            self._bus.publish(
                EventType.RESERVATION_STATUS,
                station_id,
                {"reservation_id": reservation_id, "status": status.value, **_extra(values)},
            )


def _extra(values: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "station_status" in values:
        out["station_status"] = values["station_status"]
    if "transaction_pk" in values:
        out["transaction_pk"] = values["transaction_pk"]
    return out
