"""Local authorization lists: what each station holds, as Steppe last sent it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from steppe.domain.commands.models import LocalListEntry


class ListState(StrEnum):
    IN_SYNC = "in-sync"  # the station accepted the last update
    PENDING = "pending"  # managed, nothing accepted yet
    FAILED = "failed"  # the station answered Failed, or did not answer
    MISMATCH = "version-mismatch"  # the station refused a differential update's version
    UNSUPPORTED = "unsupported"  # the station has no local list (NotSupported)


STATION_ANSWERS = {
    "Accepted": ListState.IN_SYNC,
    "Failed": ListState.FAILED,
    "VersionMismatch": ListState.MISMATCH,
    "NotSupported": ListState.UNSUPPORTED,
}


@dataclass(frozen=True, slots=True)
class ListEntry:
    """One token on a station's list, with what the station should answer for it offline."""

    id_token: str
    id_token_type: str
    status: str
    expires_at: datetime | None = None
    parent_id_token: str | None = None

    def as_params(self) -> LocalListEntry:
        return LocalListEntry(
            id_token=self.id_token,
            id_token_type=self.id_token_type,
            status=self.status,
            expires_at=self.expires_at,
            parent_id_token=self.parent_id_token,
        )

    def as_row(self, station_id: str, now: datetime) -> dict[str, Any]:
        return {
            "station_id": station_id,
            "id_token": self.id_token,
            "id_token_type": self.id_token_type,
            "status": self.status,
            "expires_at": self.expires_at,
            "parent_id_token": self.parent_id_token,
            "updated_at": now,
        }

    @classmethod
    def from_row(cls, row: Any) -> ListEntry:
        return cls(
            id_token=row["id_token"],
            id_token_type=row["id_token_type"],
            status=row["status"],
            expires_at=row["expires_at"],
            parent_id_token=row["parent_id_token"],
        )


@dataclass(frozen=True, slots=True)
class LocalList:
    station_id: str
    version: int  # the version Steppe last got accepted
    station_version: int | None  # what the station said it holds, when last asked
    status: ListState
    last_error: str | None
    synced_at: datetime | None
    updated_at: datetime
    entries: int

    @classmethod
    def from_row(cls, row: Any, entries: int) -> LocalList:
        return cls(
            station_id=row["station_id"],
            version=row["version"],
            station_version=row["station_version"],
            status=ListState(row["status"]),
            last_error=row["last_error"],
            synced_at=row["synced_at"],
            updated_at=row["updated_at"],
            entries=entries,
        )


@dataclass(frozen=True, slots=True)
class SyncReport:
    """What one synchronisation did."""

    station_id: str
    update_type: str | None  # Full, Differential, or None when the list was up to date
    messages: int
    version: int
    status: ListState
