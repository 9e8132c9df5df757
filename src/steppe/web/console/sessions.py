"""Sessions and transactions: the live sessions updating in place, the list with filters, and a
transaction's page with its energy and power chart and its CDR's cost breakdown."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import Query, Request
from starlette.responses import Response

from steppe.domain.transactions.models import ENERGY_REGISTER, Sample, Transaction
from steppe.types import TransactionStatus
from steppe.web.console.visitors import Staff, console_router, render, web

router = console_router()
POWER = "Power.Active.Import"
LIVE_LIMIT = 200
PAGE = 50


async def _zones(request: Request, station_ids: Sequence[str]) -> dict[str, str | None]:
    """Each station's time zone, to show its times in it."""
    return await web(request).services.reports.time_zones(station_ids)


async def _live_values(request: Request) -> dict[str, Any]:
    services = web(request).services
    active = await services.transactions.list(status=TransactionStatus.ACTIVE, limit=LIVE_LIMIT)
    return {
        "active": active,
        "readings": await services.reports.live_readings([tx.pk for tx in active]),
        "running": {tx.pk: await services.transactions.running_cost_of(tx.pk) for tx in active},
        "zones": await _zones(request, [tx.station_id for tx in active]),
    }


@router.get("/sessions")
async def live_sessions(request: Request, who: Staff) -> Response:
    return render(
        request,
        who,
        "console/sessions.html",
        section="sessions",
        title=who._("Live sessions"),
        live_url="/console/events?types=transaction.started,transaction.updated,transaction.ended",
        **await _live_values(request),
    )


@router.get("/sessions/rows")
async def live_rows(request: Request, who: Staff) -> Response:
    """The live sessions table alone, re-read when a session starts or ends."""
    return render(request, who, "console/live_rows.html", title="", **await _live_values(request))


def _day_start(value: str | None, zone: ZoneInfo, *, next_day: bool = False) -> datetime | None:
    if not value:
        return None
    try:
        day = datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        return None
    if next_day:
        day += timedelta(days=1)
    return datetime.combine(day, time(0), tzinfo=zone)


@router.get("/transactions")
async def transaction_list(
    request: Request,
    who: Staff,
    station_id: Annotated[str | None, Query(max_length=48)] = None,
    id_token: Annotated[str | None, Query(max_length=36)] = None,
    status: Annotated[str | None, Query(max_length=16)] = None,
    since: Annotated[str | None, Query(max_length=10)] = None,
    until: Annotated[str | None, Query(max_length=10)] = None,
    before: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    context = web(request)
    services = context.services
    zone = ZoneInfo(context.settings.console_time_zone)
    wanted = TransactionStatus(status) if status in ("active", "completed") else None
    txs = await services.transactions.list(
        station_id=station_id or None,
        id_token=id_token or None,
        status=wanted,
        started_from=_day_start(since, zone),
        started_to=_day_start(until, zone, next_day=True),
        before_pk=before,
        limit=PAGE,
    )
    filters = {
        "station_id": station_id or "",
        "id_token": id_token or "",
        "status": status or "",
        "since": since or "",
        "until": until or "",
    }
    more = (
        urlencode({**{k: v for k, v in filters.items() if v}, "before": txs[-1].pk})
        if len(txs) == PAGE
        else None
    )
    return render(
        request,
        who,
        "console/transactions.html",
        section="transactions",
        title=who._("Transactions"),
        recent=txs,
        costs=await services.cdrs.costs([tx.pk for tx in txs]),
        zones=await _zones(request, [tx.station_id for tx in txs]),
        filters=filters,
        more=more,
    )


def chart_data(tx: Transaction, samples: Sequence[Sample]) -> dict[str, list[Any]]:
    """Energy since the start (kWh) and power (kW) on one time axis (Unix seconds)."""
    energy: dict[float, float] = {}
    power: dict[float, float] = {}
    start = tx.meter_start_wh
    for s in samples:
        if s.phase:
            continue
        at = s.timestamp.timestamp()
        if s.measurand == ENERGY_REGISTER and s.unit in ("Wh", ""):
            base = start if start is not None else int(s.value)
            start = base
            energy[at] = float((s.value - base) / 1000)
        elif s.measurand == POWER:
            power[at] = float(s.value / 1000)
    moments = sorted(set(energy) | set(power))
    return {
        "t": moments,
        "energy": [energy.get(m) for m in moments],
        "power": [power.get(m) for m in moments],
    }


def periods_of(costing: dict[str, Any]) -> list[dict[str, Any]]:
    """The priced periods with their times as datetimes (to show in the station's zone)."""
    return [
        {
            **period,
            "start": datetime.fromisoformat(period["start"]),
            "end": datetime.fromisoformat(period["end"]),
        }
        for period in costing.get("periods", [])
    ]


def vat_breakdown(costing: dict[str, Any]) -> list[dict[str, Decimal | str | None]]:
    """What each VAT rate added, over every charge of every period."""
    rates: dict[str | None, list[Decimal]] = {}
    for period in costing.get("periods", []):
        for charge in period.get("charges", []):
            excl, incl = Decimal(charge["excl_vat"]), Decimal(charge["incl_vat"])
            totals = rates.setdefault(charge.get("vat"), [Decimal(0), Decimal(0)])
            totals[0] += excl
            totals[1] += incl
    return [
        {"rate": rate, "excl_vat": excl, "vat": incl - excl, "incl_vat": incl}
        for rate, (excl, incl) in sorted(rates.items(), key=lambda item: str(item[0]))
    ]


@router.get("/transactions/{pk}")
async def transaction_page(request: Request, who: Staff, pk: int) -> Response:
    services = web(request).services
    tx = await services.transactions.get_by_pk(pk)
    samples = await services.transactions.samples(pk)
    zone = (await _zones(request, [tx.station_id]))[tx.station_id]
    cdr = await services.cdrs.of_transaction(pk)
    costing = cdr.body.get("costing", {}) if cdr else {}
    active = tx.status is TransactionStatus.ACTIVE
    readings = await services.reports.live_readings([pk]) if active else {}
    return render(
        request,
        who,
        "console/transaction.html",
        section="transactions",
        title=who._("Transaction %(id)s", id=tx.id),
        tx=tx,
        zone=zone,
        cdr=cdr,
        costing=costing,
        vat=vat_breakdown(costing) if costing else [],
        periods=periods_of(costing) if costing else [],
        chart=json.dumps(chart_data(tx, samples)),
        active=[tx] if active else [],
        readings=readings,
        running={pk: await services.transactions.running_cost_of(pk)} if active else {},
        zones={tx.station_id: zone},
        live_url=f"/console/events?station_id={tx.station_id}" if active else None,
    )
