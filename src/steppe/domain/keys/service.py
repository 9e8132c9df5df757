"""API keys: issued once in clear, stored as a SHA-256 hash, looked up by that hash.

A key is 32 random bytes, so a fast hash is enough: nobody can guess their way to a key from its
hash, and a lookup costs one indexed read instead of a deliberately slow password hash.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, get_args

from steppe.domain.ports import Clock
from steppe.domain.secrets import digest as hash_key
from steppe.errors import InvalidInput, NotFound
from steppe.storage.db import Database
from steppe.storage.repositories import api_keys as repo

RoleName = Literal["admin", "operator", "viewer"]
ROLES: tuple[str, ...] = get_args(RoleName)
PREFIX = "stp_"
# `last_used_at` is refreshed at most this often, so reads do not turn into writes.
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class ApiKey:
    id: str
    name: str
    role: str
    created_by: str | None
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def from_row(cls, row: Any) -> ApiKey:
        return cls(
            id=row["id"],
            name=row["name"],
            role=row["role"],
            created_by=row["created_by"],
            created_at=row["created_at"],
            last_used_at=row["last_used_at"],
            revoked_at=row["revoked_at"],
        )


class KeyService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def create(
        self, name: str, role: str, *, created_by: str | None = None
    ) -> tuple[ApiKey, str]:
        """A new key and its secret value, which is shown this once and never stored."""
        if role not in ROLES:
            raise InvalidInput(f"role must be one of {', '.join(ROLES)}")
        if not name.strip():
            raise InvalidInput("a key needs a name")
        secret = PREFIX + secrets.token_urlsafe(32)
        values = {
            "id": secrets.token_hex(8),
            "name": name.strip()[:100],
            "role": role,
            "key_hash": hash_key(secret),
            "created_by": created_by,
            "created_at": self._clock.now(),
            "last_used_at": None,
            "revoked_at": None,
        }
        async with self._db.begin() as conn:
            await repo.insert(conn, values)
        return ApiKey.from_row(values), secret

    async def list(self, *, include_revoked: bool = False) -> list[ApiKey]:
        async with self._db.connect() as conn:
            rows = await repo.list_all(conn, include_revoked=include_revoked)
        return [ApiKey.from_row(row) for row in rows]

    async def revoke(self, key_id: str) -> None:
        async with self._db.begin() as conn:
            if await repo.revoke(conn, key_id, self._clock.now()) == 0:
                raise NotFound(f"no active key {key_id!r}")

    async def change_role(self, key_id: str, role: str) -> ApiKey:
        """Give a live key another role; its open event streams end within seconds."""
        if role not in ROLES:
            raise InvalidInput(f"role must be one of {', '.join(ROLES)}")
        async with self._db.begin() as conn:
            if await repo.set_role(conn, key_id, role) == 0:
                raise NotFound(f"no active key {key_id!r}")
            row = await repo.get(conn, key_id)
        assert row is not None
        return ApiKey.from_row(row)

    async def still_holds(self, key_id: str, role: str) -> bool:
        """Whether the key is still live with the same role (event streams ask every few
        seconds, so a revoked or changed key loses its stream)."""
        async with self._db.connect() as conn:
            row = await repo.get(conn, key_id)
        return row is not None and row["revoked_at"] is None and row["role"] == role

    async def resolve(self, key: str) -> ApiKey | None:
        """The live key `key` stands for, or None (unknown or revoked)."""
        if not key.startswith(PREFIX):
            return None
        async with self._db.connect() as conn:
            row = await repo.by_hash(conn, hash_key(key))
        if row is None or row["revoked_at"] is not None:
            return None
        found = ApiKey.from_row(row)
        now = self._clock.now()
        if found.last_used_at is None or now - found.last_used_at > TOUCH_EVERY:
            async with self._db.begin() as conn:
                await repo.touch(conn, found.id, now)
        return found
