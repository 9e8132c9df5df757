"""Charging from the phone: start and stop with the account's app token, see one's own sessions
and receipts.

A start is a remote start (1.6 RemoteStartTransaction, 2.0.1 RequestStartTransaction) carrying
the account's app token, sent through `CommandService`, so it is audited like an operator's
command (actor `driver:<account id>`). Nothing is sent to a connector that is offline, occupied,
faulted, reserved or unavailable, nor for an account that is unconfirmed or blocked; a car that
does not fit the connector is refused unless the driver confirms. The session a start made is
the first transaction with that token on that EVSE stored after the start was asked for.

A driver sees only transactions started with one of the account's tokens (its app token and
its cards); anything else is "not found", as if it did not exist.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from steppe.domain.cdrs.models import Cdr
from steppe.domain.commands.models import RemoteStart, RemoteStop
from steppe.domain.commands.service import CommandService
from steppe.domain.drivers.models import Account, AccountStatus, StartRequest, StartStatus
from steppe.domain.drivers.profile import DriverProfile
from steppe.domain.drivers.receipts import Receipt, receipt_of
from steppe.domain.ports import Clock, CommandSender
from steppe.domain.stations.models import Connector, Station
from steppe.domain.transactions.models import Transaction
from steppe.domain.vehicles.compatibility import fit
from steppe.domain.vehicles.service import VehicleGuide
from steppe.errors import (
    CommandTimeout,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    StationNotConnected,
    StationRejectedCall,
)
from steppe.storage.db import Database
from steppe.storage.repositories import cdrs as cdrs_repo
from steppe.storage.repositories import drivers as repo
from steppe.storage.repositories import stations as stations_repo
from steppe.types import TransactionStatus

# What a connector's reported status means for a driver who wants to start there.
FREE = frozenset({"Available", "Preparing", None})
BUSY = {
    "Occupied": "occupied",
    "Charging": "occupied",
    "SuspendedEV": "occupied",
    "SuspendedEVSE": "occupied",
    "Finishing": "occupied",
    "Reserved": "reserved",
    "Faulted": "faulted",
    "Unavailable": "unavailable",
}


class AccountNotReady(Forbidden):
    """The account may not charge: `reason` is `unconfirmed` or `blocked`."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"this account may not charge: {reason}")
        self.reason = reason


class ConnectorUnavailable(Conflict):
    """Nothing was sent: `reason` is offline, occupied, reserved, faulted or unavailable."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"the connector cannot start a charge: {reason}")
        self.reason = reason


class VehicleMismatch(InvalidInput):
    """The chosen car cannot use this connector; the driver did not confirm starting anyway."""


class StartRefused(Conflict):
    """The charger refused the start, or did not answer: `reason` is rejected or no-answer."""

    def __init__(self, reason: str, start: StartRequest) -> None:
        super().__init__(f"the charger did not start: {reason}")
        self.reason = reason
        self.start = start


@dataclass(frozen=True, slots=True)
class Evse:
    """One EVSE of a public station, as a driver picks it."""

    station: Station
    evse_id: int
    connectors: tuple[Connector, ...]
    online: bool

    @property
    def unavailable(self) -> str | None:
        """Why a charge cannot start here now (None: it can)."""
        if not self.online:
            return "offline"
        statuses = [c.status for c in self.connectors]
        if any(status in FREE for status in statuses):
            return None
        return BUSY.get(statuses[0] or "", "unavailable")


class DriverCharging:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        commands: CommandService,
        connections: CommandSender,
        vehicles: VehicleGuide,
        profile: DriverProfile,
    ) -> None:
        self._db = db
        self._clock = clock
        self._commands = commands
        self._connections = connections
        self._vehicles = vehicles
        self._profile = profile

    async def evse(self, station_id: str, evse_id: int) -> Evse:
        """An EVSE of a public station; NotFound for an unknown station or EVSE."""
        station = await self._vehicles.public_station(station_id)
        connectors = tuple(c for c in station.connectors if c.evse_id == evse_id and evse_id > 0)
        if not connectors:
            raise NotFound(f"station {station_id!r} has no EVSE {evse_id}")
        return Evse(station, evse_id, connectors, self._connections.is_connected(station_id))

    async def start(
        self,
        account: Account,
        station_id: str,
        evse_id: int,
        *,
        vehicle_id: str | None = None,
        accept_mismatch: bool = False,
    ) -> StartRequest:
        """Ask the charger to start with the account's app token; the accepted start, or
        AccountNotReady, ConnectorUnavailable, VehicleMismatch, StartRefused (nothing sent for
        the first three)."""
        if not account.may_charge:
            blocked = account.status is AccountStatus.BLOCKED
            raise AccountNotReady("blocked" if blocked else "unconfirmed")
        place = await self.evse(station_id, evse_id)
        reason = place.unavailable
        if reason is not None:
            raise ConnectorUnavailable(reason)
        if vehicle_id:
            car = self._vehicles.catalogue.get(vehicle_id)
            fits = any(fit(car, connector) is not None for connector in place.connectors)
            if not fits and not accept_mismatch:
                raise VehicleMismatch(f"{car.make} {car.model} cannot use this connector")
        token = await self._profile.app_token(account.id)
        if token is None:
            raise AccountNotReady("unconfirmed")
        async with self._db.connect() as conn:
            after_pk = await repo.last_transaction_pk(conn)
        status, message = StartStatus.ACCEPTED, None
        try:
            result = await self._commands.send(
                account.actor,
                station_id,
                "remote-start",
                RemoteStart(id_token=token, evse_id=evse_id),
            )
            if result.status != "Accepted":
                status, message = StartStatus.REJECTED, result.status
        except StationNotConnected:
            raise ConnectorUnavailable("offline") from None
        except (CommandTimeout, StationRejectedCall) as exc:
            status, message = StartStatus.FAILED, str(exc)
        start = StartRequest(
            id=_new_id(),
            account_id=account.id,
            station_id=station_id,
            evse_id=evse_id,
            id_token=token,
            vehicle_id=vehicle_id or None,
            after_pk=after_pk,
            status=status,
            message=message,
            requested_at=self._clock.now(),
        )
        async with self._db.begin() as conn:
            await repo.add_start(
                conn,
                {
                    "id": start.id,
                    "account_id": start.account_id,
                    "station_id": start.station_id,
                    "evse_id": start.evse_id,
                    "id_token": start.id_token,
                    "vehicle_id": start.vehicle_id,
                    "after_pk": start.after_pk,
                    "status": start.status.value,
                    "message": (start.message or "")[:300] or None,
                    "requested_at": start.requested_at,
                },
            )
        if status is not StartStatus.ACCEPTED:
            raise StartRefused("rejected" if status is StartStatus.REJECTED else "no-answer", start)
        return start

    async def start_request(
        self, account: Account, start_id: str
    ) -> tuple[StartRequest, Transaction | None]:
        """A start the account asked for, and the transaction it made (None: not yet)."""
        async with self._db.connect() as conn:
            row = await repo.get_start(conn, start_id)
            if row is None or row["account_id"] != account.id:
                raise NotFound("no such start")
            start = StartRequest.from_row(row)
            found = await repo.transaction_after(
                conn, start.station_id, start.evse_id, start.id_token, start.after_pk
            )
        return start, None if found is None else Transaction.from_row(found)

    async def _tokens(self, account: Account) -> list[str]:
        return [token.id_token for token in await self._profile.tokens(account.id)]

    async def sessions(self, account: Account, *, limit: int = 50) -> list[Transaction]:
        """The account's transactions (app token and cards), newest first."""
        tokens = await self._tokens(account)
        async with self._db.connect() as conn:
            rows = await repo.transactions_of(conn, tokens, limit=limit)
        return [Transaction.from_row(row) for row in rows]

    async def session(self, account: Account, transaction_pk: int) -> Transaction:
        """One of the account's transactions; NotFound for anyone else's."""
        tokens = await self._tokens(account)
        async with self._db.connect() as conn:
            rows = await repo.transactions_of(conn, tokens, limit=1, before_pk=transaction_pk + 1)
        if not rows or int(rows[0]["id"]) != transaction_pk:
            raise NotFound(f"transaction {transaction_pk} is not one of yours")
        return Transaction.from_row(rows[0])

    async def power_w(self, transaction_pk: int) -> int | None:
        """The power the charger last reported for a transaction (W), if it reports power."""
        async with self._db.connect() as conn:
            value = await repo.latest_power_w(conn, transaction_pk)
        if value is None:
            return None
        try:
            return int(float(value))
        except ValueError:
            return None

    async def stop(self, account: Account, transaction_pk: int) -> str:
        """Ask the charger to stop the account's running session; the charger's status."""
        tx = await self.session(account, transaction_pk)
        if tx.status is not TransactionStatus.ACTIVE:
            raise Conflict("this session has ended already")
        result = await self._commands.send(
            account.actor, tx.station_id, "remote-stop", RemoteStop(transaction_id=tx.id)
        )
        return result.status

    async def receipt(self, account: Account, transaction_pk: int) -> Receipt | None:
        """The receipt of one of the account's sessions; None until its CDR is made."""
        await self.session(account, transaction_pk)
        async with self._db.connect() as conn:
            row = await cdrs_repo.of_transaction(conn, transaction_pk)
            if row is None:
                return None
            cdr = Cdr.from_row(row)
            station = await stations_repo.get(conn, cdr.station_id)
        return receipt_of(cdr, station)

    async def station_of(self, station_id: str) -> Station | None:
        """A station for the session page's header (None once it is gone)."""
        try:
            return await self._vehicles.public_station(station_id)
        except NotFound:
            return None


def _new_id() -> str:
    return secrets.token_hex(12)
