"""`steppe keys create | list | revoke`: API keys managed from a shell on the server."""

from __future__ import annotations

from collections.abc import Callable

from steppe.config import Settings
from steppe.domain.keys.service import KeyService
from steppe.domain.ports import SystemClock
from steppe.errors import SteppeError
from steppe.storage import migrator
from steppe.storage.db import Database

Print = Callable[[str], None]


async def run(
    settings: Settings,
    action: str,
    *,
    name: str | None = None,
    role: str | None = None,
    key_id: str | None = None,
    include_revoked: bool = False,
    out: Print = print,
    err: Print = print,
) -> int:
    """Do `action` on the database of `settings`; the exit status."""
    db = Database(settings.database_url)
    try:
        await migrator.upgrade(db.engine)
        keys = KeyService(db, SystemClock())
        if action == "create":
            assert name is not None and role is not None
            key, secret = await keys.create(name, role, created_by="cli")
            out(f"id:   {key.id}\nname: {key.name}\nrole: {key.role}")
            out(f"key:  {secret}")
            out("keep the key now: Steppe stores only its hash and cannot show it again")
        elif action == "list":
            for key in await keys.list(include_revoked=include_revoked):
                used = key.last_used_at.isoformat() if key.last_used_at else "never"
                state = f" revoked {key.revoked_at.isoformat()}" if key.revoked_at else ""
                out(f"{key.id}  {key.role:<8}  {key.name}  (last used {used}){state}")
        else:
            assert key_id is not None
            await keys.revoke(key_id)
            out(f"revoked {key_id}")
    except SteppeError as exc:
        err(f"steppe keys: {exc}")
        return 1
    finally:
        await db.close()
    return 0
