"""Drivers' accounts for the operator: list them, block one (its tokens are refused at every
charger) or let it charge again."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel

from steppe.api.deps import Context, Operator, Viewer
from steppe.domain.drivers.models import Account, AccountStatus

router = APIRouter(prefix="/api/v1/drivers", tags=["drivers"])
AccountPath = Annotated[str, Path(max_length=32)]


class DriverOut(BaseModel):
    id: str
    email: str
    status: AccountStatus
    language: str | None
    created_at: datetime
    confirmed_at: datetime | None

    @classmethod
    def of(cls, account: Account) -> DriverOut:
        return cls(
            id=account.id,
            email=account.email,
            status=account.status,
            language=account.language,
            created_at=account.created_at,
            confirmed_at=account.confirmed_at,
        )


class DriverPage(BaseModel):
    items: list[DriverOut]
    next: str | None


@router.get("", response_model=DriverPage, summary="List drivers' accounts by email")
async def list_drivers(
    context: Context,
    _: Viewer,
    after: Annotated[str | None, Query(max_length=254, description="the last email seen")] = None,
    status: AccountStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> DriverPage:
    found = await context.services.drivers.accounts.list(after=after, limit=limit, status=status)
    return DriverPage(
        items=[DriverOut.of(a) for a in found],
        next=found[-1].email if len(found) == limit else None,
    )


@router.post("/{account_id}/block", response_model=DriverOut, summary="Block a driver")
async def block(account_id: AccountPath, context: Context, _: Operator) -> DriverOut:
    return DriverOut.of(await context.services.drivers.accounts.set_blocked(account_id, True))


@router.post("/{account_id}/unblock", response_model=DriverOut, summary="Let a driver charge")
async def unblock(account_id: AccountPath, context: Context, _: Operator) -> DriverOut:
    return DriverOut.of(await context.services.drivers.accounts.set_blocked(account_id, False))
