"""A driver's own data: all of it to download, and the account deleted on request.

Deleting an account deletes its sessions, cars, start requests, queued mail and its id tokens
(chargers refuse them from then on). The transactions its tokens made stay, as billing law needs
them, but carry an anonymised token instead (`ANON-` and random characters, one per deleted
account, so its charges still add up together without naming anyone), in their rows and in
their CDRs.
"""

from __future__ import annotations

import secrets
from typing import Any

from steppe.domain.drivers.models import Account
from steppe.domain.ports import Clock
from steppe.storage.db import Database
from steppe.storage.repositories import cdrs as cdrs_repo
from steppe.storage.repositories import drivers as repo
from steppe.storage.repositories import id_tokens as id_tokens_repo
from steppe.storage.repositories import transactions as transactions_repo

EXPORT_SESSIONS = 10_000


def anonymous_token() -> str:
    return "ANON-" + secrets.token_hex(6).upper()


def _when(value: Any) -> str | None:
    return None if value is None else value.isoformat()


class DriverData:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def export(self, account: Account) -> dict[str, Any]:
        """Everything Steppe keeps about the account, as JSON-ready data."""
        async with self._db.connect() as conn:
            row = await repo.get(conn, account.id)
            tokens = await repo.tokens_of(conn, account.id)
            vehicles = await repo.vehicles_of(conn, account.id)
            starts = await repo.starts_of(conn, account.id)
            sessions = await repo.transactions_of(
                conn, [t["id_token"] for t in tokens], limit=EXPORT_SESSIONS
            )
            costs = await cdrs_repo.totals_of(conn, [int(s["id"]) for s in sessions])
        assert row is not None
        return {
            "exported_at": self._clock.now().isoformat(),
            "account": {
                "email": row["email"],
                "status": row["status"],
                "language": row["language"],
                "created_at": _when(row["created_at"]),
                "confirmed_at": _when(row["confirmed_at"]),
            },
            "id_tokens": [
                {
                    "id_token": t["id_token"],
                    "kind": t["kind"],
                    "label": t["label"],
                    "created_at": _when(t["created_at"]),
                }
                for t in tokens
            ],
            "vehicles": [
                {
                    "vehicle_id": v["vehicle_id"],
                    "label": v["label"],
                    "added_at": _when(v["created_at"]),
                }
                for v in vehicles
            ],
            "starts": [
                {
                    "station_id": s["station_id"],
                    "evse_id": s["evse_id"],
                    "status": s["status"],
                    "requested_at": _when(s["requested_at"]),
                }
                for s in starts
            ],
            "sessions": [
                {
                    "station_id": s["station_id"],
                    "evse_id": s["evse_id"],
                    "id_token": s["id_token"],
                    "status": s["status"],
                    "started_at": _when(s["started_at"]),
                    "stopped_at": _when(s["stopped_at"]),
                    "energy_wh": s["energy_wh"],
                    "cost": None
                    if int(s["id"]) not in costs
                    else {
                        "currency": costs[int(s["id"])][0],
                        "excl_vat": str(costs[int(s["id"])][1]),
                        "incl_vat": str(costs[int(s["id"])][2]),
                    },
                }
                for s in sessions
            ],
        }

    async def delete(self, account: Account) -> str:
        """Delete the account; its transactions keep the anonymised token returned."""
        anonymous = anonymous_token()
        async with self._db.begin() as conn:
            tokens = [t["id_token"] for t in await repo.tokens_of(conn, account.id)]
            pks = await transactions_repo.replace_tokens(conn, tokens, anonymous)
            await cdrs_repo.replace_token(conn, pks, anonymous)
            for token in tokens:
                await id_tokens_repo.delete(conn, token)
            await repo.delete(conn, account.id)
        return anonymous
