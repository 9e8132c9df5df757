"""Charge detail records: list with filters and a cursor, read one, (re)make a missing one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from steppe.api.deps import Context, Operator, Viewer
from steppe.api.schemas.cdrs import CdrDetail, CdrOut, CdrPage, CdrRequest
from steppe.api.schemas.values import cursor_value, moment_value
from steppe.domain.cdrs.service import CdrService

router = APIRouter(prefix="/api/v1/cdrs", tags=["cdrs"])


def _service(context: Context) -> CdrService:
    return context.services.cdrs


@router.get("", response_model=CdrPage, summary="List CDRs, newest first")
async def list_cdrs(
    context: Context,
    _: Viewer,
    station_id: Annotated[str | None, Query(max_length=48)] = None,
    from_: Annotated[
        str | None, Query(alias="from", description="session end, inclusive (ISO 8601)")
    ] = None,
    to: Annotated[str | None, Query(description="session end, exclusive (ISO 8601)")] = None,
    cursor: Annotated[
        str | None, Query(max_length=24, description="`next` of the last page")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> CdrPage:
    cdrs = await _service(context).list(
        station_id=station_id,
        stopped_from=moment_value(from_, "from"),
        stopped_to=moment_value(to, "to"),
        before_pk=cursor_value(cursor),
        limit=limit,
    )
    return CdrPage(
        items=[CdrOut.of(c) for c in cdrs],
        next=str(cdrs[-1].transaction_pk) if len(cdrs) == limit else None,
    )


@router.get("/{cdr_id}", response_model=CdrDetail, summary="One CDR with its periods")
async def get_cdr(
    cdr_id: Annotated[str, Path(max_length=36)], context: Context, _: Viewer
) -> CdrDetail:
    return CdrDetail.of_full(await _service(context).get(cdr_id))


@router.post(
    "",
    response_model=CdrDetail,
    summary="Make the CDR of a finished transaction if it is missing",
    responses={204: {"description": "no tariff applies, so there is nothing to bill"}},
)
async def make_cdr(body: CdrRequest, context: Context, _: Operator) -> CdrDetail | Response:
    tx = await context.services.transactions.get(body.transaction_id, station_id=body.station_id)
    cdr = await _service(context).create_for(tx.pk)
    if cdr is None:
        return Response(status_code=204)
    return CdrDetail.of_full(cdr)
