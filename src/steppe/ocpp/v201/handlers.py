"""OCPP 2.0.1 messages from charging stations, answered through the version-agnostic domain.

EVSEs and connectors are the domain's own notions; evse 0 in a StatusNotification is the station.
"""

from __future__ import annotations

from typing import Any

from steppe.domain.device_model.service import DeviceModelService
from steppe.domain.services import Services
from steppe.domain.stations.models import BootInfo, StationContext
from steppe.domain.tokens.models import Authorization, TokenStatus
from steppe.domain.transactions.models import TransactionEvent
from steppe.domain.transactions.sequenced import TransactionEvents
from steppe.ocpp.dispatcher import Handler
from steppe.ocpp.timestamps import format_timestamp, parse_timestamp
from steppe.ocpp.v201.device_model import event_values, report_variables
from steppe.ocpp.v201.samples import to_samples

REGISTRATION_STATUS = {"accepted": "Accepted", "pending": "Pending", "rejected": "Rejected"}
# An idToken of this type carries no identity: the station charges without asking anyone.
NO_AUTHORIZATION = "NoAuthorization"


def id_token_info(authorization: Authorization) -> dict[str, Any]:
    info: dict[str, Any] = {"status": authorization.status.value}
    if authorization.expires_at is not None:
        info["cacheExpiryDateTime"] = format_timestamp(authorization.expires_at)
    if authorization.parent_id_token is not None:
        info["groupIdToken"] = {"idToken": authorization.parent_id_token, "type": "Central"}
    return info


def _token(p: dict[str, Any]) -> str | None:
    """The id token a message names, None when it names none (or NoAuthorization)."""
    id_token = p.get("idToken")
    if not id_token or id_token.get("type") == NO_AUTHORIZATION:
        return None
    return str(id_token["idToken"])


class V201Handlers:
    """One method per incoming 2.0.1 action."""

    def __init__(self, services: Services) -> None:
        assert services.device_model is not None and services.transaction_events is not None
        self._s = services
        self._device_model: DeviceModelService = services.device_model
        self._events: TransactionEvents = services.transaction_events
        self._routes: dict[str, Handler] = {
            "BootNotification": self.boot_notification,
            "Heartbeat": self.heartbeat,
            "StatusNotification": self.status_notification,
            "Authorize": self.authorize,
            "TransactionEvent": self.transaction_event,
            "MeterValues": self.meter_values,
            "NotifyReport": self.notify_report,
            "NotifyEvent": self.notify_event,
            "DataTransfer": self.data_transfer,
            "FirmwareStatusNotification": self.notice("station.firmware", "status", "requestId"),
            "LogStatusNotification": self.notice("station.log", "status", "requestId"),
            "ReservationStatusUpdate": self.notice(
                "reservation.status", "reservationId", "reservationUpdateStatus"
            ),
            "NotifyChargingLimit": self.notice(
                "charging.limit", "chargingLimit", "evseId", "chargingSchedule"
            ),
            "ReportChargingProfiles": self.notice(
                "charging.profiles",
                "requestId",
                "chargingLimitSource",
                "evseId",
                "chargingProfile",
                "tbc",
            ),
        }

    def route(self, action: str) -> Handler | None:
        return self._routes.get(action)

    def add_route(self, action: str, handler: Handler) -> None:
        """Let a feature (security, smart charging, ...) answer one more action."""
        self._routes[action] = handler

    def notice(self, event_type: str, *fields: str) -> Handler:
        """A handler that passes the message's `fields` on to the event bus and answers {}."""

        async def handle(ctx: StationContext, p: dict[str, Any]) -> dict[str, Any]:
            data = {name: p[name] for name in fields if name in p}
            self._s.bus.publish(event_type, ctx.station_id, data)
            return {}

        return handle

    async def boot_notification(self, ctx: StationContext, p: dict[str, Any]) -> dict[str, Any]:
        station = p["chargingStation"]
        modem = station.get("modem") or {}
        info = BootInfo(
            vendor=station["vendorName"],
            model=station["model"],
            serial_number=station.get("serialNumber"),
            firmware_version=station.get("firmwareVersion"),
            iccid=modem.get("iccid"),
            imsi=modem.get("imsi"),
        )
        result = await self._s.stations.boot(ctx, info)
        return {
            "status": REGISTRATION_STATUS[result.registration.value],
            "currentTime": format_timestamp(result.current_time),
            "interval": result.interval,
        }

    async def heartbeat(self, ctx: StationContext, p: dict[str, Any]) -> dict[str, Any]:
        return {"currentTime": format_timestamp(self._s.clock.now())}

    async def status_notification(self, ctx: StationContext, p: dict[str, Any]) -> dict[str, Any]:
        await self._s.stations.connector_status(
            ctx,
            evse_id=p["evseId"],
            connector_id=p["connectorId"],
            status=p["connectorStatus"],
            timestamp=parse_timestamp(p["timestamp"]),
        )
        return {}

    async def authorize(self, ctx: StationContext, p: dict[str, Any]) -> dict[str, Any]:
        token = _token(p)
        if token is None:
            return {"idTokenInfo": {"status": TokenStatus.ACCEPTED.value}}
        return {"idTokenInfo": id_token_info(await self._s.tokens.authorize(token))}

    async def transaction_event(self, ctx: StationContext, p: dict[str, Any]) -> dict[str, Any]:
        info = p["transactionInfo"]
        evse = p.get("evse") or {}
        event = TransactionEvent(
            kind=p["eventType"],
            ocpp_id=info["transactionId"],
            seq_no=p["seqNo"],
            timestamp=parse_timestamp(p["timestamp"]),
            trigger_reason=p["triggerReason"],
            offline=bool(p.get("offline", False)),
            evse_id=evse.get("id"),
            connector_id=evse.get("connectorId"),
            id_token=_token(p),
            charging_state=info.get("chargingState"),
            stopped_reason=info.get("stoppedReason"),
            remote_start_id=info.get("remoteStartId"),
            reservation_id=p.get("reservationId"),
            samples=tuple(to_samples(p.get("meterValue", []))),
        )
        _, authorization = await self._events.apply(ctx, event)
        if "idToken" not in p:
            return {}
        if authorization is None:  # NoAuthorization: nothing to check
            return {"idTokenInfo": {"status": TokenStatus.ACCEPTED.value}}
        return {"idTokenInfo": id_token_info(authorization)}

    async def meter_values(self, ctx: StationContext, p: dict[str, Any]) -> dict[str, Any]:
        await self._s.transactions.meter_values(
            ctx, evse_id=p["evseId"], ocpp_id=None, samples=to_samples(p["meterValue"])
        )
        return {}

    async def notify_report(self, ctx: StationContext, p: dict[str, Any]) -> dict[str, Any]:
        variables = report_variables(p.get("reportData", []))
        await self._device_model.record(ctx.station_id, variables)
        self._s.bus.publish(
            "station.report",
            ctx.station_id,
            {
                "request_id": p["requestId"],
                "seq_no": p["seqNo"],
                "tbc": p.get("tbc", False),
                "variables": len(variables),
            },
        )
        return {}

    async def notify_event(self, ctx: StationContext, p: dict[str, Any]) -> dict[str, Any]:
        await self._device_model.record_values(ctx.station_id, event_values(p["eventData"]))
        for event in p["eventData"]:
            self._s.bus.publish(
                "station.event",
                ctx.station_id,
                {
                    "event_id": event["eventId"],
                    "trigger": event["trigger"],
                    "component": event["component"]["name"],
                    "variable": event["variable"]["name"],
                    "actual_value": event["actualValue"],
                    "cleared": event.get("cleared", False),
                    "tech_code": event.get("techCode"),
                    "transaction_id": event.get("transactionId"),
                },
            )
        return {}

    async def data_transfer(self, ctx: StationContext, p: dict[str, Any]) -> dict[str, Any]:
        # No vendor extensions are known yet; the spec's answer for an unknown vendor.
        return {"status": "UnknownVendorId"}
