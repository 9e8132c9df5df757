"""`steppe users create | list | password`: staff accounts managed from a shell on the server."""

from __future__ import annotations

from collections.abc import Callable

from steppe.app.parts import sign_in_rules
from steppe.config import Settings
from steppe.domain.audit.service import AuditTrail
from steppe.domain.ports import SystemClock
from steppe.domain.users.service import UserService
from steppe.errors import NotFound, SteppeError
from steppe.storage import migrator
from steppe.storage.db import Database

Print = Callable[[str], None]


async def run(
    settings: Settings,
    action: str,
    *,
    email: str | None = None,
    password: str | None = None,
    role: str | None = None,
    name: str | None = None,
    language: str | None = None,
    out: Print = print,
    err: Print = print,
) -> int:
    """Do `action` on the database of `settings`; the exit status."""
    db = Database(settings.database_url)
    try:
        await migrator.upgrade(db.engine)
        clock = SystemClock()
        users = UserService(db, clock, sign_in_rules(settings))
        audit = AuditTrail(db, clock)
        if action == "create":
            assert email is not None and password is not None and role is not None
            user = await users.create(email, password, role, name=name, language=language)
            await audit.record(
                "cli", "user.create", target=f"user {user.email}", details={"role": user.role}
            )
            out(f"created {user.role} {user.email} (id {user.id})")
            out("sign in at /console/ on the HTTP port")
        elif action == "password":
            assert email is not None and password is not None
            found = [u for u in await users.list() if u.email == email.strip().lower()]
            if not found:
                raise NotFound(f"no user {email!r}")
            await users.set_password(found[0].id, password)
            await audit.record("cli", "user.password", target=f"user {found[0].email}")
            out(f"password of {found[0].email} changed; their sessions ended")
        else:
            for user in await users.list():
                state = "" if user.active else "  (disabled)"
                out(f"{user.email:<40} {user.role:<8} {user.name or ''}{state}")
    except SteppeError as exc:  # a taken email, a short password, an unknown user
        err(f"steppe users: {exc}")
        return 1
    finally:
        await db.close()
    return 0
