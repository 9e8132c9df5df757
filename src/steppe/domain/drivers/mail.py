"""Mail to drivers: queued in the commit of what it tells, sent by a worker that survives
restarts (an outbox, as pricing is).

A confirmation link is queued in the same commit as the account it confirms, a receipt in the
same commit that notes its CDR as receipted; `MailOutbox.run` sends what is due through the
`Mailer` (SMTP when `STEPPE_SMTP_HOST` is set, else the log) and marks it sent, or counts the
failure and tries again later (1 min, 5 min, 30 min, then every 2 hours, 8 attempts in all).
A sent mail keeps its row as a record, without its body.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta
from typing import Protocol

from steppe.domain.drivers.models import Letter, Mail, MailKind
from steppe.domain.ports import Clock
from steppe.storage.db import Connection, Database, is_outage
from steppe.storage.repositories import driver_mail as repo

log = logging.getLogger("steppe.mail")
PAGE = 50
POLL_S = 60.0
RETRY_AFTER_S = (60.0, 300.0, 1800.0, 7200.0)
MAX_ATTEMPTS = 8
# Links asked for by anyone (sign-up, reset) reach one address at most this often an hour, so the
# forms cannot be used to flood someone's mailbox; receipts are not counted against it.
MAX_LINKS_PER_HOUR = 5


class Mailer(Protocol):
    """Delivers one mail (the composition root picks SMTP or the log). Raises on failure."""

    async def send(self, to_address: str, letter: Letter) -> None: ...


class MailOutbox:
    """Queues mail inside a caller's commit and sends it afterwards; `run` is a background task."""

    def __init__(self, db: Database, clock: Clock, mailer: Mailer) -> None:
        self._db = db
        self._clock = clock
        self._mailer = mailer
        self._wake: asyncio.Event | None = None

    async def queue(
        self,
        conn: Connection,
        *,
        account_id: str | None,
        to_address: str,
        kind: MailKind,
        letter: Letter,
    ) -> int:
        """Add a mail in the caller's transaction; `wake()` once it is committed."""
        now = self._clock.now()
        return await repo.add(
            conn,
            {
                "account_id": account_id,
                "to_address": to_address,
                "kind": kind.value,
                "subject": letter.subject[:200],
                "body": letter.text,
                "html": letter.html,
                "created_at": now,
                "due_at": now,
                "attempts": 0,
            },
        )

    async def may_send_link(self, conn: Connection, to_address: str) -> bool:
        """Whether another link may be mailed to this address now (see MAX_LINKS_PER_HOUR)."""
        since = self._clock.now() - timedelta(hours=1)
        return await repo.count_to(conn, to_address, since=since) < MAX_LINKS_PER_HOUR

    def wake(self) -> None:
        """Tell the worker there is mail (where no worker runs, `drain` sends it)."""
        if self._wake is not None:
            self._wake.set()

    async def run(self) -> None:
        wake = self._wake = asyncio.Event()
        try:
            while True:
                wake.clear()
                try:
                    more = await self.drain()
                    pause = 0.0 if more else await self._idle_for()
                except Exception as exc:
                    if is_outage(exc):
                        log.warning("mail paused, the database is away: %s", exc)
                    else:
                        log.exception("the mail outbox could not be read")
                    pause = 5.0
                if pause > 0:
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(pause):
                            await wake.wait()
        finally:
            self._wake = None

    async def drain(self) -> bool:
        """Send one page of due mail; True when a whole page was due."""
        async with self._db.connect() as conn:
            rows = await repo.due(conn, now=self._clock.now(), limit=PAGE)
        for row in rows:
            mail = Mail(
                id=int(row["id"]),
                to_address=row["to_address"],
                kind=MailKind(row["kind"]),
                letter=Letter(row["subject"], row["body"], row["html"]),
                attempts=int(row["attempts"]),
            )
            await self._send(mail)
        return len(rows) == PAGE

    async def _send(self, mail: Mail) -> None:
        try:
            await self._mailer.send(mail.to_address, mail.letter)
        except Exception as exc:
            attempts = mail.attempts + 1
            if attempts >= MAX_ATTEMPTS:
                log.error(
                    "mail %d (%s) given up after %d attempts: %s", mail.id, mail.kind, attempts, exc
                )
                due: datetime = self._clock.now() + timedelta(days=3650)
            else:
                wait = RETRY_AFTER_S[min(attempts, len(RETRY_AFTER_S)) - 1]
                log.warning(
                    "mail %d (%s) not sent (attempt %d), again in %g s: %s",
                    mail.id,
                    mail.kind,
                    attempts,
                    wait,
                    exc,
                )
                due = self._clock.now() + timedelta(seconds=wait)
            async with self._db.begin() as conn:
                await repo.postpone(conn, mail.id, attempts=attempts, due_at=due, error=str(exc))
            return
        async with self._db.begin() as conn:
            await repo.mark_sent(conn, mail.id, self._clock.now())

    async def _idle_for(self) -> float:
        async with self._db.connect() as conn:
            due_at = await repo.next_due(conn)
        if due_at is None:
            return POLL_S
        return min(POLL_S, max(0.0, (due_at - self._clock.now()).total_seconds()))
