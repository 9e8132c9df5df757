"""Staff accounts: create and manage them, sign in with email and password, keep sessions.

Passwords are kept as scrypt hashes (memory-hard: N = 2^cost, r = 8, so 32 MiB at the default
cost 15). A session is a random 256-bit token held by the browser in a cookie; the database
keeps only its SHA-256, so a copy of the database signs nobody in. A session ends after
`idle_timeout` without a request, after `max_age` in any case, when its user is disabled, and
when its user signs out everywhere.

Sign-in is throttled twice: an account locks for a while after `lockout_failures` wrong
passwords in a row (the lock doubles with each further failure, up to an hour), and one address
may fail at most `address_failures` times in a quarter of an hour, whichever email it tries.
"""

from __future__ import annotations

import asyncio
import builtins
import re
import secrets
import time
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from steppe.domain.keys.service import ROLES
from steppe.domain.languages import check_language
from steppe.domain.ports import Clock
from steppe.domain.secrets import digest as session_id_of
from steppe.domain.stations.passwords import check_password, hash_password
from steppe.domain.users.models import SessionRecord, SignedIn, User
from steppe.errors import Forbidden, InvalidInput, NotFound
from steppe.storage.db import Database
from steppe.storage.repositories import users as repo

EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,189}$")
MIN_PASSWORD = 10
MAX_PASSWORD = 256
# A session's `last_seen_at` is written at most this often, so reading pages stays reading.
TOUCH_EVERY = timedelta(minutes=1)
LONGEST_LOCK = timedelta(hours=1)
ADDRESS_WINDOW = 15 * 60.0
MAX_ADDRESSES = 10_000


class SignInRefused(Forbidden):
    """Wrong email or password, or a disabled account (the message does not say which)."""


class SignInThrottled(SignInRefused):
    """Too many failed sign-ins for this account or from this address: wait `retry_after` s."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed sign-ins; try again in {retry_after} s")
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class SignInRules:
    hash_cost: int = 15
    idle_timeout: timedelta = timedelta(minutes=30)
    max_age: timedelta = timedelta(hours=12)
    lockout_failures: int = 5
    lockout: timedelta = timedelta(minutes=1)
    address_failures: int = 30


def normal_email(email: str) -> str:
    value = email.strip().lower()
    if not EMAIL.match(value):
        raise InvalidInput("email: not an email address")
    return value


def check_password_rules(password: str) -> None:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InvalidInput(f"password: use {MIN_PASSWORD} to {MAX_PASSWORD} characters")


def check_role(role: str) -> None:
    if role not in ROLES:
        raise InvalidInput(f"role: must be one of {', '.join(ROLES)}")


class UserService:
    def __init__(self, db: Database, clock: Clock, rules: SignInRules) -> None:
        self._db = db
        self._clock = clock
        self.rules = rules
        self._hashing = asyncio.Semaphore(2)  # each hash takes tens of MiB and a core
        self._decoy: str | None = None  # checked against for unknown emails: same cost
        self._address_failures: dict[str, deque[float]] = {}

    async def _hash(self, password: str) -> str:
        async with self._hashing:
            return await asyncio.to_thread(hash_password, password, cost=self.rules.hash_cost)

    async def _check(self, password: str, stored: str) -> bool:
        async with self._hashing:
            return await asyncio.to_thread(check_password, password, stored)

    # --- accounts ------------------------------------------------------------------------------

    async def create(
        self,
        email: str,
        password: str,
        role: str,
        *,
        name: str | None = None,
        language: str | None = None,
    ) -> User:
        email = normal_email(email)
        check_password_rules(password)
        check_role(role)
        check_language(language)
        now = self._clock.now()
        values = {
            "id": secrets.token_hex(8),
            "email": email,
            "name": (name or "").strip()[:100] or None,
            "password_hash": await self._hash(password),
            "role": role,
            "language": language,
            "active": True,
            "failed_sign_ins": 0,
            "locked_until": None,
            "last_sign_in_at": None,
            "created_at": now,
            "updated_at": now,
        }
        async with self._db.begin() as conn:
            await repo.insert(conn, values)  # AlreadyExists for a taken email
        return User.from_row(values)

    async def get(self, user_id: str) -> User:
        async with self._db.connect() as conn:
            row = await repo.get(conn, user_id)
        if row is None:
            raise NotFound(f"user {user_id!r} does not exist")
        return User.from_row(row)

    async def list(self) -> builtins.list[User]:
        async with self._db.connect() as conn:
            rows = await repo.list_all(conn)
        return [User.from_row(row) for row in rows]

    async def count(self) -> int:
        async with self._db.connect() as conn:
            return await repo.count(conn)

    async def update(self, user_id: str, **fields: Any) -> User:
        """Change `name`, `role`, `language` or `active`; disabling ends the user's sessions."""
        unknown = set(fields) - {"name", "role", "language", "active"}
        if unknown:
            raise InvalidInput(f"unknown user fields: {', '.join(sorted(unknown))}")
        if "role" in fields:
            check_role(fields["role"])
        if "language" in fields:
            check_language(fields["language"])
        async with self._db.begin() as conn:
            changed = await repo.update(conn, user_id, {**fields, "updated_at": self._clock.now()})
            if not changed:
                raise NotFound(f"user {user_id!r} does not exist")
            if fields.get("active") is False:
                await repo.delete_sessions_of(conn, user_id)
        return await self.get(user_id)

    async def verify_password(self, user_id: str, password: str) -> bool:
        """Whether `password` is the user's (to confirm a change; no session is made)."""
        async with self._db.connect() as conn:
            row = await repo.get(conn, user_id)
        return row is not None and await self._check(password, row["password_hash"])

    async def set_password(self, user_id: str, password: str) -> None:
        """A new password; every session of the user ends (sign in again with the new one)."""
        check_password_rules(password)
        hashed = await self._hash(password)
        async with self._db.begin() as conn:
            changed = await repo.update(
                conn,
                user_id,
                {
                    "password_hash": hashed,
                    "failed_sign_ins": 0,
                    "locked_until": None,
                    "updated_at": self._clock.now(),
                },
            )
            if not changed:
                raise NotFound(f"user {user_id!r} does not exist")
            await repo.delete_sessions_of(conn, user_id)

    # --- signing in ----------------------------------------------------------------------------

    def _address_blocked(self, address: str | None) -> int:
        """Seconds until `address` may try again (0: it may now)."""
        if address is None:
            return 0
        failures = self._address_failures.get(address)
        if not failures:
            return 0
        now = time.monotonic()
        while failures and now - failures[0] > ADDRESS_WINDOW:
            failures.popleft()
        if len(failures) < self.rules.address_failures:
            return 0
        return max(int(ADDRESS_WINDOW - (now - failures[0])) + 1, 1)

    def _address_failed(self, address: str | None) -> None:
        if address is None:
            return
        if len(self._address_failures) >= MAX_ADDRESSES:
            self._address_failures.clear()
        self._address_failures.setdefault(address, deque()).append(time.monotonic())

    async def sign_in(
        self,
        email: str,
        password: str,
        *,
        address: str | None = None,
        user_agent: str | None = None,
    ) -> tuple[User, str]:
        """The user and a new session token; SignInRefused (or SignInThrottled) otherwise."""
        wait = self._address_blocked(address)
        if wait:
            raise SignInThrottled(wait)
        try:
            email = normal_email(email)
        except InvalidInput:
            self._address_failed(address)
            raise SignInRefused("wrong email or password") from None
        async with self._db.connect() as conn:
            row = await repo.by_email(conn, email)
        now = self._clock.now()
        if row is None:
            if self._decoy is None:
                self._decoy = await self._hash(secrets.token_hex(16))
            await self._check(password, self._decoy)  # the same time as a known email takes
            self._address_failed(address)
            raise SignInRefused("wrong email or password")
        user = User.from_row(row)
        if user.locked_until is not None and user.locked_until > now:
            raise SignInThrottled(max(int((user.locked_until - now).total_seconds()) + 1, 1))
        if not await self._check(password, row["password_hash"]) or not user.active:
            self._address_failed(address)
            await self._failed(user, now)
            raise SignInRefused("wrong email or password")
        token = secrets.token_urlsafe(32)
        async with self._db.begin() as conn:
            await repo.update(
                conn,
                user.id,
                {"failed_sign_ins": 0, "locked_until": None, "last_sign_in_at": now},
            )
            await repo.add_session(
                conn,
                {
                    "id": session_id_of(token),
                    "user_id": user.id,
                    "created_at": now,
                    "last_seen_at": now,
                    "address": (address or "")[:64] or None,
                    "user_agent": (user_agent or "")[:200] or None,
                },
            )
        return await self.get(user.id), token

    async def _failed(self, user: User, now: datetime) -> None:
        failures = user.failed_sign_ins + 1
        values: dict[str, Any] = {"failed_sign_ins": failures}
        beyond = failures - self.rules.lockout_failures
        if beyond >= 0:
            values["locked_until"] = now + min(self.rules.lockout * 2**beyond, LONGEST_LOCK)
        async with self._db.begin() as conn:
            await repo.update(conn, user.id, values)

    async def session(self, token: str) -> SignedIn | None:
        """The live session a cookie's token stands for, or None (unknown, idle, too old)."""
        if not token or len(token) > 100:
            return None
        session_id = session_id_of(token)
        async with self._db.connect() as conn:
            row = await repo.session_with_user(conn, session_id)
        if row is None:
            return None
        now = self._clock.now()
        user = User.from_row(row, prefix="user_")
        expired = (
            not user.active
            or now - row["last_seen_at"] > self.rules.idle_timeout
            or now - row["created_at"] > self.rules.max_age
        )
        if expired:
            async with self._db.begin() as conn:
                await repo.delete_session(conn, session_id)
            return None
        if now - row["last_seen_at"] > TOUCH_EVERY:
            async with self._db.begin() as conn:
                await repo.touch_session(conn, session_id, now)
        return SignedIn(session_id, user, row["created_at"], row["last_seen_at"])

    async def sign_out(self, session_id: str) -> None:
        async with self._db.begin() as conn:
            await repo.delete_session(conn, session_id)

    async def sign_out_everywhere(self, user_id: str) -> int:
        """End every session of the user; how many there were."""
        async with self._db.begin() as conn:
            return await repo.delete_sessions_of(conn, user_id)

    async def sessions(self, user_id: str) -> builtins.list[SessionRecord]:
        async with self._db.connect() as conn:
            rows = await repo.sessions_of(conn, user_id)
        return [SessionRecord.from_row(row) for row in rows]

    async def forget_idle_sessions(self) -> int:
        """Delete sessions idle past the timeout (they would be refused anyway)."""
        before = self._clock.now() - self.rules.idle_timeout
        async with self._db.begin() as conn:
            return await repo.delete_sessions_idle_since(conn, before)
