"""Tariffs: the list, the editor with its live price preview, and assigning tariffs to stations
and EVSEs."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from starlette.datastructures import FormData
from starlette.responses import Response

from steppe.api.deps import Role
from steppe.domain.tariffs.currencies import MINOR_UNITS
from steppe.domain.tariffs.models import Tariff
from steppe.errors import AlreadyExists, Conflict, InvalidInput, NotFound
from steppe.web.console.forms import FormCheck
from steppe.web.console.tariff_form import (
    DAYS,
    DIMENSIONS,
    MOST_ELEMENTS,
    TYPES,
    blank_element,
    form_values_of,
    read,
)
from steppe.web.console.visitors import (
    Staff,
    Visitor,
    checked_form,
    console_router,
    redirect,
    render,
    require,
    web,
)

router = console_router()
CURRENCIES = ("KZT", "RUB", "KGS", "UZS", *sorted(set(MINOR_UNITS) - {"KZT", "RUB", "KGS", "UZS"}))


def _preview_defaults(request: Request) -> dict[str, str]:
    zone = web(request).settings.console_time_zone
    now = datetime.now(ZoneInfo(zone)).replace(second=0, microsecond=0, tzinfo=None)
    return {
        "energy": "20",
        "minutes": "60",
        "parking": "0",
        "start": now.isoformat(),
        "zone": zone,
        "country": "",
    }


def _editor(
    request: Request,
    who: Visitor,
    *,
    values: dict[str, Any],
    errors: dict[str, str],
    new: bool,
    status: int = 200,
    preview: dict[str, Any] | None = None,
) -> Response:
    return render(
        request,
        who,
        "console/tariff.html",
        status=status,
        section="tariffs",
        title=who._("New tariff") if new else who._("Tariff %(id)s", id=values["id"]),
        values=values,
        errors=errors,
        new=new,
        currencies=CURRENCIES,
        types=TYPES,
        dimensions=DIMENSIONS,
        days=DAYS,
        preview_values=_preview_defaults(request),
        preview=preview,
        most=MOST_ELEMENTS,
    )


@router.get("/tariffs")
async def tariff_list(request: Request, who: Staff) -> Response:
    tariffs = await web(request).services.tariffs.list(limit=500)
    return render(
        request,
        who,
        "console/tariffs.html",
        section="tariffs",
        title=who._("Tariffs"),
        tariffs=tariffs,
    )


@router.get("/tariffs/new")
async def new_tariff(request: Request, who: Staff) -> Response:
    require(who, Role.OPERATOR)
    values = {
        "id": "",
        "currency": "KZT",
        "type": "REGULAR",
        "texts": {"kk": "", "ru": "", "en": ""},
        "min_price": "",
        "max_price": "",
        "elements": [blank_element()],
    }
    return _editor(request, who, values=values, errors={}, new=True)


def _rework(values: dict[str, Any], form: FormData) -> bool:
    """Add or remove an element block when the form asked to; whether it did."""
    action = form.get("action")
    if action == "add" and len(values["elements"]) < MOST_ELEMENTS:
        values["elements"].append(blank_element())
        return True
    if isinstance(action, str) and action.startswith("remove-"):
        index = int(action.removeprefix("remove-") or -1) if action[7:].isdigit() else -1
        if 0 <= index < len(values["elements"]) and len(values["elements"]) > 1:
            del values["elements"][index]
        return True
    return False


@router.post("/tariffs/new")
async def create_tariff(request: Request, who: Staff) -> Response:
    require(who, Role.OPERATOR)
    form = await checked_form(request, who)
    check = FormCheck(form, who.translator)
    values, tariff = read(check, tariff_id=None)
    if _rework(values, form):
        return _editor(request, who, values=values, errors={}, new=True)
    if tariff is None:
        return _editor(request, who, values=values, errors=check.errors, new=True, status=422)
    services = web(request).services
    try:
        await services.tariffs.create(tariff)
    except AlreadyExists:
        check.fail("id", who._("A tariff with this id exists already."))
        return _editor(request, who, values=values, errors=check.errors, new=True, status=422)
    await _audit(request, who, "tariff.create", tariff)
    return redirect(who, f"/console/tariffs/{tariff.id}?notice=created")


async def _audit(request: Request, who: Visitor, action: str, tariff: Tariff) -> None:
    assert who.user is not None
    await web(request).services.audit.record(
        who.user.actor, action, target=f"tariff {tariff.id}", details={"tariff": tariff.as_dict()}
    )


@router.get("/tariffs/{tariff_id}")
async def tariff_page(request: Request, who: Staff, tariff_id: str) -> Response:
    tariff = await web(request).services.tariffs.get(tariff_id)
    return _editor(request, who, values=form_values_of(tariff), errors={}, new=False)


@router.post("/tariffs/{tariff_id}")
async def save_tariff(request: Request, who: Staff, tariff_id: str) -> Response:
    require(who, Role.OPERATOR)
    form = await checked_form(request, who)
    services = web(request).services
    await services.tariffs.get(tariff_id)  # NotFound for an unknown tariff
    check = FormCheck(form, who.translator)
    values, tariff = read(check, tariff_id=tariff_id)
    if _rework(values, form):
        return _editor(request, who, values=values, errors={}, new=False)
    if tariff is None:
        return _editor(request, who, values=values, errors=check.errors, new=False, status=422)
    await services.tariffs.replace(tariff)
    await _audit(request, who, "tariff.update", tariff)
    return redirect(who, f"/console/tariffs/{tariff_id}?notice=saved")


@router.post("/tariffs-preview")
async def preview(request: Request, who: Staff) -> Response:
    """What a session would cost under the tariff as it is being edited (an htmx partial)."""
    form = await checked_form(request, who)
    check = FormCheck(form, who.translator)
    editing = check.raw("editing") or None
    _, tariff = read(check, tariff_id=editing)
    energy = check.decimal("pv.energy", required=True, low=Decimal(0), high=Decimal(10000))
    minutes = check.decimal("pv.minutes", required=True, low=Decimal(0), high=Decimal(10080))
    parking = check.decimal("pv.parking", low=Decimal(0), high=Decimal(10080)) or Decimal(0)
    zone = check.time_zone("pv.zone") or web(request).settings.console_time_zone
    start = check.local_time("pv.start", zone)
    country = check.raw("pv.country").upper() or None
    costing = None
    if tariff is not None and energy is not None and minutes is not None and check.ok:
        try:
            costing = await web(request).services.tariffs.preview(
                tariff,
                energy_kwh=energy,
                duration_minutes=minutes,
                parking_minutes=parking,
                start=start,
                country=country,
                time_zone=zone,
            )
        except InvalidInput as exc:
            check.fail("", str(exc))
    return render(
        request,
        who,
        "console/tariff_preview.html",
        title="",
        costing=costing.as_dict() if costing else None,
        errors=check.errors,
        zone=zone,
    )


@router.post("/tariffs/{tariff_id}/delete")
async def delete_tariff(request: Request, who: Staff, tariff_id: str) -> Response:
    require(who, Role.OPERATOR)
    await checked_form(request, who)
    services = web(request).services
    tariff = await services.tariffs.get(tariff_id)
    try:
        await services.tariffs.delete(tariff_id)
    except Conflict:
        values = form_values_of(tariff)
        errors = {"": who._("This tariff is assigned to stations; assign them another first.")}
        return _editor(request, who, values=values, errors=errors, new=False, status=409)
    await _audit(request, who, "tariff.delete", tariff)
    return redirect(who, "/console/tariffs?notice=deleted")


@router.get("/stations/{station_id}/tariffs")
async def station_tariffs(request: Request, who: Staff, station_id: str) -> Response:
    services = web(request).services
    station = await services.stations.get(station_id)
    assignments = await services.tariffs.assignments(station_id)
    values = {"": ", ".join(next((a.tariff_ids for a in assignments if a.evse_id is None), ()))}
    for connector in station.connectors:
        ids = next((a.tariff_ids for a in assignments if a.evse_id == connector.evse_id), ())
        values[str(connector.evse_id)] = ", ".join(ids)
    return _assignment_page(request, who, station_id, values, {})


def _assignment_page(
    request: Request,
    who: Visitor,
    station_id: str,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    return render(
        request,
        who,
        "console/station_tariffs.html",
        status=status,
        section="stations",
        title=who._("Tariffs of %(id)s", id=station_id),
        station_id=station_id,
        values=values,
        errors=errors,
    )


@router.post("/stations/{station_id}/tariffs")
async def assign_tariffs(request: Request, who: Staff, station_id: str) -> Response:
    require(who, Role.OPERATOR)
    form = await checked_form(request, who)
    services = web(request).services
    await services.stations.get(station_id)
    check = FormCheck(form, who.translator)
    wanted: dict[str, list[str]] = {}
    for key, raw in form.multi_items():
        if key.startswith("evse.") and isinstance(raw, str):
            wanted[key.removeprefix("evse.")] = [t for t in raw.replace(",", " ").split() if t]
    values = {key: ", ".join(ids) for key, ids in wanted.items()}
    for key, ids in wanted.items():
        evse = int(key) if key.isdigit() else None
        try:
            await services.tariffs.assign(station_id, ids, evse_id=evse)
        except (NotFound, InvalidInput) as exc:
            check.fail("evse." + key, who._("Check the tariff ids: %(problem)s", problem=str(exc)))
    if not check.ok:
        return _assignment_page(request, who, station_id, values, check.errors, status=422)
    assert who.user is not None
    await services.audit.record(
        who.user.actor,
        "station.tariffs",
        target=f"station {station_id}",
        station_id=station_id,
        details={"tariffs": values},
    )
    return redirect(who, f"/console/stations/{station_id}?notice=saved")
