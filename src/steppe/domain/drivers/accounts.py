"""Driver accounts: sign up, confirm the address, sign in, keep a session, reset a password.

Drivers are not staff: their accounts, sessions and rules are their own (`driver_*` tables).
Passwords are scrypt hashes (memory-hard, N = 2^cost); a session is a random token in a cookie
of which the database keeps only the SHA-256; confirmation and reset links carry a random token
mailed once and kept only as its SHA-256, valid for `link_valid`.

Sign-up never says whether an address already has an account: either way the answer is "look
in your mail", and the mail to an existing account says so and offers sign-in and a reset.
Confirming the address activates the account and gives it its app token, an id token chargers
accept (`id_tokens`), which the phone's remote starts carry.
"""

from __future__ import annotations

import asyncio
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from steppe.domain.drivers.letters import Letters
from steppe.domain.drivers.mail import MailOutbox
from steppe.domain.drivers.models import (
    Account,
    AccountStatus,
    MailKind,
    SignedInDriver,
    TokenKind,
)
from steppe.domain.languages import check_language
from steppe.domain.ports import Clock
from steppe.domain.secrets import digest
from steppe.domain.stations.passwords import check_password, hash_password
from steppe.domain.tokens.models import TokenStatus
from steppe.errors import Forbidden, InvalidInput, NotFound
from steppe.storage.db import Database
from steppe.storage.repositories import drivers as repo
from steppe.storage.repositories import id_tokens as id_tokens_repo

EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+$")
MIN_PASSWORD = 10
MAX_PASSWORD = 256
TOUCH_EVERY = timedelta(minutes=5)
LONGEST_LOCK = timedelta(hours=1)
APP_TOKEN_PREFIX = "APP"  # noqa: S105 - an id token prefix, not a secret
APP_TOKEN_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # noqa: S105 - no look-alike letters


class DriverSignInRefused(Forbidden):
    """Wrong email or password (the message does not say which)."""


class DriverSignInThrottled(DriverSignInRefused):
    """Too many wrong passwords for this account: wait `retry_after` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed sign-ins; try again in {retry_after} s")
        self.retry_after = retry_after


class LinkExpired(InvalidInput):
    """A confirmation or reset link that is unknown, used already or too old."""


@dataclass(frozen=True, slots=True)
class DriverRules:
    hash_cost: int = 15
    session_idle: timedelta = timedelta(days=30)
    session_max_age: timedelta = timedelta(days=180)
    link_valid: timedelta = timedelta(hours=24)
    lockout_failures: int = 5
    lockout: timedelta = timedelta(minutes=1)


def normal_email(email: str) -> str:
    value = email.strip().lower()
    if len(value) > 254 or not EMAIL.match(value):
        raise InvalidInput("email: not an email address")
    return value


def check_password_rules(password: str) -> None:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InvalidInput(f"password: use {MIN_PASSWORD} to {MAX_PASSWORD} characters")


def new_app_token() -> str:
    """`APP` and 12 characters that cannot be misread: 15 in all, within 1.6's 20."""
    return APP_TOKEN_PREFIX + "".join(secrets.choice(APP_TOKEN_ALPHABET) for _ in range(12))


def token_status(status: AccountStatus) -> TokenStatus:
    """What chargers are told about an account's tokens."""
    return TokenStatus.ACCEPTED if status is AccountStatus.ACTIVE else TokenStatus.BLOCKED


class DriverAccounts:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        mail: MailOutbox,
        letters: Letters,
        rules: DriverRules,
    ) -> None:
        self._db = db
        self._clock = clock
        self._mail = mail
        self._letters = letters
        self.rules = rules
        self._hashing = asyncio.Semaphore(2)  # each hash takes tens of MiB and a core
        self._decoy: str | None = None

    async def _hash(self, password: str) -> str:
        async with self._hashing:
            return await asyncio.to_thread(hash_password, password, cost=self.rules.hash_cost)

    async def _check(self, password: str, stored: str) -> bool:
        async with self._hashing:
            return await asyncio.to_thread(check_password, password, stored)

    def _link(self) -> tuple[str, str, datetime]:
        token = secrets.token_urlsafe(32)
        return token, digest(token), self._clock.now() + self.rules.link_valid

    # --- signing up and confirming -------------------------------------------------------------

    async def sign_up(
        self, email: str, password: str, *, language: str | None, base_url: str
    ) -> None:
        """Make an unconfirmed account and mail its confirmation link; for an address that has
        an account, mail that account instead. The caller cannot tell which happened."""
        email = normal_email(email)
        check_password_rules(password)
        check_language(language)
        base = base_url.rstrip("/")
        hashed = await self._hash(password)
        now = self._clock.now()
        async with self._db.begin() as conn:
            existing = await repo.by_email(conn, email)
            if not await self._mail.may_send_link(conn, email):
                return  # the answer is the same; the address gets no more mail this hour
            if existing is not None:
                letter = self._letters.already_registered(
                    existing["language"] or language,
                    f"{base}/account/sign-in",
                    f"{base}/account/reset",
                )
                await self._mail.queue(
                    conn,
                    account_id=existing["id"],
                    to_address=email,
                    kind=MailKind.EXISTS,
                    letter=letter,
                )
            else:
                token, hashed_link, expires = self._link()
                account_id = secrets.token_hex(8)
                await repo.insert(
                    conn,
                    {
                        "id": account_id,
                        "email": email,
                        "password_hash": hashed,
                        "status": AccountStatus.UNCONFIRMED.value,
                        "language": language,
                        "failed_sign_ins": 0,
                        "confirm_hash": hashed_link,
                        "confirm_expires_at": expires,
                        "created_at": now,
                        "updated_at": now,
                    },
                )
                letter = self._letters.confirmation(
                    language, f"{base}/account/confirm?token={token}"
                )
                await self._mail.queue(
                    conn,
                    account_id=account_id,
                    to_address=email,
                    kind=MailKind.CONFIRM,
                    letter=letter,
                )
        self._mail.wake()

    async def resend_confirmation(self, account_id: str, *, base_url: str) -> None:
        """A new confirmation link for an unconfirmed account (the old one stops working)."""
        token, hashed_link, expires = self._link()
        async with self._db.begin() as conn:
            row = await repo.get(conn, account_id)
            if row is None:
                raise NotFound("no such account")
            if row["status"] != AccountStatus.UNCONFIRMED.value:
                return
            if not await self._mail.may_send_link(conn, row["email"]):
                return
            await repo.update(
                conn, account_id, {"confirm_hash": hashed_link, "confirm_expires_at": expires}
            )
            letter = self._letters.confirmation(
                row["language"], f"{base_url.rstrip('/')}/account/confirm?token={token}"
            )
            await self._mail.queue(
                conn,
                account_id=account_id,
                to_address=row["email"],
                kind=MailKind.CONFIRM,
                letter=letter,
            )
        self._mail.wake()

    async def confirm(self, token: str) -> Account:
        """Confirm the address the link was mailed to: the account becomes active and gets its
        app token. LinkExpired for an unknown, used or old link."""
        if not token or len(token) > 100:
            raise LinkExpired("this link is not valid")
        now = self._clock.now()
        async with self._db.begin() as conn:
            row = await repo.by_link(conn, "confirm_hash", digest(token))
            if row is None or row["confirm_expires_at"] is None or row["confirm_expires_at"] < now:
                raise LinkExpired("this link has expired or was used already")
            values: dict[str, Any] = {
                "confirm_hash": None,
                "confirm_expires_at": None,
                "confirmed_at": now,
                "updated_at": now,
            }
            if row["status"] == AccountStatus.UNCONFIRMED.value:
                values["status"] = AccountStatus.ACTIVE.value
            await repo.update(conn, row["id"], values)
            if not await repo.tokens_of(conn, row["id"]):
                status = AccountStatus(values.get("status", row["status"]))
                await self._add_app_token(conn, row["id"], token_status(status), now)
        return await self.get(row["id"])

    async def _add_app_token(
        self, conn: Any, account_id: str, status: TokenStatus, now: datetime
    ) -> str:
        app_token = new_app_token()
        await id_tokens_repo.insert(
            conn,
            {
                "id_token": app_token,
                "type": "Central",
                "status": status.value,
                "created_at": now,
                "updated_at": now,
            },
        )
        await repo.add_token(
            conn,
            {
                "id_token": app_token,
                "account_id": account_id,
                "kind": TokenKind.APP.value,
                "label": None,
                "created_at": now,
            },
        )
        return app_token

    # --- signing in ----------------------------------------------------------------------------

    async def sign_in(
        self, email: str, password: str, *, user_agent: str | None = None
    ) -> tuple[Account, str]:
        """The account and a new session token; DriverSignInRefused otherwise. Unconfirmed and
        blocked accounts sign in too (to confirm, or to see why they may not charge)."""
        try:
            email = normal_email(email)
        except InvalidInput:
            raise DriverSignInRefused("wrong email or password") from None
        async with self._db.connect() as conn:
            row = await repo.by_email(conn, email)
        now = self._clock.now()
        if row is None:
            if self._decoy is None:
                self._decoy = await self._hash(secrets.token_hex(16))
            await self._check(password, self._decoy)  # as long as a known address takes
            raise DriverSignInRefused("wrong email or password")
        account = Account.from_row(row)
        if account.locked_until is not None and account.locked_until > now:
            raise DriverSignInThrottled(
                max(int((account.locked_until - now).total_seconds()) + 1, 1)
            )
        if not await self._check(password, row["password_hash"]):
            await self._failed(account, now)
            raise DriverSignInRefused("wrong email or password")
        async with self._db.begin() as conn:
            await repo.update(conn, account.id, {"failed_sign_ins": 0, "locked_until": None})
        return await self.get(account.id), await self.start_session(account.id, user_agent)

    async def _failed(self, account: Account, now: datetime) -> None:
        failures = account.failed_sign_ins + 1
        values: dict[str, Any] = {"failed_sign_ins": failures}
        beyond = failures - self.rules.lockout_failures
        if beyond >= 0:
            values["locked_until"] = now + min(self.rules.lockout * 2**beyond, LONGEST_LOCK)
        async with self._db.begin() as conn:
            await repo.update(conn, account.id, values)

    async def start_session(self, account_id: str, user_agent: str | None = None) -> str:
        """A new session for the account; the token for its cookie."""
        token = secrets.token_urlsafe(32)
        now = self._clock.now()
        async with self._db.begin() as conn:
            await repo.add_session(
                conn,
                {
                    "id": digest(token),
                    "account_id": account_id,
                    "created_at": now,
                    "last_seen_at": now,
                    "user_agent": (user_agent or "")[:200] or None,
                },
            )
        return token

    async def session(self, token: str) -> SignedInDriver | None:
        """The live session a cookie's token stands for, or None (unknown, idle, too old)."""
        if not token or len(token) > 100:
            return None
        session_id = digest(token)
        async with self._db.connect() as conn:
            row = await repo.session_with_account(conn, session_id)
        if row is None:
            return None
        now = self._clock.now()
        if (
            now - row["session_last_seen_at"] > self.rules.session_idle
            or now - row["session_created_at"] > self.rules.session_max_age
        ):
            async with self._db.begin() as conn:
                await repo.delete_session(conn, session_id)
            return None
        if now - row["session_last_seen_at"] > TOUCH_EVERY:
            async with self._db.begin() as conn:
                await repo.touch_session(conn, session_id, now)
        return SignedInDriver(session_id, Account.from_row(row))

    async def sign_out(self, session_id: str) -> None:
        async with self._db.begin() as conn:
            await repo.delete_session(conn, session_id)

    # --- passwords -----------------------------------------------------------------------------

    async def request_reset(self, email: str, *, base_url: str) -> None:
        """Mail a reset link to the address if it has an account; nothing otherwise (the caller
        cannot tell)."""
        try:
            email = normal_email(email)
        except InvalidInput:
            return
        token, hashed_link, expires = self._link()
        async with self._db.begin() as conn:
            row = await repo.by_email(conn, email)
            if row is None or not await self._mail.may_send_link(conn, email):
                return
            await repo.update(
                conn, row["id"], {"reset_hash": hashed_link, "reset_expires_at": expires}
            )
            letter = self._letters.password_reset(
                row["language"], f"{base_url.rstrip('/')}/account/reset?token={token}"
            )
            await self._mail.queue(
                conn, account_id=row["id"], to_address=email, kind=MailKind.RESET, letter=letter
            )
        self._mail.wake()

    async def check_reset(self, token: str) -> Account:
        """The account a reset link is for; LinkExpired when it does not work."""
        async with self._db.connect() as conn:
            row = await repo.by_link(conn, "reset_hash", digest(token)) if token else None
        if (
            row is None
            or row["reset_expires_at"] is None
            or row["reset_expires_at"] < self._clock.now()
        ):
            raise LinkExpired("this link has expired or was used already")
        return Account.from_row(row)

    async def reset_password(self, token: str, password: str) -> Account:
        """Set a new password by a reset link; every session of the account ends."""
        check_password_rules(password)
        account = await self.check_reset(token)
        hashed = await self._hash(password)
        async with self._db.begin() as conn:
            await repo.update(
                conn,
                account.id,
                {
                    "password_hash": hashed,
                    "reset_hash": None,
                    "reset_expires_at": None,
                    "failed_sign_ins": 0,
                    "locked_until": None,
                    "updated_at": self._clock.now(),
                },
            )
            await repo.delete_sessions_of(conn, account.id)
        return await self.get(account.id)

    # --- the account ---------------------------------------------------------------------------

    async def get(self, account_id: str) -> Account:
        async with self._db.connect() as conn:
            row = await repo.get(conn, account_id)
        if row is None:
            raise NotFound(f"driver account {account_id!r} does not exist")
        return Account.from_row(row)

    async def list(
        self, *, after: str | None = None, limit: int = 100, status: AccountStatus | None = None
    ) -> list[Account]:
        async with self._db.connect() as conn:
            rows = await repo.list_page(
                conn, after=after, limit=limit, status=None if status is None else status.value
            )
        return [Account.from_row(row) for row in rows]

    async def verify_password(self, account_id: str, password: str) -> bool:
        """Whether `password` is the account's (to confirm a deletion; no session is made)."""
        async with self._db.connect() as conn:
            row = await repo.get(conn, account_id)
        return row is not None and await self._check(password, row["password_hash"])

    async def set_language(self, account_id: str, language: str) -> None:
        check_language(language)
        async with self._db.begin() as conn:
            await repo.update(
                conn, account_id, {"language": language, "updated_at": self._clock.now()}
            )

    async def set_blocked(self, account_id: str, blocked: bool) -> Account:
        """Block an account (its tokens are refused at every charger) or let it charge again."""
        now = self._clock.now()
        async with self._db.begin() as conn:
            row = await repo.get(conn, account_id)
            if row is None:
                raise NotFound(f"driver account {account_id!r} does not exist")
            if blocked:
                status = AccountStatus.BLOCKED
            else:
                confirmed = row["confirmed_at"] is not None
                status = AccountStatus.ACTIVE if confirmed else AccountStatus.UNCONFIRMED
            await repo.update(conn, account_id, {"status": status.value, "updated_at": now})
            for token in await repo.tokens_of(conn, account_id):
                await id_tokens_repo.update(
                    conn,
                    token["id_token"],
                    {"status": token_status(status).value, "updated_at": now},
                )
        return await self.get(account_id)
