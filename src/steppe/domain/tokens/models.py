"""Id tokens and the answer a charger gets when it asks about one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any


class TokenStatus(StrEnum):
    ACCEPTED = "Accepted"
    BLOCKED = "Blocked"
    EXPIRED = "Expired"
    INVALID = "Invalid"
    CONCURRENT_TX = "ConcurrentTx"


@dataclass(frozen=True, slots=True)
class IdToken:
    id_token: str
    type: str
    status: TokenStatus
    expires_at: datetime | None
    parent_id_token: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: Any) -> IdToken:
        return cls(
            id_token=row["id_token"],
            type=row["type"],
            status=TokenStatus(row["status"]),
            expires_at=row["expires_at"],
            parent_id_token=row["parent_id_token"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
        )


@dataclass(frozen=True, slots=True)
class RoamingGrant:
    """A token of a roaming partner let in: whose it is and how it was allowed (OCPI's
    auth_method WHITELIST, AUTH_REQUEST or COMMAND, with the partner's reference if any)."""

    partner_id: str
    auth_method: str
    reference: str | None = None


@dataclass(frozen=True, slots=True)
class Authorization:
    """What Steppe tells a charger about a token (1.6 IdTagInfo, 2.0.1 IdTokenInfo)."""

    status: TokenStatus
    expires_at: datetime | None = None
    parent_id_token: str | None = None
    roaming: RoamingGrant | None = None

    @property
    def accepted(self) -> bool:
        return self.status is TokenStatus.ACCEPTED
