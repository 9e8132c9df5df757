"""Tokens of roaming partners: stored as pushed (or pulled), and authorized at their owner in
real time when their whitelist says so.

A token whose whitelist is ALWAYS or ALLOWED is let in from what is stored. ALLOWED_OFFLINE and
NEVER ask the owner (`POST tokens/{uid}/authorize`) with a short timeout; the answer is kept for
a while so a charger's Authorize and StartTransaction cost one request. When the owner cannot be
reached an ALLOWED_OFFLINE token is let in, a NEVER token is not. A START_SESSION command
announces its token: the start that follows is authorized by the command.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from steppe.domain.ports import Clock
from steppe.domain.roaming.models import (
    AuthMethod,
    InterfaceRole,
    LinkFailed,
    Module,
    OcpiRequest,
    Partner,
    PartnerLink,
    RoamingToken,
    Whitelist,
)
from steppe.domain.roaming.partners import PartnerService
from steppe.domain.tokens.models import Authorization, RoamingGrant, TokenStatus
from steppe.errors import InvalidInput, NotFound
from steppe.storage.db import Database
from steppe.storage.repositories import ocpi_partners as repo
from steppe.types import JsonObject

log = logging.getLogger("steppe.ocpi")
TOKEN_TYPES = frozenset({"AD_HOC_USER", "APP_USER", "OTHER", "RFID"})
ALLOWED = {
    "ALLOWED": TokenStatus.ACCEPTED,
    "BLOCKED": TokenStatus.BLOCKED,
    "EXPIRED": TokenStatus.EXPIRED,
    "NO_CREDIT": TokenStatus.BLOCKED,
    "NOT_ALLOWED": TokenStatus.INVALID,
}
MAX_CACHED = 10_000
COMMAND_GRANT_S = 600.0  # how long a START_SESSION vouches for its token
MAX_PAGES = 1_000


def _text(body: JsonObject, name: str, limit: int, *, required: bool = True) -> str | None:
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value or len(value) > limit:
        raise InvalidInput(f"{name}: a string of 1 to {limit} characters is expected")
    return value


def check_token(body: JsonObject) -> JsonObject:
    """A Token object's required fields and their lengths (unknown fields are kept)."""
    if not isinstance(body, dict):
        raise InvalidInput("token: an object is expected")
    cc = _text(body, "country_code", 2)
    pid = _text(body, "party_id", 3)
    assert cc is not None and pid is not None
    if len(cc) != 2 or len(pid) != 3:
        raise InvalidInput("country_code and party_id: 2 and 3 characters are expected")
    _text(body, "uid", 36)
    if body.get("type") not in TOKEN_TYPES:
        raise InvalidInput(f"type: one of {', '.join(sorted(TOKEN_TYPES))} is expected")
    _text(body, "contract_id", 36)
    _text(body, "visual_number", 64, required=False)
    _text(body, "issuer", 64)
    _text(body, "group_id", 36, required=False)
    if not isinstance(body.get("valid"), bool):
        raise InvalidInput("valid: true or false is expected")
    if body.get("whitelist") not in Whitelist.__members__:
        raise InvalidInput(f"whitelist: one of {', '.join(Whitelist)} is expected")
    _text(body, "language", 2, required=False)
    _text(body, "last_updated", 25)
    return body


def _moment(value: Any) -> datetime:
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidInput("last_updated: an RFC 3339 time is expected") from exc
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


class RoamingTokens:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        link: PartnerLink,
        partners: PartnerService,
        *,
        timeout: float = 3.0,
        cache_seconds: float = 60.0,
    ) -> None:
        self._db = db
        self._clock = clock
        self._link = link
        self._partners = partners
        self._timeout = timeout
        self._cache_seconds = cache_seconds
        self._answers: dict[str, tuple[float, Authorization]] = {}
        self._commands: dict[str, tuple[float, RoamingGrant]] = {}
        self.asked = 0  # real-time requests sent, for tests and metrics

    # --- the tokens module (receiver) ---------------------------------------------------------

    async def put(self, partner: Partner, body: JsonObject) -> RoamingToken:
        """Store a token the partner pushes (it must be one of the partner's parties)."""
        check_token(body)
        if not partner.owns(body["country_code"], body["party_id"]):
            raise NotFound("this token's party is not one of yours")
        values = {
            "country_code": body["country_code"],
            "party_id": body["party_id"],
            "uid": body["uid"],
            "type": body["type"],
            "partner_id": partner.id,
            "contract_id": body["contract_id"],
            "valid": body["valid"],
            "whitelist": body["whitelist"],
            "body": json.dumps(body, separators=(",", ":")),
            "last_updated": _moment(body["last_updated"]),
        }
        async with self._db.begin() as conn:
            await repo.put_token(conn, values)
        self._answers.pop(body["uid"], None)
        return await self.get(body["country_code"], body["party_id"], body["uid"], body["type"])

    async def patch(
        self, partner: Partner, key: tuple[str, str, str, str], changes: JsonObject
    ) -> RoamingToken:
        if not isinstance(changes, dict) or "last_updated" not in changes:
            raise InvalidInput("a PATCH must carry last_updated")
        current = await self.get(*key)
        if current.partner_id != partner.id:
            raise NotFound("this token is not one of yours")
        merged = {**current.body, **changes}
        for name, value in zip(("country_code", "party_id", "uid", "type"), key, strict=True):
            if merged.get(name) != value:
                raise InvalidInput(f"{name} cannot be changed by a PATCH")
        return await self.put(partner, merged)

    async def get(self, country_code: str, party_id: str, uid: str, type_: str) -> RoamingToken:
        async with self._db.connect() as conn:
            row = await repo.get_token(conn, country_code, party_id, uid, type_)
        if row is None:
            raise NotFound(f"token {uid!r} does not exist")
        return RoamingToken.from_row(row)

    async def pull(self, partner: Partner) -> int:
        """Read all of the partner's tokens (its tokens sender, page by page); how many."""
        url = partner.endpoint(Module.TOKENS, InterfaceRole.SENDER)
        if url is None or partner.token_out is None:
            return 0
        stored = 0
        params: dict[str, str] | None = {"limit": "1000"}
        next_url: str | None = url
        for _ in range(MAX_PAGES):
            if next_url is None:
                break
            answer = await self._link.call(
                OcpiRequest(
                    "GET", next_url, partner.token_out, raw_token=partner.raw_token, params=params
                )
            )
            if not answer.ok or not isinstance(answer.data, list):
                raise LinkFailed(f"tokens: HTTP {answer.http_status}, OCPI {answer.status_code}")
            for body in answer.data:
                try:
                    await self.put(partner, body)
                    stored += 1
                except (InvalidInput, NotFound) as exc:
                    log.warning("partner %s: token skipped: %s", partner.id, exc)
            next_url, params = answer.next_url, None
        return stored

    # --- authorization (TokenService's port for tokens Steppe did not issue) ------------------

    def expect_command(self, partner_id: str, uid: str, reference: str | None) -> None:
        """A START_SESSION for this token was accepted: its start is authorized by it."""
        grant = RoamingGrant(partner_id, AuthMethod.COMMAND.value, reference)
        if len(self._commands) >= MAX_CACHED:
            self._commands.pop(next(iter(self._commands)))
        self._commands[uid] = (time.monotonic() + COMMAND_GRANT_S, grant)

    async def authorize(self, id_token: str) -> Authorization | None:
        now = time.monotonic()
        command = self._commands.get(id_token)
        if command is not None and command[0] > now:
            return Authorization(TokenStatus.ACCEPTED, roaming=command[1])
        async with self._db.connect() as conn:
            rows = await repo.tokens_by_uid(conn, id_token)
        tokens = [RoamingToken.from_row(row) for row in rows]
        if not tokens:
            return None
        token = next((t for t in reversed(tokens) if t.valid), tokens[-1])
        if not token.valid:
            return Authorization(TokenStatus.BLOCKED)
        local = Authorization(
            TokenStatus.ACCEPTED,
            roaming=RoamingGrant(token.partner_id, AuthMethod.WHITELIST.value),
        )
        if token.whitelist in (Whitelist.ALWAYS, Whitelist.ALLOWED):
            return local
        cached = self._answers.get(id_token)
        if cached is not None and cached[0] > now:
            return cached[1]
        try:
            answer = await self._ask_owner(token)
        except (LinkFailed, NotFound) as exc:
            log.warning("token %s: its owner did not answer in time: %s", id_token, exc)
            if token.whitelist is Whitelist.ALLOWED_OFFLINE:
                return local
            return Authorization(TokenStatus.INVALID)
        if len(self._answers) >= MAX_CACHED:
            self._answers.pop(next(iter(self._answers)))
        self._answers[id_token] = (now + self._cache_seconds, answer)
        return answer

    async def _ask_owner(self, token: RoamingToken) -> Authorization:
        partner = self._partners.cached(token.partner_id)
        url = None if partner is None else partner.endpoint(Module.TOKENS, InterfaceRole.SENDER)
        if partner is None or url is None or partner.token_out is None:
            raise NotFound("the token's owner offers no real-time authorization")
        self.asked += 1
        answer = await self._link.call(
            OcpiRequest(
                "POST",
                f"{url.rstrip('/')}/{token.uid}/authorize",
                partner.token_out,
                raw_token=partner.raw_token,
                params={"type": token.type},
                timeout=self._timeout,
                to_party=(token.country_code, token.party_id),
            )
        )
        data = answer.data if isinstance(answer.data, dict) else {}
        allowed = data.get("allowed")
        if not answer.ok or allowed not in ALLOWED:
            raise LinkFailed(f"authorize: HTTP {answer.http_status}, OCPI {answer.status_code}")
        status = ALLOWED[str(allowed)]
        reference = data.get("authorization_reference")
        grant = RoamingGrant(
            token.partner_id,
            AuthMethod.AUTH_REQUEST.value,
            str(reference)[:36] if isinstance(reference, str) else None,
        )
        return Authorization(status, roaming=grant if status is TokenStatus.ACCEPTED else None)

    async def count(self, partner_ids: Sequence[str]) -> dict[str, int]:
        async with self._db.connect() as conn:
            return {pid: await repo.count_tokens(conn, pid) for pid in partner_ids}
