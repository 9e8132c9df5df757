"""Station passwords: scrypt hashes at rest, and a verifier that pays the slow hash once.

A reconnect storm (thousands of chargers coming back after a network cut) would cost one scrypt
per charger; the verifier remembers, per stored hash, a keyed digest of the password that matched
it, so the same password against the same hash is checked again in microseconds. The digest key is
made at start-up and never leaves memory; a password change writes a new hash, which the cache has
never seen.

Every check that is not answered from memory costs one hash, whether the station exists or not
(`waste` hashes against a hash of nothing), so that the time of an answer does not tell a known
id from an unknown one. Hashes go through `HashQueue`: a few at a time, in turns by client.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import os
import secrets
from collections.abc import Callable
from typing import TypeVar

from steppe.domain.stations.hash_queue import HashQueue, QueueLimits

SCRYPT_R = 8
SCRYPT_P = 1
MAX_REMEMBERED = 200_000
T = TypeVar("T")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str, *, cost: int = 12) -> str:
    """`scrypt$<log2 N>$<r>$<p>$<salt>$<hash>` for `password`."""
    salt = os.urandom(16)
    digest = hashlib.scrypt(
        password.encode(), salt=salt, n=2**cost, r=SCRYPT_R, p=SCRYPT_P, maxmem=2**27, dklen=32
    )
    return f"scrypt${cost}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def check_password(password: str, stored: str) -> bool:
    """True when `password` matches the stored scrypt hash."""
    try:
        scheme, cost, r, p, salt, expected = stored.split("$")
        if scheme != "scrypt":
            return False
        digest = hashlib.scrypt(
            password.encode(),
            salt=base64.b64decode(salt),
            n=2 ** int(cost),
            r=int(r),
            p=int(p),
            maxmem=2**27,
            dklen=32,
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest, base64.b64decode(expected))


def unmatchable_hash(cost: int) -> str:
    """A well-formed hash of the given cost that no password matches (a random digest)."""
    return f"scrypt${cost}${SCRYPT_R}${SCRYPT_P}${_b64(os.urandom(16))}${_b64(os.urandom(32))}"


class PasswordVerifier:
    """Checks station passwords, remembering the ones that already passed."""

    def __init__(self, limits: QueueLimits | None = None) -> None:
        self._key = secrets.token_bytes(32)
        self._passed: dict[str, bytes] = {}
        self._queue = HashQueue(limits or QueueLimits())
        self._unmatchable: dict[int, str] = {}
        self.hashes = 0  # scrypt runs so far (checks and new hashes)
        # Checks under way, so the same password against the same hash is hashed once even
        # when a storm of handshakes asks at the same moment.
        self._checking: dict[tuple[str, bytes], asyncio.Future[bool]] = {}

    @property
    def waiting(self) -> int:
        """Checks waiting for their turn to hash."""
        return self._queue.waiting

    def _tag(self, password: str) -> bytes:
        return hmac.new(self._key, password.encode(), hashlib.sha256).digest()

    async def _run(self, client: str, work: Callable[[], T]) -> T:
        """`work` on a worker thread when the queue gives `client` its turn (ChecksBusy if the
        queue is full)."""
        await self._queue.acquire(client)
        try:
            self.hashes += 1
            return await asyncio.to_thread(work)
        finally:
            self._queue.release()

    async def hash(self, password: str, *, cost: int, client: str = "") -> str:
        """A new hash of `password`, made in the queue's turn."""
        return await self._run(client, lambda: hash_password(password, cost=cost))

    async def waste(self, password: str | None, *, cost: int, client: str = "") -> None:
        """Spend one check, as a wrong password would, on a station that has no hash."""
        stored = self._unmatchable.get(cost)
        if stored is None:
            stored = self._unmatchable[cost] = unmatchable_hash(cost)
        await self.verify(password or "", stored, client=client)

    async def verify(self, password: str, stored: str, *, client: str = "") -> bool:
        tag = self._tag(password)
        known = self._passed.get(stored)
        if known is not None and hmac.compare_digest(known, tag):
            return True
        key = (stored, tag)
        running = self._checking.get(key)
        if running is not None:
            return await asyncio.shield(running)
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._checking[key] = future
        try:
            ok = await self._run(client, lambda: check_password(password, stored))
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: the others waiting re-raise it themselves
            raise
        finally:
            del self._checking[key]
        if ok:
            if len(self._passed) >= MAX_REMEMBERED:
                self._passed.clear()
            self._passed[stored] = tag
        future.set_result(ok)
        return ok
