"""OCPP 2.0.1 messages from charging stations, answered through the version-agnostic domain.

EVSEs and connectors are the domain's own notions; evse 0 in a StatusNotification is the station.
The security messages (part 2, blocks A and M) are answered here too.
"""

from __future__ import annotations

from steppe.domain.events import EventType
from steppe.domain.firmware.models import JobKind
from steppe.domain.services import Services
from steppe.domain.stations.models import BootInfo, StationContext
from steppe.domain.tokens.models import Authorization, TokenStatus
from steppe.domain.transactions.models import TransactionEvent
from steppe.ocpp.certificates import CertificateDelivery
from steppe.ocpp.dispatcher import Handler
from steppe.ocpp.station_rules import StationRules
from steppe.ocpp.timestamps import format_timestamp, parse_timestamp
from steppe.ocpp.v201.device_model import event_values, report_variables
from steppe.ocpp.v201.samples import to_samples, to_signed
from steppe.types import JsonObject

REGISTRATION_STATUS = {"accepted": "Accepted", "pending": "Pending", "rejected": "Rejected"}
# An idToken of this type carries no identity: the station charges without asking anyone.
NO_AUTHORIZATION = "NoAuthorization"
STATION_CERTIFICATE = "ChargingStationCertificate"


def id_token_info(authorization: Authorization) -> JsonObject:
    info: JsonObject = {"status": authorization.status.value}
    if authorization.expires_at is not None:
        info["cacheExpiryDateTime"] = format_timestamp(authorization.expires_at)
    if authorization.parent_id_token is not None:
        info["groupIdToken"] = {"idToken": authorization.parent_id_token, "type": "Central"}
    return info


def _token(payload: JsonObject) -> str | None:
    """The id token a message names, None when it names none (or NoAuthorization)."""
    id_token = payload.get("idToken")
    if not id_token or id_token.get("type") == NO_AUTHORIZATION:
        return None
    return str(id_token["idToken"])


class V201Handlers(StationRules):
    """One method per incoming 2.0.1 action."""

    def __init__(self, services: Services, certificates: CertificateDelivery) -> None:
        super().__init__(services)
        self._certificates = certificates
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
            "FirmwareStatusNotification": self.job_status(JobKind.FIRMWARE),
            "LogStatusNotification": self.job_status(JobKind.LOG),
            "PublishFirmwareStatusNotification": self.job_status(JobKind.PUBLISH),
            "ReservationStatusUpdate": self.reservation_status,
            "NotifyChargingLimit": self.notice(
                EventType.CHARGING_LIMIT,
                charging_limit="chargingLimit",
                evse_id="evseId",
                charging_schedule="chargingSchedule",
            ),
            "ReportChargingProfiles": self.notice(
                EventType.CHARGING_PROFILES,
                request_id="requestId",
                charging_limit_source="chargingLimitSource",
                evse_id="evseId",
                charging_profile="chargingProfile",
                tbc="tbc",
            ),
            # Security (part 2, blocks A and M).
            "SignCertificate": self.sign_certificate,
            "SecurityEventNotification": self.security_event,
        }

    def route(self, action: str) -> Handler | None:
        return self._routes.get(action)

    def job_status(self, kind: JobKind) -> Handler:
        """A firmware, log or publication status notification, stored on its job."""

        async def handle(ctx: StationContext, payload: JsonObject) -> JsonObject:
            await self._services.firmware_jobs.notified(
                ctx.station_id, kind, payload["status"], payload.get("requestId")
            )
            return {}

        return handle

    def notice(self, event_type: EventType, **fields: str) -> Handler:
        """A handler that publishes the message's fields (event data key = message field) and
        answers {}."""

        async def handle(ctx: StationContext, payload: JsonObject) -> JsonObject:
            data = {key: payload[name] for key, name in fields.items() if name in payload}
            self._services.bus.publish(event_type, ctx.station_id, data)
            return {}

        return handle

    async def reservation_status(self, ctx: StationContext, payload: JsonObject) -> JsonObject:
        await self._services.reservations.station_update(
            ctx.station_id, payload["reservationId"], payload["reservationUpdateStatus"]
        )
        return {}

    async def boot_notification(self, ctx: StationContext, payload: JsonObject) -> JsonObject:
        station = payload["chargingStation"]
        modem = station.get("modem") or {}
        info = BootInfo(
            vendor=station["vendorName"],
            model=station["model"],
            serial_number=station.get("serialNumber"),
            firmware_version=station.get("firmwareVersion"),
            iccid=modem.get("iccid"),
            imsi=modem.get("imsi"),
        )
        result = await self._services.stations.boot(ctx, info)
        return {
            "status": REGISTRATION_STATUS[result.registration.value],
            "currentTime": format_timestamp(result.current_time),
            "interval": result.interval,
        }

    async def heartbeat(self, ctx: StationContext, payload: JsonObject) -> JsonObject:
        return {"currentTime": format_timestamp(self._services.clock.now())}

    async def status_notification(self, ctx: StationContext, payload: JsonObject) -> JsonObject:
        await self._services.stations.connector_status(
            ctx,
            evse_id=payload["evseId"],
            connector_id=payload["connectorId"],
            status=payload["connectorStatus"],
            timestamp=parse_timestamp(payload["timestamp"]),
        )
        return {}

    async def authorize(self, ctx: StationContext, payload: JsonObject) -> JsonObject:
        token = _token(payload)
        if token is None:
            return {"idTokenInfo": {"status": TokenStatus.ACCEPTED.value}}
        return {"idTokenInfo": id_token_info(await self._services.tokens.authorize(token))}

    async def transaction_event(self, ctx: StationContext, payload: JsonObject) -> JsonObject:
        info = payload["transactionInfo"]
        evse = payload.get("evse") or {}
        event = TransactionEvent(
            kind=payload["eventType"],
            ocpp_id=info["transactionId"],
            seq_no=payload["seqNo"],
            timestamp=parse_timestamp(payload["timestamp"]),
            trigger_reason=payload["triggerReason"],
            offline=bool(payload.get("offline", False)),
            evse_id=evse.get("id"),
            connector_id=evse.get("connectorId"),
            id_token=_token(payload),
            id_token_type=(payload.get("idToken") or {}).get("type"),
            charging_state=info.get("chargingState"),
            stopped_reason=info.get("stoppedReason"),
            remote_start_id=info.get("remoteStartId"),
            reservation_id=payload.get("reservationId"),
            samples=tuple(to_samples(payload.get("meterValue", []))),
            signed=tuple(to_signed(payload.get("meterValue", []))),
        )
        _, authorization = await self._services.transaction_events.apply(ctx, event)
        if "idToken" not in payload:
            return {}
        if authorization is None:  # NoAuthorization: nothing to check
            return {"idTokenInfo": {"status": TokenStatus.ACCEPTED.value}}
        return {"idTokenInfo": id_token_info(authorization)}

    async def meter_values(self, ctx: StationContext, payload: JsonObject) -> JsonObject:
        await self._services.transactions.meter_values(
            ctx,
            evse_id=payload["evseId"],
            ocpp_id=None,
            samples=to_samples(payload["meterValue"]),
            signed=to_signed(payload["meterValue"]),
        )
        return {}

    async def notify_report(self, ctx: StationContext, payload: JsonObject) -> JsonObject:
        variables = report_variables(payload.get("reportData", []))
        await self._services.device_model.record(ctx.station_id, variables)
        self._services.bus.publish(
            EventType.STATION_REPORT,
            ctx.station_id,
            {
                "request_id": payload["requestId"],
                "seq_no": payload["seqNo"],
                "tbc": payload.get("tbc", False),
                "variables": len(variables),
            },
        )
        return {}

    async def notify_event(self, ctx: StationContext, payload: JsonObject) -> JsonObject:
        await self._services.device_model.record_values(
            ctx.station_id, event_values(payload["eventData"])
        )
        for event in payload["eventData"]:
            self._services.bus.publish(
                EventType.STATION_EVENT,
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

    async def data_transfer(self, ctx: StationContext, payload: JsonObject) -> JsonObject:
        # No vendor extensions are known yet; the spec's answer for an unknown vendor.
        return {"status": "UnknownVendorId"}

    async def sign_certificate(self, ctx: StationContext, payload: JsonObject) -> JsonObject:
        kind = payload.get("certificateType", STATION_CERTIFICATE)
        if kind != STATION_CERTIFICATE:
            # V2G certificates come from the V2G PKI, not from this CA.
            return {
                "status": "Rejected",
                "statusInfo": {"reasonCode": "NotSupported", "additionalInfo": kind},
            }
        refused = await self._certificates.sign(
            ctx.station_id, payload["csr"], {"certificateType": STATION_CERTIFICATE}
        )
        if refused:
            return {
                "status": "Rejected",
                "statusInfo": {"reasonCode": "InvalidCSR", "additionalInfo": refused[:512]},
            }
        return {"status": "Accepted"}

    async def security_event(self, ctx: StationContext, payload: JsonObject) -> JsonObject:
        await self._services.security.record_event(
            ctx.station_id,
            payload["type"],
            occurred_at=parse_timestamp(payload["timestamp"]),
            tech_info=payload.get("techInfo"),
            ocpp_version=ctx.ocpp_version,
        )
        return {}
