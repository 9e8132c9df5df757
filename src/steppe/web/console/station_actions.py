"""Commands to a station from its page: fill in the parameters, confirm, see the charger's answer.

Each command goes through the command service, so it is audited (with the person as actor)
before it leaves, exactly as when it comes through the API. Viewers see no command forms and
are refused if they post one. A password rotation asks the station to take a new password and
shows a generated one once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from pydantic import ValidationError
from starlette.responses import Response

from steppe.api.deps import Role
from steppe.domain.commands.models import COMMANDS
from steppe.domain.stations.models import Station
from steppe.errors import (
    CommandTimeout,
    CommandUnavailable,
    InvalidInput,
    NotFound,
    StationNotConnected,
    StationRejectedCall,
)
from steppe.types import TransactionStatus
from steppe.web.console.forms import FormCheck
from steppe.web.console.visitors import (
    Staff,
    Visitor,
    checked_form,
    console_router,
    render,
    require,
    web,
)
from steppe.web.i18n import N_

router = console_router()
TRIGGERS = (
    "BootNotification",
    "Heartbeat",
    "StatusNotification",
    "MeterValues",
    "FirmwareStatusNotification",
    "DiagnosticsStatusNotification",
)


@dataclass(frozen=True, slots=True)
class Input:
    name: str
    label: str
    kind: str = "text"  # text, int, choice, datetime
    options: tuple[tuple[str, str], ...] = ()
    required: bool = False
    hint: str = ""


CONNECTOR = Input("connector_id", N_("Connector (1.6) or EVSE (2.0.1)"), "int")
FORMS: dict[str, tuple[str, tuple[Input, ...]]] = {
    "remote-start": (
        N_("Start charging"),
        (CONNECTOR, Input("id_token", N_("Card (id token)"), required=True)),
    ),
    "remote-stop": (
        N_("Stop charging"),
        (Input("transaction_id", N_("Transaction"), "choice", required=True),),
    ),
    "reset": (
        N_("Reset"),
        (
            Input(
                "type",
                N_("Kind"),
                "choice",
                (("soft", N_("Soft: when idle")), ("hard", N_("Hard: at once"))),
            ),
        ),
    ),
    "unlock-connector": (
        N_("Unlock connector"),
        (Input("connector_id", CONNECTOR.label, "int", required=True),),
    ),
    "change-availability": (
        N_("Change availability"),
        (
            Input(
                "operative",
                N_("Availability"),
                "choice",
                (("true", N_("Operative")), ("false", N_("Inoperative"))),
            ),
            Input("connector_id", N_("Connector (empty: the whole station)"), "int"),
        ),
    ),
    "trigger-message": (
        N_("Trigger message"),
        (Input("message", N_("Message"), "choice", tuple((t, t) for t in TRIGGERS)), CONNECTOR),
    ),
    "get-configuration": (
        N_("Get configuration"),
        (Input("keys", N_("Keys (comma-separated; empty: all)")),),
    ),
    "set-configuration": (
        N_("Set configuration"),
        (Input("key", N_("Key"), required=True), Input("value", N_("Value"), required=True)),
    ),
    "get-variables": (
        N_("Get variables"),
        (
            Input("component", N_("Component"), required=True),
            Input("variable", N_("Variable"), required=True),
        ),
    ),
    "set-variables": (
        N_("Set variables"),
        (
            Input("component", N_("Component"), required=True),
            Input("variable", N_("Variable"), required=True),
            Input("value", N_("Value"), required=True),
        ),
    ),
    "update-firmware": (
        N_("Update firmware"),
        (
            Input("location", N_("Firmware URL"), required=True),
            Input("retrieve_at", N_("Fetch at (station time)"), "datetime", required=True),
        ),
    ),
    "get-diagnostics": (N_("Upload logs"), (Input("location", N_("Upload URL"), required=True),)),
    "clear-cache": (N_("Clear cache"), ()),
}


def _params(command: str, check: FormCheck, station: Station) -> dict[str, Any]:
    """The command's parameters from the form (the domain model checks them after)."""
    values: dict[str, Any] = {}
    for field in FORMS[command][1]:
        if field.kind == "int":
            values[field.name] = check.integer(field.name, required=field.required, low=0, high=999)
        elif field.kind == "datetime":
            values[field.name] = check.local_time(
                field.name, station.time_zone, required=field.required
            )
        else:
            values[field.name] = check.text(field.name, required=field.required, longest=512)
    if command in ("get-variables", "set-variables"):
        item = {k: values.pop(k) for k in ("component", "variable", "value") if k in values}
        return {"variables": [item]}
    if command == "get-configuration":
        keys = [k.strip() for k in (values.pop("keys") or "").split(",") if k.strip()]
        return {"keys": keys or None}
    if command == "change-availability":
        values["operative"] = values.get("operative") != "false"
    if command == "reset":
        values["type"] = values.get("type") or "soft"
    return {k: v for k, v in values.items() if v is not None}


async def _form_page(
    request: Request,
    who: Visitor,
    station: Station,
    command: str,
    *,
    values: dict[str, str],
    errors: dict[str, str],
    step: str,
    status: int = 200,
    answer: dict[str, Any] | None = None,
) -> Response:
    label, inputs = FORMS[command]
    context = web(request)
    choices: dict[str, tuple[tuple[str, str], ...]] = {
        f.name: tuple((value, who._(text)) for value, text in f.options) for f in inputs
    }
    if command == "remote-stop":
        active = await context.services.transactions.list(
            station_id=station.id, status=TransactionStatus.ACTIVE, limit=20
        )
        choices["transaction_id"] = tuple(
            (tx.id, f"{tx.id} · EVSE {tx.evse_id} · {tx.id_token or ''}") for tx in active
        )
    return render(
        request,
        who,
        "console/command.html",
        status=status,
        section="stations",
        title=who._(label) + " · " + station.id,
        station=station,
        command=command,
        inputs=inputs,
        choices=choices,
        values=values,
        errors=errors,
        step=step,
        answer=answer,
        connected=context.presence.is_connected(station.id),
    )


@router.get("/stations/{station_id}/commands/{command}")
async def command_form(request: Request, who: Staff, station_id: str, command: str) -> Response:
    require(who, Role.OPERATOR)
    if command not in FORMS:
        raise NotFound(f"no command {command!r} in the console")
    station = await web(request).services.stations.get(station_id)
    values = {key: value for key, value in request.query_params.items() if key != "notice"}
    return await _form_page(request, who, station, command, values=values, errors={}, step="edit")


@router.post("/stations/{station_id}/commands/{command}")
async def send_command(request: Request, who: Staff, station_id: str, command: str) -> Response:
    """First post: check and ask to confirm. Second post (confirmed): send and show the answer."""
    require(who, Role.OPERATOR)
    if command not in FORMS:
        raise NotFound(f"no command {command!r} in the console")
    form = await checked_form(request, who)
    services = web(request).services
    station = await services.stations.get(station_id)
    check = FormCheck(form, who.translator)
    raw = {f.name: check.raw(f.name) for f in FORMS[command][1]}
    data = _params(command, check, station)
    params = None
    if check.ok:
        try:
            params = COMMANDS[command].model_validate(data)
        except ValidationError as exc:
            check.pydantic(
                exc, {"variables.0.value": "value", "variables.0.component": "component"}
            )
    if params is None or not check.ok:
        return await _form_page(
            request, who, station, command, values=raw, errors=check.errors, step="edit", status=422
        )
    if form.get("confirmed") != "yes":
        return await _form_page(
            request, who, station, command, values=raw, errors={}, step="confirm"
        )
    assert who.user is not None
    try:
        result = await services.commands.send(who.user.actor, station_id, command, params)
    except StationNotConnected:
        problem = who._("The station is not connected.")
    except CommandTimeout:
        problem = who._("The station did not answer in time.")
    except StationRejectedCall as exc:
        problem = who._("The station refused the call: %(error)s", error=str(exc))
    except CommandUnavailable as exc:
        problem = who._(
            "This station's OCPP version has no such command: %(error)s", error=str(exc)
        )
    except InvalidInput as exc:
        problem = who._("Steppe refused the parameters: %(error)s", error=str(exc))
    else:
        answer = {
            "status": result.status,
            "response": json.dumps(result.response, indent=2, ensure_ascii=False),
            "action": result.action,
            "audit_id": result.audit_id,
        }
        return await _form_page(
            request, who, station, command, values=raw, errors={}, step="done", answer=answer
        )
    return await _form_page(
        request, who, station, command, values=raw, errors={"": problem}, step="edit", status=409
    )


@router.get("/stations/{station_id}/password")
async def password_form(request: Request, who: Staff, station_id: str) -> Response:
    require(who, Role.ADMIN)
    station = await web(request).services.stations.get(station_id)
    return _password_page(request, who, station, errors={}, rotation=None)


def _password_page(
    request: Request,
    who: Visitor,
    station: Station,
    *,
    errors: dict[str, str],
    rotation: object,
    status: int = 200,
) -> Response:
    return render(
        request,
        who,
        "console/password.html",
        status=status,
        section="stations",
        title=who._("Rotate the password of %(id)s", id=station.id),
        station=station,
        errors=errors,
        rotation=rotation,
        connected=web(request).presence.is_connected(station.id),
    )


@router.post("/stations/{station_id}/password")
async def rotate_password(request: Request, who: Staff, station_id: str) -> Response:
    require(who, Role.ADMIN)
    form = await checked_form(request, who)
    services = web(request).services
    station = await services.stations.get(station_id)
    password = str(form.get("password") or "").strip() or None
    assert who.user is not None
    try:
        rotation = await services.security.rotate_password(who.user.actor, station_id, password)
    except StationNotConnected:
        errors = {"": who._("The station is not connected: it must take the new password itself.")}
        return _password_page(request, who, station, errors=errors, rotation=None, status=409)
    except InvalidInput as exc:
        return _password_page(
            request, who, station, errors={"password": str(exc)}, rotation=None, status=422
        )
    except (CommandTimeout, StationRejectedCall) as exc:
        return _password_page(
            request, who, station, errors={"": str(exc)}, rotation=None, status=502
        )
    # The security service has written the rotation to the audit log with who did it.
    return _password_page(request, who, station, errors={}, rotation=rotation)
