"""Drivers as the rest of Steppe sees them: accounts, what they hold, what they asked for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any


class AccountStatus(StrEnum):
    UNCONFIRMED = "unconfirmed"  # signed up, the address not confirmed yet: may not charge
    ACTIVE = "active"
    BLOCKED = "blocked"  # by the operator: may sign in and look, not charge


class TokenKind(StrEnum):
    APP = "app"  # the account's own token, sent in remote starts from the phone
    CARD = "card"  # an RFID card the driver added


class MailKind(StrEnum):
    CONFIRM = "confirm"
    EXISTS = "exists"  # someone signed up again with an address that has an account
    RESET = "reset"
    RECEIPT = "receipt"


class StartStatus(StrEnum):
    ACCEPTED = "accepted"  # the charger took the remote start
    REJECTED = "rejected"  # it refused it
    FAILED = "failed"  # it did not answer, or could not be reached


@dataclass(frozen=True, slots=True)
class Account:
    id: str
    email: str
    status: AccountStatus
    language: str | None
    confirmed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    failed_sign_ins: int = 0
    locked_until: datetime | None = None

    @classmethod
    def from_row(cls, row: Any) -> Account:
        return cls(
            id=row["id"],
            email=row["email"],
            status=AccountStatus(row["status"]),
            language=row["language"],
            confirmed_at=row["confirmed_at"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            failed_sign_ins=row["failed_sign_ins"],
            locked_until=row["locked_until"],
        )

    @property
    def may_charge(self) -> bool:
        return self.status is AccountStatus.ACTIVE

    @property
    def actor(self) -> str:
        """Who did it, as the audit log records it (never the address)."""
        return f"driver:{self.id}"


@dataclass(frozen=True, slots=True)
class SignedInDriver:
    session_id: str
    account: Account


@dataclass(frozen=True, slots=True)
class DriverToken:
    id_token: str
    kind: TokenKind
    label: str | None
    created_at: datetime

    @classmethod
    def from_row(cls, row: Any) -> DriverToken:
        return cls(row["id_token"], TokenKind(row["kind"]), row["label"], row["created_at"])


@dataclass(frozen=True, slots=True)
class DriverVehicle:
    id: int
    vehicle_id: str
    label: str | None
    created_at: datetime

    @classmethod
    def from_row(cls, row: Any) -> DriverVehicle:
        return cls(row["id"], row["vehicle_id"], row["label"], row["created_at"])


@dataclass(frozen=True, slots=True)
class StartRequest:
    id: str
    account_id: str
    station_id: str
    evse_id: int
    id_token: str
    vehicle_id: str | None
    after_pk: int
    status: StartStatus
    message: str | None
    requested_at: datetime

    @classmethod
    def from_row(cls, row: Any) -> StartRequest:
        return cls(
            id=row["id"],
            account_id=row["account_id"],
            station_id=row["station_id"],
            evse_id=row["evse_id"],
            id_token=row["id_token"],
            vehicle_id=row["vehicle_id"],
            after_pk=int(row["after_pk"]),
            status=StartStatus(row["status"]),
            message=row["message"],
            requested_at=row["requested_at"],
        )


@dataclass(frozen=True, slots=True)
class Letter:
    """A mail's content, in the reader's language."""

    subject: str
    text: str
    html: str | None = None


@dataclass(frozen=True, slots=True)
class Mail:
    """A mail to send: to whom and what."""

    id: int
    to_address: str
    kind: MailKind
    letter: Letter
    attempts: int
