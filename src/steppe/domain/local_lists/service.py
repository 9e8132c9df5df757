"""Local authorization lists built from Steppe's id tokens.

Steppe manages the list of each station it is asked to (`manage`): the list holds every id token
with its status, expiry and group. What a station holds is kept as Steppe last got it accepted
(entries and version), so an update can be differential: only the tokens added, changed or
removed since. The service records what the `send-local-list` and `get-local-list-version`
commands do (their `CommandRecorder`), so a raw command keeps the state right too; the
synchronisation itself (`LocalListSync`) sends those commands.
"""

from __future__ import annotations

from typing import Any

from steppe.domain.commands.models import CommandParams, GetLocalListVersion, SendLocalList
from steppe.domain.local_lists.models import STATION_ANSWERS, ListEntry, ListState, LocalList
from steppe.domain.ports import Clock
from steppe.domain.tokens.service import TokenService
from steppe.errors import NotFound, SteppeError
from steppe.storage.db import Database
from steppe.storage.repositories import local_lists as repo

FULL = "Full"
DIFFERENTIAL = "Differential"
PAGE = 1000


def version_in(response: dict[str, Any]) -> int | None:
    """The list version in a GetLocalListVersion answer (1.6 listVersion, 2.0.1 versionNumber)."""
    value = response.get("listVersion", response.get("versionNumber"))
    return value if isinstance(value, int) else None


class LocalListService:
    commands = frozenset({"send-local-list", "get-local-list-version"})

    def __init__(self, db: Database, clock: Clock, tokens: TokenService) -> None:
        self._db = db
        self._clock = clock
        self._tokens = tokens

    # --- which stations ----------------------------------------------------------------------

    async def manage(self, station_id: str) -> LocalList:
        """Keep this station's list from now on (an empty list at version 0 to begin with)."""
        async with self._db.begin() as conn:
            if await repo.get(conn, station_id) is None:
                await repo.insert(
                    conn,
                    {
                        "station_id": station_id,
                        "version": 0,
                        "status": ListState.PENDING.value,
                        "updated_at": self._clock.now(),
                    },
                )
        return await self.get(station_id)

    async def forget(self, station_id: str) -> None:
        async with self._db.begin() as conn:
            if not await repo.remove(conn, station_id):
                raise NotFound(f"Steppe does not manage the local list of {station_id!r}")

    async def managed(self) -> list[str]:
        async with self._db.connect() as conn:
            return await repo.station_ids(conn)

    async def get(self, station_id: str) -> LocalList:
        async with self._db.connect() as conn:
            row = await repo.get(conn, station_id)
            if row is None:
                raise NotFound(f"Steppe does not manage the local list of {station_id!r}")
            count = await repo.count_entries(conn, station_id)
        return LocalList.from_row(row, count)

    async def entries(self, station_id: str) -> list[ListEntry]:
        async with self._db.connect() as conn:
            rows = await repo.entries(conn, station_id)
        return [ListEntry.from_row(row) for row in rows]

    # --- what the list should be, and the updates that make it so ----------------------------

    async def wanted(self) -> dict[str, ListEntry]:
        """Every id token as a list entry: its type, status, expiry and group."""
        wanted: dict[str, ListEntry] = {}
        after: str | None = None
        while True:
            tokens = await self._tokens.list(after=after, limit=PAGE)
            for token in tokens:
                wanted[token.id_token] = ListEntry(
                    token.id_token,
                    token.type,
                    token.status.value,
                    token.expires_at,
                    token.parent_id_token,
                )
            if len(tokens) < PAGE:
                return wanted
            after = tokens[-1].id_token

    async def plan(self, station_id: str, *, full: bool, chunk: int) -> list[SendLocalList]:
        """The SendLocalList messages that bring the station's list to what it should be, each
        with the next version: a full update (in chunks: the first Full, the rest
        Differential), or only what changed; none when nothing did."""
        state = await self.get(station_id)
        wanted = await self.wanted()
        version = state.version
        if full:
            entries = [wanted[key].as_params() for key in sorted(wanted)]
            chunks = [entries[i : i + chunk] for i in range(0, len(entries), chunk)] or [[]]
            kinds = [FULL] + [DIFFERENTIAL] * (len(chunks) - 1)
        else:
            held = {entry.id_token: entry for entry in await self.entries(station_id)}
            changed = [wanted[k].as_params() for k in sorted(wanted) if held.get(k) != wanted[k]]
            removed = [
                held[k].as_params().model_copy(update={"status": None, "expires_at": None})
                for k in sorted(set(held) - set(wanted))
            ]
            entries = changed + removed
            chunks = [entries[i : i + chunk] for i in range(0, len(entries), chunk)]
            kinds = [DIFFERENTIAL] * len(chunks)
        return [
            SendLocalList(version=version + n, update_type=kind, entries=part)
            for n, (kind, part) in enumerate(zip(kinds, chunks, strict=True), start=1)
        ]

    # --- what the commands do (CommandRecorder) ----------------------------------------------

    async def sending(self, station_id: str, command: str, params: CommandParams) -> None:
        if isinstance(params, SendLocalList):
            await self.manage(station_id)

    async def answered(
        self,
        station_id: str,
        command: str,
        params: CommandParams,
        status: str,
        response: dict[str, Any],
    ) -> None:
        now = self._clock.now()
        if isinstance(params, GetLocalListVersion):
            async with self._db.begin() as conn:
                if await repo.get(conn, station_id) is not None:
                    await repo.update(
                        conn,
                        station_id,
                        {"station_version": version_in(response), "updated_at": now},
                    )
            return
        if not isinstance(params, SendLocalList):
            return
        state = STATION_ANSWERS.get(status, ListState.FAILED)
        async with self._db.begin() as conn:
            if state is not ListState.IN_SYNC:
                await repo.update(
                    conn,
                    station_id,
                    {"status": state.value, "last_error": status, "updated_at": now},
                )
                return
            rows = [_row(station_id, entry, now) for entry in params.entries if entry.status]
            if params.update_type == FULL:
                await repo.replace_entries(conn, station_id, rows)
            else:
                removals = [entry.id_token for entry in params.entries if not entry.status]
                await repo.change_entries(conn, station_id, rows, removals)
            await repo.update(
                conn,
                station_id,
                {
                    "version": params.version,
                    "station_version": params.version,
                    "status": ListState.IN_SYNC.value,
                    "last_error": None,
                    "synced_at": now,
                    "updated_at": now,
                },
            )

    async def failed(
        self, station_id: str, command: str, params: CommandParams, error: SteppeError
    ) -> None:
        if not isinstance(params, SendLocalList):
            return
        async with self._db.begin() as conn:
            await repo.update(
                conn,
                station_id,
                {
                    "status": ListState.FAILED.value,
                    "last_error": str(error)[:500],
                    "updated_at": self._clock.now(),
                },
            )


def _row(station_id: str, entry: Any, now: Any) -> dict[str, Any]:
    return ListEntry(
        entry.id_token,
        entry.id_token_type or "Central",
        entry.status,
        entry.expires_at,
        entry.parent_id_token,
    ).as_row(station_id, now)
