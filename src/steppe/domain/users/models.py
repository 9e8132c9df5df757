"""Staff accounts of the console and their sessions, as the rest of Steppe sees them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class User:
    id: str
    email: str
    name: str | None
    role: str
    language: str | None
    active: bool
    failed_sign_ins: int
    locked_until: datetime | None
    last_sign_in_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: Any, prefix: str = "") -> User:
        return cls(**{name: row[prefix + name] for name in cls.__dataclass_fields__})

    @property
    def display_name(self) -> str:
        return self.name or self.email

    @property
    def actor(self) -> str:
        """Who did it, as the audit log records it."""
        return f"user:{self.email}"


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A live session: whose it is, and the token's hash that names it."""

    session_id: str
    user: User
    created_at: datetime
    last_seen_at: datetime


@dataclass(frozen=True, slots=True)
class SessionRecord:
    id: str
    created_at: datetime
    last_seen_at: datetime
    address: str | None
    user_agent: str | None

    @classmethod
    def from_row(cls, row: Any) -> SessionRecord:
        return cls(**{name: row[name] for name in cls.__dataclass_fields__})
