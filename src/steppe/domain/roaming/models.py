"""Roaming partners, their tokens and queued pushes, in OCPI 2.2.1's own words."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from steppe.errors import SteppeError
from steppe.types import JsonObject

OCPI_VERSION = "2.2.1"


class Module(StrEnum):
    """OCPI module identifiers (and `command_result`, a push of ours that is no module)."""

    CREDENTIALS = "credentials"
    LOCATIONS = "locations"
    TARIFFS = "tariffs"
    SESSIONS = "sessions"
    CDRS = "cdrs"
    TOKENS = "tokens"
    COMMANDS = "commands"
    HUB_CLIENT_INFO = "hubclientinfo"
    COMMAND_RESULT = "command_result"


class InterfaceRole(StrEnum):
    SENDER = "SENDER"
    RECEIVER = "RECEIVER"


class PartnerState(StrEnum):
    PENDING = "pending"  # token A handed out, not registered yet
    REGISTERED = "registered"
    UNREGISTERED = "unregistered"


class Whitelist(StrEnum):
    ALWAYS = "ALWAYS"
    ALLOWED = "ALLOWED"
    ALLOWED_OFFLINE = "ALLOWED_OFFLINE"
    NEVER = "NEVER"


class AuthMethod(StrEnum):
    AUTH_REQUEST = "AUTH_REQUEST"
    COMMAND = "COMMAND"
    WHITELIST = "WHITELIST"


@dataclass(frozen=True, slots=True)
class Identity:
    """Who Steppe is to partners: its party and where they reach it (`public_url` is known
    once the HTTP port is bound)."""

    country_code: str
    party_id: str
    name: str
    public_url: Callable[[], str]

    @property
    def ocpi_url(self) -> str:
        return f"{self.public_url().rstrip('/')}/ocpi"

    @property
    def versions_url(self) -> str:
        return f"{self.ocpi_url}/versions"

    def credentials(self, token: str) -> JsonObject:
        """Our credentials object, carrying the token the partner is to call us with."""
        return {
            "token": token,
            "url": self.versions_url,
            "roles": [
                {
                    "role": "CPO",
                    "party_id": self.party_id,
                    "country_code": self.country_code,
                    "business_details": {"name": self.name[:100]},
                }
            ],
        }


@dataclass(frozen=True, slots=True)
class Party:
    country_code: str
    party_id: str
    role: str


def find_endpoint(
    endpoints: Sequence[JsonObject], module: Module | str, role: InterfaceRole
) -> str | None:
    """The URL of `module` in `role` among a version's endpoints (None when not offered)."""
    for entry in endpoints:
        if entry.get("identifier") == module and entry.get("role") == role:
            url = entry.get("url")
            return str(url) if url else None
    return None


@dataclass(frozen=True, slots=True)
class Partner:
    id: str
    name: str
    state: PartnerState
    token_out: str | None
    raw_token: bool
    versions_url: str | None
    version: str | None
    endpoints: tuple[JsonObject, ...]
    roles: tuple[JsonObject, ...]
    last_ok_at: datetime | None
    last_error_at: datetime | None
    last_error: str | None
    created_at: datetime
    updated_at: datetime
    queued: int = 0

    @classmethod
    def from_row(cls, row: Any, queued: int = 0) -> Partner:
        return cls(
            id=row["id"],
            name=row["name"],
            state=PartnerState(row["state"]),
            token_out=row["token_out"],
            raw_token=bool(row["raw_token"]),
            versions_url=row["versions_url"],
            version=row["version"],
            endpoints=tuple(json.loads(row["endpoints"])),
            roles=tuple(json.loads(row["roles"])),
            last_ok_at=row["last_ok_at"],
            last_error_at=row["last_error_at"],
            last_error=row["last_error"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            queued=queued,
        )

    def endpoint(self, module: Module | str, role: InterfaceRole) -> str | None:
        """The partner's URL of `module` in `role` (None when it does not offer it)."""
        return find_endpoint(self.endpoints, module, role)

    @property
    def parties(self) -> tuple[Party, ...]:
        return tuple(
            Party(str(r.get("country_code", "")), str(r.get("party_id", "")), str(r.get("role")))
            for r in self.roles
        )

    def owns(self, country_code: str, party_id: str) -> bool:
        """Whether objects of this party are the partner's to write: its own roles say so, or
        it is a hub, which speaks for the parties behind it."""
        if self.is_hub:
            return True
        return any(
            p.country_code.upper() == country_code.upper()
            and p.party_id.upper() == party_id.upper()
            for p in self.parties
        )

    @property
    def is_hub(self) -> bool:
        return any(p.role == "HUB" for p in self.parties)


@dataclass(frozen=True, slots=True)
class RoamingToken:
    """A token a partner pushed to us (the OCPI Token object as received)."""

    country_code: str
    party_id: str
    uid: str
    type: str
    partner_id: str
    contract_id: str
    valid: bool
    whitelist: Whitelist
    body: JsonObject
    last_updated: datetime

    @classmethod
    def from_row(cls, row: Any) -> RoamingToken:
        return cls(
            country_code=row["country_code"],
            party_id=row["party_id"],
            uid=row["uid"],
            type=row["type"],
            partner_id=row["partner_id"],
            contract_id=row["contract_id"],
            valid=bool(row["valid"]),
            whitelist=Whitelist(row["whitelist"]),
            body=json.loads(row["body"]),
            last_updated=row["last_updated"],
        )

    @property
    def cdr_token(self) -> JsonObject:
        return {
            "country_code": self.country_code,
            "party_id": self.party_id,
            "uid": self.uid,
            "type": self.type,
            "contract_id": self.contract_id,
        }


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """One push still to make: the object is read as it is when the push is sent."""

    partner_id: str
    module: Module
    object_id: str
    group_key: str
    version: int
    full: bool
    payload: JsonObject | None
    attempts: int
    due_at: datetime
    last_error: str | None = None

    @classmethod
    def from_row(cls, row: Any) -> OutboxItem:
        return cls(
            partner_id=row["partner_id"],
            module=Module(row["module"]),
            object_id=row["object_id"],
            group_key=row["group_key"],
            version=int(row["version"]),
            full=bool(row["full"]),
            payload=json.loads(row["payload"]) if row["payload"] else None,
            attempts=int(row["attempts"]),
            due_at=row["due_at"],
            last_error=row["last_error"],
        )


@dataclass(frozen=True, slots=True)
class Answer:
    """What a partner answered an OCPI request: HTTP status, the envelope, the next page."""

    http_status: int
    status_code: int | None
    status_message: str | None
    data: Any
    next_url: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return 200 <= self.http_status < 300 and self.status_code == 1000


class LinkFailed(SteppeError):
    """The partner could not be reached, timed out or answered something that is not OCPI."""


@dataclass(frozen=True, slots=True)
class OcpiRequest:
    """One request to a partner: `token` goes in `Authorization: Token`, base64-encoded unless
    `raw_token` (for peers that want it as it is); `to_party` fills the OCPI-to-* headers."""

    method: str
    url: str
    token: str
    raw_token: bool = False
    body: Any = None
    params: Mapping[str, str] | None = None
    timeout: float | None = None
    to_party: tuple[str, str] | None = None


class PartnerLink(Protocol):
    """Sends one OCPI request to a partner (the composition root fills it with the HTTP client).
    Raises LinkFailed when nothing usable came back."""

    async def call(self, request: OcpiRequest) -> Answer: ...
