"""What a driver's account holds: its id tokens (the app token and RFID cards) and its cars.

A card a driver adds becomes an id token chargers accept while the account is active (and
refuse while it is not), so a charge started by tapping it shows up in the account. A card the
network already knows, the operator's or another driver's, cannot be claimed.
"""

from __future__ import annotations

import re

from steppe.domain.drivers.accounts import token_status
from steppe.domain.drivers.models import Account, DriverToken, DriverVehicle, TokenKind
from steppe.domain.ports import Clock
from steppe.domain.vehicles.models import Catalogue
from steppe.errors import AlreadyExists, InvalidInput, NotFound
from steppe.storage.db import Database
from steppe.storage.repositories import drivers as repo
from steppe.storage.repositories import id_tokens as id_tokens_repo

# An RFID card's UID as printed or read: 4, 7 or 10 bytes in hex, spaces or colons allowed.
CARD_UID = re.compile(r"^[0-9A-F]{8}$|^[0-9A-F]{14}$|^[0-9A-F]{20}$")
MAX_CARDS = 10
MAX_VEHICLES = 10


def card_uid(text: str) -> str:
    """The card's UID in upper-case hex without separators; InvalidInput when it is not one."""
    value = re.sub(r"[\s:-]", "", text).upper()
    if not CARD_UID.match(value):
        raise InvalidInput("uid: 8, 14 or 20 hexadecimal digits (a 4, 7 or 10 byte UID)")
    return value


class DriverProfile:
    def __init__(self, db: Database, clock: Clock, catalogue: Catalogue) -> None:
        self._db = db
        self._clock = clock
        self._catalogue = catalogue

    async def tokens(self, account_id: str) -> list[DriverToken]:
        async with self._db.connect() as conn:
            rows = await repo.tokens_of(conn, account_id)
        return [DriverToken.from_row(row) for row in rows]

    async def app_token(self, account_id: str) -> str | None:
        for token in await self.tokens(account_id):
            if token.kind is TokenKind.APP:
                return token.id_token
        return None

    async def add_card(self, account: Account, uid: str, label: str | None = None) -> DriverToken:
        value = card_uid(uid)
        now = self._clock.now()
        async with self._db.begin() as conn:
            held = await repo.tokens_of(conn, account.id)
            if sum(1 for t in held if t["kind"] == TokenKind.CARD.value) >= MAX_CARDS:
                raise InvalidInput(f"uid: an account holds at most {MAX_CARDS} cards")
            if await id_tokens_repo.get(conn, value) is not None:
                raise AlreadyExists("uid: this card is already registered")
            await id_tokens_repo.insert(
                conn,
                {
                    "id_token": value,
                    "type": "ISO14443",
                    "status": token_status(account.status).value,
                    "created_at": now,
                    "updated_at": now,
                },
            )
            values = {
                "id_token": value,
                "account_id": account.id,
                "kind": TokenKind.CARD.value,
                "label": (label or "").strip()[:60] or None,
                "created_at": now,
            }
            await repo.add_token(conn, values)
        return DriverToken.from_row(values)

    async def remove_card(self, account_id: str, uid: str) -> None:
        """Forget a card: chargers refuse it from now on (its past sessions leave the account)."""
        async with self._db.begin() as conn:
            owner_rows = [t for t in await repo.tokens_of(conn, account_id) if t["id_token"] == uid]
            if not owner_rows or owner_rows[0]["kind"] != TokenKind.CARD.value:
                raise NotFound("no such card in this account")
            await repo.delete_token(conn, account_id, uid)
            await id_tokens_repo.delete(conn, uid)

    async def vehicles(self, account_id: str) -> list[DriverVehicle]:
        async with self._db.connect() as conn:
            rows = await repo.vehicles_of(conn, account_id)
        return [DriverVehicle.from_row(row) for row in rows]

    async def add_vehicle(self, account_id: str, vehicle_id: str, label: str | None = None) -> None:
        self._catalogue.get(vehicle_id)  # NotFound for a car the catalogue does not have
        async with self._db.begin() as conn:
            if len(await repo.vehicles_of(conn, account_id)) >= MAX_VEHICLES:
                raise InvalidInput(f"vehicle_id: an account keeps at most {MAX_VEHICLES} cars")
            await repo.add_vehicle(
                conn,
                {
                    "account_id": account_id,
                    "vehicle_id": vehicle_id,
                    "label": (label or "").strip()[:60] or None,
                    "created_at": self._clock.now(),
                },
            )

    async def remove_vehicle(self, account_id: str, row_id: int) -> None:
        async with self._db.begin() as conn:
            if not await repo.delete_vehicle(conn, account_id, row_id):
                raise NotFound("no such car in this account")
