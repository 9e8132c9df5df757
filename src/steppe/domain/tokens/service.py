"""Token rules: lookup, expiry, groups (parent tokens)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

from steppe.domain.ports import Clock
from steppe.domain.tokens.models import Authorization, IdToken, TokenStatus
from steppe.errors import AlreadyExists, InvalidInput, NotFound
from steppe.storage.db import Database
from steppe.storage.repositories import id_tokens as repo

EDITABLE = frozenset({"type", "status", "expires_at", "parent_id_token"})


class ForeignTokens(Protocol):
    """Tokens Steppe does not issue (a roaming partner's): their authorization, or None when
    the token is not one of them. Must answer within a short time and not raise."""

    async def authorize(self, id_token: str) -> Authorization | None: ...


class TokenService:
    def __init__(self, db: Database, clock: Clock, *, foreign: ForeignTokens) -> None:
        self._db = db
        self._clock = clock
        self._foreign = foreign

    async def authorize(self, id_token: str, *, at: datetime | None = None) -> Authorization:
        """The status a charger should apply: unknown tokens are Invalid, past expiry Expired,
        and a token whose group (parent) is blocked or expired takes the group's status."""
        now = at or self._clock.now()
        async with self._db.connect() as conn:
            row = await repo.get(conn, id_token)
            parent = None
            if row is not None and row["parent_id_token"]:
                parent = await repo.get(conn, row["parent_id_token"])
        if row is None:
            roaming = await self._foreign.authorize(id_token)
            return roaming if roaming is not None else Authorization(TokenStatus.INVALID)
        token = IdToken.from_row(row)
        status = token.status
        if (
            status is TokenStatus.ACCEPTED
            and token.expires_at is not None
            and token.expires_at <= now
        ):
            status = TokenStatus.EXPIRED
        if status is TokenStatus.ACCEPTED and parent is not None:
            group = IdToken.from_row(parent)
            if group.status in (TokenStatus.BLOCKED, TokenStatus.EXPIRED):
                status = group.status
            elif group.expires_at is not None and group.expires_at <= now:
                status = TokenStatus.EXPIRED
        return Authorization(status, token.expires_at, token.parent_id_token)

    async def create(self, id_token: str, **fields: Any) -> IdToken:
        self._check_fields(fields)
        now = self._clock.now()
        values = {"id_token": id_token, "created_at": now, "updated_at": now}
        values.update({k: v for k, v in fields.items() if v is not None})
        async with self._db.begin() as conn:
            if await repo.get(conn, id_token) is not None:
                raise AlreadyExists(f"id token {id_token!r} already exists")
            await repo.insert(conn, values)  # AlreadyExists when a concurrent create won
        return await self.get(id_token)

    async def get(self, id_token: str) -> IdToken:
        async with self._db.connect() as conn:
            row = await repo.get(conn, id_token)
        if row is None:
            raise NotFound(f"id token {id_token!r} does not exist")
        return IdToken.from_row(row)

    async def list(
        self,
        *,
        after: str | None = None,
        limit: int = 100,
        filters: Mapping[str, Any] | None = None,
    ) -> list[IdToken]:
        async with self._db.connect() as conn:
            rows = await repo.list_page(conn, after=after, limit=limit, filters=filters)
        return [IdToken.from_row(row) for row in rows]

    async def update(self, id_token: str, fields: Mapping[str, Any]) -> IdToken:
        self._check_fields(fields)
        async with self._db.begin() as conn:
            if not await repo.update(conn, id_token, {**fields, "updated_at": self._clock.now()}):
                raise NotFound(f"id token {id_token!r} does not exist")
        return await self.get(id_token)

    async def delete(self, id_token: str) -> None:
        async with self._db.begin() as conn:
            if not await repo.delete(conn, id_token):
                raise NotFound(f"id token {id_token!r} does not exist")

    @staticmethod
    def _check_fields(fields: Mapping[str, Any]) -> None:
        unknown = set(fields) - EDITABLE
        if unknown:
            raise InvalidInput(f"unknown id token fields: {', '.join(sorted(unknown))}")
        if "status" in fields and fields["status"] is not None:
            TokenStatus(fields["status"])
