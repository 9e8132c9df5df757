"""OCPI partners and the tokens they pushed to us."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from steppe.storage.tables.roaming import ocpi_client_info, ocpi_outbox, ocpi_partners, ocpi_tokens


def _insert(conn: AsyncConnection) -> Any:
    return postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert


async def insert(conn: AsyncConnection, values: Mapping[str, Any]) -> None:
    await conn.execute(ocpi_partners.insert().values(**values))


async def get(conn: AsyncConnection, partner_id: str) -> RowMapping | None:
    query = select(ocpi_partners).where(ocpi_partners.c.id == partner_id)
    return (await conn.execute(query)).mappings().first()


async def by_token(conn: AsyncConnection, digest: str) -> tuple[RowMapping | None, bool]:
    """The partner calling with this token (by its digest), and whether it is its token A."""
    p = ocpi_partners.c
    found = (await conn.execute(select(ocpi_partners).where(p.token_in_digest == digest))).first()
    if found is not None:
        return found._mapping, False
    query = select(ocpi_partners).where(p.token_a_digest == digest)
    row = (await conn.execute(query)).mappings().first()
    return row, row is not None


async def list_all(conn: AsyncConnection) -> Sequence[RowMapping]:
    query = select(ocpi_partners).order_by(ocpi_partners.c.created_at, ocpi_partners.c.id)
    return (await conn.execute(query)).mappings().all()


async def update(conn: AsyncConnection, partner_id: str, values: Mapping[str, Any]) -> int:
    result = await conn.execute(
        ocpi_partners.update().where(ocpi_partners.c.id == partner_id).values(**values)
    )
    return int(result.rowcount)


async def queue_sizes(conn: AsyncConnection) -> dict[str, int]:
    query = select(ocpi_outbox.c.partner_id, func.count()).group_by(ocpi_outbox.c.partner_id)
    return {str(pid): int(n) for pid, n in (await conn.execute(query)).all()}


async def put_token(conn: AsyncConnection, values: Mapping[str, Any]) -> None:
    """Insert or replace a partner's token (keyed by country, party, uid and type)."""
    key = ("country_code", "party_id", "uid", "type")
    statement = _insert(conn)(ocpi_tokens).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=list(key), set_={k: statement.excluded[k] for k in values if k not in key}
    )
    await conn.execute(statement)


async def get_token(
    conn: AsyncConnection, country_code: str, party_id: str, uid: str, type_: str
) -> RowMapping | None:
    t = ocpi_tokens.c
    query = select(ocpi_tokens).where(
        (t.country_code == country_code)
        & (t.party_id == party_id)
        & (t.uid == uid)
        & (t.type == type_)
    )
    return (await conn.execute(query)).mappings().first()


async def tokens_by_uid(conn: AsyncConnection, uid: str) -> Sequence[RowMapping]:
    query = select(ocpi_tokens).where(ocpi_tokens.c.uid == uid).order_by(ocpi_tokens.c.last_updated)
    return (await conn.execute(query)).mappings().all()


async def count_tokens(conn: AsyncConnection, partner_id: str) -> int:
    query = select(func.count()).where(ocpi_tokens.c.partner_id == partner_id)
    return int((await conn.execute(query)).scalar_one())


async def put_client_info(conn: AsyncConnection, values: Mapping[str, Any]) -> None:
    key = ("country_code", "party_id")
    statement = _insert(conn)(ocpi_client_info).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=list(key), set_={k: statement.excluded[k] for k in values if k not in key}
    )
    await conn.execute(statement)


async def get_client_info(
    conn: AsyncConnection, country_code: str, party_id: str
) -> RowMapping | None:
    c = ocpi_client_info.c
    query = select(ocpi_client_info).where(
        (c.country_code == country_code) & (c.party_id == party_id)
    )
    return (await conn.execute(query)).mappings().first()
