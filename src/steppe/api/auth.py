"""Who is calling the API: the bearer credential, checked once per request, and failed attempts
counted per client address so that nobody can try keys or tokens at speed."""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum

from pydantic import SecretStr

from steppe.api.errors import ApiError
from steppe.domain.keys.service import KeyService

Monotonic = Callable[[], float]
# Addresses remembered at most; past it the oldest are forgotten (a flood stays bounded).
MAX_ADDRESSES = 100_000


class Role(IntEnum):
    """Roles in order of power: each includes what the ones below may do."""

    VIEWER = 1
    OPERATOR = 2
    ADMIN = 3


@dataclass(frozen=True, slots=True)
class Principal:
    name: str
    role: Role
    key_id: str | None = None

    @property
    def actor(self) -> str:
        """Who did it, as the audit log records it."""
        return self.name if self.key_id is None else f"key:{self.key_id} {self.name}"


class FailedAttempts:
    """Failed authentications per client address: after `limit` of them within `seconds`, the
    address is refused for `seconds` without its credentials being looked at."""

    def __init__(self, limit: int, seconds: float, *, clock: Monotonic = time.monotonic) -> None:
        self.limit = limit
        self.seconds = seconds
        self._clock = clock
        self._by_address: dict[str, tuple[int, float]] = {}  # address -> (count, first failure)

    def retry_after(self, address: str) -> float | None:
        """Seconds until `address` may try again, or None when it may now."""
        found = self._by_address.get(address)
        if found is None:
            return None
        count, first = found
        left = first + self.seconds - self._clock()
        if left <= 0:
            del self._by_address[address]
            return None
        return left if count >= self.limit else None

    def failed(self, address: str) -> None:
        now = self._clock()
        count, first = self._by_address.pop(address, (0, now))
        if now - first >= self.seconds:
            count, first = 0, now
        if len(self._by_address) >= MAX_ADDRESSES:
            self._by_address.pop(next(iter(self._by_address)))
        self._by_address[address] = (count + 1, first)


def bearer_token(authorization: str | None) -> str | None:
    """The credential of an `Authorization: Bearer <token>` header, or None."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    return token


class Authenticator:
    """Turns a request's `Authorization` header into a Principal, or refuses it (401, 429)."""

    def __init__(
        self, admin_token: SecretStr | None, keys: KeyService, failures: FailedAttempts
    ) -> None:
        self._admin = None if admin_token is None else admin_token.get_secret_value().encode()
        self._keys = keys
        self.failures = failures

    async def authenticate(self, authorization: str | None, address: str) -> Principal:
        wait = self.failures.retry_after(address)
        if wait is not None:
            raise ApiError(
                429,
                "too_many_failures",
                "too many failed authentications from this address; try again later",
                headers={"Retry-After": str(max(1, round(wait)))},
            )
        token = bearer_token(authorization)
        if token is None:
            raise ApiError(401, "unauthenticated", "send Authorization: Bearer <key>")
        if self._admin is not None and hmac.compare_digest(token.encode(), self._admin):
            return Principal("admin-token", Role.ADMIN)
        key = await self._keys.resolve(token) if len(token) <= 200 else None
        if key is None:
            self.failures.failed(address)
            raise ApiError(401, "unauthenticated", "unknown or revoked key")
        return Principal(key.name, Role[key.role.upper()], key_id=key.id)
