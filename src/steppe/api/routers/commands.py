"""Remote commands to stations (one route per command, every OCPP version) and the audit log."""

# No `from __future__ import annotations`: each route's body type is bound in a loop below.

from typing import Annotated

from fastapi import APIRouter, Body, Path, Query

from steppe.api.deps import Context, Operator, Principal, Role
from steppe.api.errors import ApiError
from steppe.api.schemas.operator import AuditPage, CommandAnswer
from steppe.api.schemas.values import BigId, Moment
from steppe.domain.commands.models import COMMANDS, V21_COMMANDS, CommandParams
from steppe.domain.commands.service import CommandService, touches_security
from steppe.errors import StationRejectedCall
from steppe.types import CommandOutcome

router = APIRouter(tags=["commands"])
StationPath = Annotated[str, Path(max_length=48)]
MAX_TIMEOUT = 120.0
Timeout = Annotated[
    float | None,
    Query(gt=0, le=MAX_TIMEOUT, description="seconds to wait for the charger (default: settings)"),
]

VERSIONS = {
    "get-configuration": "1.6 only (2.0.1, 2.1: get-variables)",
    "set-configuration": "1.6 only (2.0.1, 2.1: set-variables)",
    "get-variables": "2.0.1 and 2.1 only (1.6: get-configuration)",
    "set-variables": "2.0.1 and 2.1 only (1.6: set-configuration)",
    "get-diagnostics": "1.6 GetDiagnostics; 2.0.1 and 2.1 GetLog",
    "get-log": "GetLog (1.6 security extension, 2.0.1, 2.1)",
    "get-base-report": "2.0.1 and 2.1 only: answered with NotifyReport (see device-model)",
    "get-report": "2.0.1 and 2.1 only: the station answers with NotifyReport (see device-model)",
    "extended-trigger-message": "1.6 only, security extension (2.0.1, 2.1: trigger-message)",
    "set-network-profile": "2.0.1 and 2.1 only",
    "get-transaction-status": "2.0.1 and 2.1 only",
    "cost-updated": "2.0.1 and 2.1 only; total_cost defaults to Steppe's running cost",
    "set-display-message": "2.0.1 and 2.1 only; kept in display-messages when accepted",
    "get-display-messages": "2.0.1 and 2.1 only: answered with NotifyDisplayMessages",
    "clear-display-message": "2.0.1 and 2.1 only",
    "set-variable-monitoring": "2.0.1 and 2.1 only; accepted monitors are kept",
    "set-monitoring-base": "2.0.1 and 2.1 only",
    "set-monitoring-level": "2.0.1 and 2.1 only",
    "clear-variable-monitoring": "2.0.1 and 2.1 only",
    "get-monitoring-report": "2.0.1 and 2.1 only: answered with NotifyMonitoringReport",
    "customer-information": "2.0.1 and 2.1 only: answered with NotifyCustomerInformation",
    "publish-firmware": "2.0.1 and 2.1 only: a job, finished by PublishFirmwareStatusNotification",
    "unpublish-firmware": "2.0.1 and 2.1 only",
    "get-charging-profiles": "2.0.1 and 2.1 only: answered with ReportChargingProfiles (stored)",
}


def command_service(context: Context) -> CommandService:
    return context.services.commands


async def _send(
    context: Context,
    who: Principal,
    station_id: str,
    command: str,
    params: CommandParams,
    timeout: float | None,
) -> CommandAnswer:
    service = command_service(context)
    if who.role < Role.ADMIN and touches_security(params):
        raise ApiError(
            403,
            "forbidden",
            "changing a station's password or security settings needs the admin role",
        )
    try:
        result = await service.send(who.actor, station_id, command, params, timeout=timeout)
    except StationRejectedCall as exc:
        raise ApiError(502, "call_error", f"the station answered with a CALLERROR: {exc}") from None
    return CommandAnswer(
        status=result.status,
        response=result.response,
        action=result.action,
        audit_id=result.audit_id,
    )


def _add(command: str, model: type[CommandParams]) -> None:
    optional = all(not field.is_required() for field in model.model_fields.values())

    if optional:

        async def endpoint(
            station_id: StationPath,
            context: Context,
            who: Operator,
            timeout: Timeout = None,
            body: Annotated[model | None, Body()] = None,  # type: ignore[valid-type]
        ) -> CommandAnswer:
            params = body if body is not None else model()
            return await _send(context, who, station_id, command, params, timeout)

    else:

        async def endpoint(  # type: ignore[misc]
            station_id: StationPath,
            context: Context,
            who: Operator,
            body: model,  # type: ignore[valid-type]
            timeout: Timeout = None,
        ) -> CommandAnswer:
            return await _send(context, who, station_id, command, body, timeout)

    default = "OCPP 2.1 only (docs/ocpp.md)" if command in V21_COMMANDS else "OCPP 1.6, 2.0.1, 2.1"
    note = VERSIONS.get(command, default)
    router.add_api_route(
        f"/api/v1/stations/{{station_id}}/commands/{command}",
        endpoint,
        methods=["POST"],
        response_model=CommandAnswer,
        summary=f"Send {command} to a station",
        description=(
            f"{note}. 200 with the charger's status and answer; 404 unknown station; 409 not "
            "connected; 422 bad body or not available in the station's OCPP version; 502 the "
            "charger answered with a CALLERROR; 504 no answer in time. Always audited."
        ),
        operation_id=f"command_{command.replace('-', '_')}",
        responses={
            404: {"description": "unknown station"},
            409: {"description": "station not connected"},
            502: {"description": "the charger answered with a CALLERROR"},
            504: {"description": "no answer within the timeout"},
        },
    )


for _name, _model in COMMANDS.items():
    _add(_name, _model)


@router.get("/api/v1/audit", response_model=AuditPage, summary="Read the command audit log")
async def read_audit(
    context: Context,
    _: Operator,
    station_id: Annotated[str | None, Query(max_length=48)] = None,
    actor: Annotated[str | None, Query(max_length=100)] = None,
    command: Annotated[str | None, Query(max_length=40)] = None,
    outcome: CommandOutcome | None = None,
    since: Moment | None = None,
    until: Moment | None = None,
    before: Annotated[
        BigId | None, Query(description="cursor: `next` of the previous page")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> AuditPage:
    entries = await command_service(context).audit(
        station_id=station_id,
        actor=actor,
        command=command,
        outcome=outcome,
        since=since,
        until=until,
        before=before,
        limit=limit,
    )
    return AuditPage(items=entries, next=entries[-1].id if len(entries) == limit else None)
