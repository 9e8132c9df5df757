"""The modules we receive: tokens (pushed by their owner), commands, and a hub's client info.

A partner writes only objects of its own parties (the roles of its credentials); anything else
is answered as unknown.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from steppe.domain.roaming import ids
from steppe.domain.roaming.models import OCPI_VERSION, Partner
from steppe.domain.roaming.tokens import check_token
from steppe.errors import InvalidInput, NotFound
from steppe.ocpi import commands as relay
from steppe.ocpi.context import Context, Registered
from steppe.ocpi.envelope import OcpiError, OcpiStatus, answer, utc

router = APIRouter(prefix=f"/{OCPI_VERSION}")
COMMANDS = {
    "START_SESSION": "remote-start",
    "STOP_SESSION": "remote-stop",
    "RESERVE_NOW": "reserve-now",
    "CANCEL_RESERVATION": "cancel-reservation",
    "UNLOCK_CONNECTOR": "unlock-connector",
}


async def _json(request: Request) -> Any:
    try:
        return await request.json()
    except ValueError:
        raise OcpiError(400, OcpiStatus.INVALID_PARAMETERS, "the body is not JSON") from None


def _own(partner: Partner, country_code: str, party_id: str) -> None:
    if not partner.owns(country_code, party_id):
        raise OcpiError(
            404, OcpiStatus.UNKNOWN_TOKEN, f"party {country_code}/{party_id} is not one of yours"
        )


# --- tokens ---------------------------------------------------------------------------------


@router.get("/tokens/{country_code}/{party_id}/{uid}")
async def get_token(
    request: Request,
    context: Context,
    partner: Registered,
    country_code: str,
    party_id: str,
    uid: str,
) -> Response:
    _own(partner, country_code, party_id)
    type_ = request.query_params.get("type", "RFID")
    try:
        token = await context.services.roaming.tokens.get(country_code, party_id, uid, type_)
    except NotFound as exc:
        raise OcpiError(404, OcpiStatus.UNKNOWN_TOKEN, str(exc)) from exc
    return answer(request, token.body)


@router.put("/tokens/{country_code}/{party_id}/{uid}")
async def put_token(
    request: Request,
    context: Context,
    partner: Registered,
    country_code: str,
    party_id: str,
    uid: str,
) -> Response:
    _own(partner, country_code, party_id)
    body = await _json(request)
    type_ = request.query_params.get("type", "RFID")
    try:
        check_token(body)
    except InvalidInput as exc:
        raise OcpiError(400, OcpiStatus.INVALID_PARAMETERS, str(exc)) from exc
    if (body["country_code"], body["party_id"], body["uid"], body["type"]) != (
        country_code,
        party_id,
        uid,
        type_,
    ):
        raise OcpiError(
            400, OcpiStatus.INVALID_PARAMETERS, "the token's keys differ from the URL's"
        )
    try:
        await context.services.roaming.tokens.put(partner, body)
    except NotFound as exc:
        raise OcpiError(404, OcpiStatus.UNKNOWN_TOKEN, str(exc)) from exc
    return answer(request, None)


@router.patch("/tokens/{country_code}/{party_id}/{uid}")
async def patch_token(
    request: Request,
    context: Context,
    partner: Registered,
    country_code: str,
    party_id: str,
    uid: str,
) -> Response:
    _own(partner, country_code, party_id)
    body = await _json(request)
    key = (country_code, party_id, uid, request.query_params.get("type", "RFID"))
    try:
        await context.services.roaming.tokens.patch(partner, key, body)
    except NotFound as exc:
        raise OcpiError(404, OcpiStatus.UNKNOWN_TOKEN, str(exc)) from exc
    except InvalidInput as exc:
        raise OcpiError(400, OcpiStatus.INVALID_PARAMETERS, str(exc)) from exc
    return answer(request, None)


# --- commands -------------------------------------------------------------------------------


def _field(body: dict[str, Any], name: str, limit: int, *, required: bool = True) -> str | None:
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value or len(value) > limit:
        raise OcpiError(
            400, OcpiStatus.INVALID_PARAMETERS, f"{name}: a string of 1 to {limit} characters"
        )
    return value


@router.post("/commands/{command}")
async def command(
    request: Request, context: Context, partner: Registered, command: str
) -> Response:
    """Answer at once (ACCEPTED or REJECTED) and send the command to the charger; its outcome
    is POSTed to `response_url`."""
    if command not in COMMANDS:
        raise OcpiError(404, OcpiStatus.CLIENT_ERROR, f"unknown command {command!r}")
    body = await _json(request)
    if not isinstance(body, dict):
        raise OcpiError(400, OcpiStatus.INVALID_PARAMETERS, "an object is expected")
    response_url = _field(body, "response_url", 255)
    assert response_url is not None
    try:
        job = await _job(context, partner, command, body, response_url)
    except InvalidInput as exc:
        raise OcpiError(400, OcpiStatus.INVALID_PARAMETERS, str(exc)) from exc
    if job is None:
        return _command_answer(request, "REJECTED", "unknown location, EVSE or session")
    if context.connections.version_of(job.station_id) is None:
        return _command_answer(request, "REJECTED", "the charger is offline")
    if not context.relay.submit(job):
        return _command_answer(request, "REJECTED", "too many commands waiting")
    return _command_answer(request, "ACCEPTED", None, timeout=int(context.command_timeout))


def _command_answer(
    request: Request, result: str, message: str | None, *, timeout: int = 30
) -> Response:
    data: dict[str, Any] = {"result": result, "timeout": timeout}
    if message:
        data["message"] = [{"language": "en", "text": message}]
    return answer(request, data)


async def _job(
    context: Context, partner: Partner, command: str, body: dict[str, Any], response_url: str
) -> relay.Job | None:
    name = COMMANDS[command]
    roaming = context.services.roaming
    if command == "STOP_SESSION":
        session = _field(body, "session_id", 36)
        assert session is not None
        pk = ids.transaction_pk(session)
        rs = None if pk is None else await roaming.catalogue.session(pk)
        if rs is None or rs.partner_id != partner.id:
            return None
        station = rs.transaction.station_id
        return relay.Job(
            partner.id,
            response_url,
            station,
            name,
            relay.params_for(name, None, None, None, transaction_id=rs.transaction.id),
        )
    if command == "CANCEL_RESERVATION":
        reservation = _field(body, "reservation_id", 36)
        assert reservation is not None
        location = _field(body, "location_id", 36, required=False)
        if location is None:
            raise InvalidInput("location_id: Steppe needs it to find the charger")
        return relay.Job(
            partner.id,
            response_url,
            location,
            name,
            relay.params_for(
                name, None, None, None, reservation_id=relay.reservation_number(reservation)
            ),
        )
    location = _field(body, "location_id", 36)
    assert location is not None
    site = await roaming.catalogue.site(location)
    if site is None:
        return None
    station = site.station.id
    evse_uid = _field(body, "evse_uid", 36, required=command != "START_SESSION")
    evse = ids.evse_number(evse_uid) if evse_uid else None
    if evse_uid is not None and (evse is None or ids.evse_uid(station, evse) != evse_uid):
        return None
    connector = _field(body, "connector_id", 36, required=command == "UNLOCK_CONNECTOR")
    connector_no = int(connector) if connector and connector.isdigit() else None
    version = context.connections.version_of(station)
    if command == "UNLOCK_CONNECTOR":
        return relay.Job(
            partner.id,
            response_url,
            station,
            name,
            relay.params_for(name, version, evse, connector_no),
        )
    token = body.get("token")
    if not isinstance(token, dict):
        raise InvalidInput("token: a Token object is expected")
    check_token(token)
    await roaming.tokens.put(partner, token)
    reference = _field(body, "authorization_reference", 36, required=False)
    if command == "START_SESSION":
        roaming.tokens.expect_command(partner.id, token["uid"], reference)
        return relay.Job(
            partner.id,
            response_url,
            station,
            name,
            relay.params_for(name, version, evse, connector_no, id_token=token["uid"]),
        )
    expiry = _field(body, "expiry_date", 25)
    reservation = _field(body, "reservation_id", 36)
    assert expiry is not None and reservation is not None
    try:
        expires_at = datetime.fromisoformat(expiry.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidInput("expiry_date: an RFC 3339 time is expected") from exc
    if expires_at.tzinfo is None:
        expires_at = expires_at.replace(tzinfo=UTC)
    return relay.Job(
        partner.id,
        response_url,
        station,
        name,
        relay.params_for(
            name,
            version,
            evse,
            connector_no,
            id_token=token["uid"],
            expires_at=expires_at,
            reservation_id=relay.reservation_number(reservation),
        ),
    )


# --- hub client info ------------------------------------------------------------------------


@router.put("/hubclientinfo/{country_code}/{party_id}")
async def put_client_info(
    request: Request, context: Context, partner: Registered, country_code: str, party_id: str
) -> Response:
    if not partner.is_hub:
        raise OcpiError(405, OcpiStatus.CLIENT_ERROR, "only a hub sends client info")
    body = await _json(request)
    try:
        await context.services.roaming.partners.put_client_info(
            partner, country_code, party_id, body
        )
    except InvalidInput as exc:
        raise OcpiError(400, OcpiStatus.INVALID_PARAMETERS, str(exc)) from exc
    return answer(request, None)


@router.get("/hubclientinfo/{country_code}/{party_id}")
async def get_client_info(
    request: Request, context: Context, partner: Registered, country_code: str, party_id: str
) -> Response:
    found = await context.services.roaming.partners.client_info(partner, country_code, party_id)
    if found is None:
        raise OcpiError(404, OcpiStatus.CLIENT_ERROR, "unknown party")
    return answer(request, found | {"last_updated": utc(found["last_updated"])})
