"""Charging from the phone: start at an EVSE, wait for the charger, watch the session live (the
event stream, filtered to the driver's own transaction), stop it, read the receipt."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import Depends, Path, Request
from starlette.responses import Response, StreamingResponse

from steppe.domain.drivers.charging import (
    AccountNotReady,
    ConnectorUnavailable,
    StartRefused,
    VehicleMismatch,
)
from steppe.domain.drivers.models import Account
from steppe.domain.events import Event, EventType
from steppe.domain.tariffs.engine import price
from steppe.domain.tariffs.models import Tariff
from steppe.domain.tariffs.periods import Session
from steppe.domain.transactions.models import Transaction
from steppe.errors import CommandTimeout, Conflict, StationNotConnected, StationRejectedCall
from steppe.types import TransactionStatus
from steppe.web.driver.errors import driver_router
from steppe.web.driver.pages import EvsePath, StationPath, standard_label, start_page
from steppe.web.driver.site import DriverSite, site
from steppe.web.driver.visitors import (
    DriverVisitor,
    checked_form,
    driver,
    redirect,
    render,
    text,
    visitor,
)
from steppe.web.i18n import N_, Translator

router = driver_router()
Who = Annotated[DriverVisitor, Depends(visitor)]
Driver = Annotated[DriverVisitor, Depends(driver)]
Pk = Annotated[int, Path(ge=1)]
HEARTBEAT_S = 15.0
RECEIPT_WAIT_S = 60.0

NOT_READY = {
    "unconfirmed": N_("Confirm your email address first: open the link we mailed you."),
    "blocked": N_("Your account is blocked, so it cannot start a charge. Ask the operator."),
}
UNAVAILABLE = {
    "offline": N_("This charger is offline just now. Nothing was sent to it."),
    "occupied": N_("This connector is in use. Nothing was sent to the charger."),
    "reserved": N_("This connector is reserved. Nothing was sent to the charger."),
    "faulted": N_("This connector is out of order. Nothing was sent to the charger."),
    "unavailable": N_("This connector is unavailable. Nothing was sent to the charger."),
}
REFUSED = {
    "rejected": N_("The charger refused to start. Check that the cable is plugged into your car."),
    "no-answer": N_("The charger did not answer. Try again in a minute."),
}


@router.post("/charge/{station_id}/{evse_id}/start")
async def start(request: Request, who: Who, station_id: StationPath, evse_id: EvsePath) -> Response:
    form = await checked_form(request, who)
    if who.account is None:
        return redirect(who, f"/account/sign-in?next=/charge/{station_id}/{evse_id}")
    charging = site(request).services.drivers.charging
    try:
        started = await charging.start(
            who.account,
            station_id,
            evse_id,
            vehicle_id=text(form, "vehicle_id", 80) or None,
            accept_mismatch=form.get("accept_mismatch") == "yes",
        )
    except AccountNotReady as exc:
        problem = who._(NOT_READY[exc.reason])
        return await start_page(request, who, station_id, evse_id, status=403, problem=problem)
    except ConnectorUnavailable as exc:
        problem = who._(UNAVAILABLE.get(exc.reason, UNAVAILABLE["unavailable"]))
        return await start_page(request, who, station_id, evse_id, status=409, problem=problem)
    except VehicleMismatch:
        problem = who._(
            "Your car cannot use this connector. Tick the box below only if you are sure."
        )
        return await start_page(
            request, who, station_id, evse_id, status=409, problem=problem, mismatch=True
        )
    except StartRefused as exc:
        problem = who._(REFUSED[exc.reason])
        return await start_page(request, who, station_id, evse_id, status=409, problem=problem)
    return redirect(who, f"/account/starts/{started.id}")


@router.get("/account/starts/{start_id}")
async def waiting(
    request: Request, who: Driver, start_id: Annotated[str, Path(max_length=32)]
) -> Response:
    """Until the charger reports the transaction: a page that looks again every two seconds."""
    assert who.account is not None
    charging = site(request).services.drivers.charging
    started, tx = await charging.start_request(who.account, start_id)
    if tx is not None:
        return redirect(who, f"/account/sessions/{tx.pk}")
    waited = (site(request).services.clock.now() - started.requested_at).total_seconds()
    return render(
        request,
        who,
        "driver/waiting.html",
        title=who._("Starting…"),
        started=started,
        long_wait=waited > 90,
    )


async def _tariff(here: DriverSite, tx: Transaction) -> tuple[Tariff | None, str, str | None]:
    place = await here.services.tariffs.place(tx.station_id)
    tariff = await here.services.tariffs.resolve(tx.station_id, tx.evse_id, tx.started_at)
    return tariff, place.time_zone, place.country


def snapshot(
    tx: Transaction,
    t: Translator,
    tariff: Tariff | None,
    zone: str,
    country: str | None,
    *,
    now: datetime,
    meter_wh: int | None = None,
    power_w: int | None = None,
) -> dict[str, Any]:
    """What the session page shows, formatted in the driver's language."""
    ended = tx.status is TransactionStatus.COMPLETED
    if ended and tx.energy_wh is not None:
        energy = tx.energy_wh
    else:
        last = meter_wh if meter_wh is not None else tx.meter_last_wh
        start = tx.meter_start_wh
        energy = max(last - start, 0) if last is not None and start is not None else 0
    until = tx.stopped_at if ended and tx.stopped_at else now
    seconds = (until - tx.started_at).total_seconds() if tx.started_at else 0.0
    cost = None
    if tariff is not None and tx.started_at is not None:
        costing = price(
            tariff,
            Session.even(
                tx.started_at,
                charging_seconds=Decimal(str(max(seconds, 0.0))),
                energy_wh=energy,
                time_zone=zone,
                country=country,
            ),
        )
        cost = t.money(costing.incl_vat, costing.currency)
    state = t.gettext("Finished") if ended else t.gettext("Charging")
    return {
        "ended": ended,
        "state": state,
        "energy_wh": energy,
        "energy": t.kwh(energy, 2),
        "power": t.kw(None if ended else power_w, 1),
        "duration": t.duration(seconds),
        "seconds": int(seconds),
        "cost": cost or "—",
    }


@router.get("/account/sessions/{pk}")
async def session_page(request: Request, who: Driver, pk: Pk) -> Response:
    assert who.account is not None
    here = site(request)
    charging = here.services.drivers.charging
    tx = await charging.session(who.account, pk)
    tariff, zone, country = await _tariff(here, tx)
    station = await charging.station_of(tx.station_id)
    power = None if tx.status is TransactionStatus.COMPLETED else await charging.power_w(pk)
    now = here.services.clock.now()
    return render(
        request,
        who,
        "driver/session.html",
        title=who._("Charging session"),
        tx=tx,
        station=station,
        zone=zone,
        live=snapshot(tx, who.translator, tariff, zone, country, now=now, power_w=power),
        connector=standard_label(_standard(station, tx)),
    )


def _standard(station: Any, tx: Transaction) -> str | None:
    if station is None:
        return None
    for c in station.connectors:
        if c.evse_id == tx.evse_id:
            return str(c.standard) if c.standard else None
    return None


def _frame(kind: str, data: dict[str, Any]) -> bytes:
    return f"event: {kind}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


@router.get("/account/sessions/{pk}/events")
async def session_events(request: Request, who: Driver, pk: Pk) -> Response:
    """The session's own updates as Server-Sent Events: `update` with the figures, and
    `receipt` with the receipt's address once the CDR is made. Nobody else's session."""
    assert who.account is not None
    here = site(request)
    tx = await here.services.drivers.charging.session(who.account, pk)
    return StreamingResponse(
        _stream(here, who.account, who.translator, tx),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


async def _stream(
    here: DriverSite, account: Account, t: Translator, tx: Transaction
) -> AsyncIterator[bytes]:
    charging = here.services.drivers.charging
    tariff, zone, country = await _tariff(here, tx)
    wanted = {EventType.TRANSACTION_UPDATED.value, EventType.TRANSACTION_ENDED.value}

    def mine(event: Event) -> bool:
        return event.station_id == tx.station_id and str(event.data.get("transaction_id")) == tx.id

    async with here.services.bus.subscribe(mine, wants=lambda kind: kind in wanted) as feed:
        yield b"retry: 3000\n\n"
        tx = await charging.session(account, tx.pk)  # as it is now that nothing can be missed
        power = await charging.power_w(tx.pk)
        now = here.services.clock.now()
        yield _frame("update", snapshot(tx, t, tariff, zone, country, now=now, power_w=power))
        quiet_since = time.monotonic()
        while here.web.readiness and tx.status is not TransactionStatus.COMPLETED:
            try:
                async with asyncio.timeout(1.0):
                    event = await feed.queue.get()
            except TimeoutError:
                if time.monotonic() - quiet_since > HEARTBEAT_S:
                    quiet_since = time.monotonic()
                    tx = await charging.session(account, tx.pk)  # closed by the server, say
                    yield b": keepalive\n\n"
                continue
            quiet_since = time.monotonic()
            tx = await charging.session(account, tx.pk)
            meter = (
                event.data.get("meter_wh") if event.type is EventType.TRANSACTION_UPDATED else None
            )
            power = await charging.power_w(tx.pk)
            now = here.services.clock.now()
            yield _frame(
                "update",
                snapshot(tx, t, tariff, zone, country, now=now, meter_wh=meter, power_w=power),
            )
        deadline = time.monotonic() + RECEIPT_WAIT_S
        while here.web.readiness and time.monotonic() < deadline:
            if await charging.receipt(account, tx.pk) is not None:
                yield _frame("receipt", {"url": f"/account/sessions/{tx.pk}/receipt"})
                return
            await asyncio.sleep(0.5)


@router.post("/account/sessions/{pk}/stop")
async def stop(request: Request, who: Driver, pk: Pk) -> Response:
    await checked_form(request, who)
    assert who.account is not None
    try:
        await site(request).services.drivers.charging.stop(who.account, pk)
    except Conflict:
        return redirect(who, f"/account/sessions/{pk}")
    except (StationNotConnected, CommandTimeout, StationRejectedCall):
        return redirect(who, f"/account/sessions/{pk}?notice=stop-failed")
    return redirect(who, f"/account/sessions/{pk}?notice=stop-sent")


@router.get("/account/sessions/{pk}/receipt")
async def receipt_page(request: Request, who: Driver, pk: Pk) -> Response:
    assert who.account is not None
    charging = site(request).services.drivers.charging
    tx = await charging.session(who.account, pk)
    receipt = await charging.receipt(who.account, pk)
    return render(
        request,
        who,
        "driver/receipt.html",
        title=who._("Receipt"),
        tx=tx,
        receipt=receipt,
        pending=receipt is None and tx.status is TransactionStatus.COMPLETED,
    )
