"""Records: charge detail records (filters, CSV export) and the audit log."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Query, Request
from starlette.responses import Response, StreamingResponse

from steppe.api.deps import Role
from steppe.domain.cdrs.models import Cdr
from steppe.types import CommandOutcome
from steppe.web.console.visitors import Staff, console_router, render, require, web
from steppe.web.i18n import N_

router = console_router()
PAGE = 50
EXPORT_PAGE = 1000
EXPORT_MOST = 200_000
OUTCOME_WORDS = (
    N_("pending"),
    N_("answered"),
    N_("not_connected"),
    N_("timeout"),
    N_("refused"),
    N_("call_error"),
    N_("not_found"),
    N_("error"),
    N_("applied"),
)


def _day(value: str | None, zone: ZoneInfo, *, next_day: bool = False) -> datetime | None:
    if not value:
        return None
    try:
        day = datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        return None
    return datetime.combine(day + timedelta(days=1 if next_day else 0), time(0), tzinfo=zone)


@router.get("/cdrs")
async def cdr_list(
    request: Request,
    who: Staff,
    station_id: Annotated[str | None, Query(max_length=48)] = None,
    since: Annotated[str | None, Query(max_length=10)] = None,
    until: Annotated[str | None, Query(max_length=10)] = None,
    before: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    context = web(request)
    zone = ZoneInfo(context.settings.console_time_zone)
    cdrs = await context.services.cdrs.list(
        station_id=station_id or None,
        stopped_from=_day(since, zone),
        stopped_to=_day(until, zone, next_day=True),
        before_pk=before,
        limit=PAGE,
    )
    filters = {"station_id": station_id or "", "since": since or "", "until": until or ""}
    query = "&".join(f"{k}={v}" for k, v in filters.items() if v)
    return render(
        request,
        who,
        "console/cdrs.html",
        section="cdrs",
        title=who._("CDRs"),
        cdrs=cdrs,
        filters=filters,
        query=query,
        more=cdrs[-1].transaction_pk if len(cdrs) == PAGE else None,
        zone=context.settings.console_time_zone,
    )


def _csv_row(cdr: Cdr) -> list[str]:
    body = cdr.body
    return [
        cdr.id,
        str(body.get("transaction_id", "")),
        cdr.station_id,
        str(body.get("evse_id", "")),
        str(body.get("id_token") or ""),
        cdr.tariff_id or "",
        cdr.started_at.isoformat(),
        cdr.stopped_at.isoformat(),
        str(body.get("total_energy_wh") or ""),
        cdr.cost.currency,
        str(cdr.cost.excl_vat),
        str(cdr.cost.incl_vat),
    ]


@router.get("/cdrs.csv")
async def cdr_export(
    request: Request,
    who: Staff,
    station_id: Annotated[str | None, Query(max_length=48)] = None,
    since: Annotated[str | None, Query(max_length=10)] = None,
    until: Annotated[str | None, Query(max_length=10)] = None,
) -> Response:
    """The CDRs the filters select, as CSV (UTC times, amounts as exact decimals)."""
    context = web(request)
    zone = ZoneInfo(context.settings.console_time_zone)
    service = context.services.cdrs

    async def lines() -> AsyncIterator[str]:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(
            [
                "cdr_id",
                "transaction_id",
                "station_id",
                "evse_id",
                "id_token",
                "tariff_id",
                "start_utc",
                "end_utc",
                "energy_wh",
                "currency",
                "total_excl_vat",
                "total_incl_vat",
            ]
        )
        before = None
        sent = 0
        while sent < EXPORT_MOST:
            page = await service.list(
                station_id=station_id or None,
                stopped_from=_day(since, zone),
                stopped_to=_day(until, zone, next_day=True),
                before_pk=before,
                limit=EXPORT_PAGE,
            )
            for cdr in page:
                writer.writerow(_csv_row(cdr))
            sent += len(page)
            yield out.getvalue()
            out.seek(0)
            out.truncate()
            if len(page) < EXPORT_PAGE:
                break
            before = page[-1].transaction_pk

    return StreamingResponse(
        lines(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="steppe-cdrs.csv"'},
    )


@router.get("/audit")
async def audit_log(
    request: Request,
    who: Staff,
    station_id: Annotated[str | None, Query(max_length=48)] = None,
    actor: Annotated[str | None, Query(max_length=100)] = None,
    outcome: Annotated[str | None, Query(max_length=24)] = None,
    before: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    require(who, Role.OPERATOR)
    context = web(request)
    wanted = CommandOutcome(outcome) if outcome in {o.value for o in CommandOutcome} else None
    entries = await context.services.commands.audit(
        station_id=station_id or None,
        actor=actor or None,
        outcome=wanted,
        before=before,
        limit=PAGE,
    )
    filters = {"station_id": station_id or "", "actor": actor or "", "outcome": outcome or ""}
    return render(
        request,
        who,
        "console/audit.html",
        section="audit",
        title=who._("Audit log"),
        entries=entries,
        filters=filters,
        outcomes=[o.value for o in CommandOutcome],
        query="&".join(f"{k}={v}" for k, v in filters.items() if v),
        more=entries[-1].id if len(entries) == PAGE else None,
        zone=context.settings.console_time_zone,
    )
