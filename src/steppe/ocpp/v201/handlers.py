"""OCPP 2.0.1 messages from charging stations, answered through the version-agnostic domain.

EVSEs and connectors are the domain's own notions; evse 0 in a StatusNotification is the station.
The security messages (part 2, blocks A and M) are answered here too.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from steppe.domain.charging_profiles.service import ChargingReport
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
from steppe.pki.ocsp import CertificateId
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


def _moment(value: str | None) -> datetime | None:
    return None if value is None else parse_timestamp(value)


def device_event(event: JsonObject) -> JsonObject:
    """A NotifyEvent EventDataType as the monitoring service stores it."""
    return {
        "event_id": event["eventId"],
        "occurred_at": parse_timestamp(event["timestamp"]),
        "trigger": event["trigger"],
        "cause": event.get("cause"),
        "actual_value": event["actualValue"],
        "tech_code": event.get("techCode"),
        "tech_info": event.get("techInfo"),
        "cleared": bool(event.get("cleared", False)),
        "transaction_id": event.get("transactionId"),
        "monitor_id": event.get("variableMonitoringId"),
        "notification_type": event["eventNotificationType"],
        "component": event["component"]["name"],
        "evse_id": (event["component"].get("evse") or {}).get("id"),
        "variable": event["variable"]["name"],
    }


def certificate_id(data: JsonObject) -> CertificateId:
    """A 2.0.1 OCSPRequestDataType as the PKI names a certificate."""
    return CertificateId(
        hash_algorithm=data["hashAlgorithm"],
        issuer_name_hash=data["issuerNameHash"],
        issuer_key_hash=data["issuerKeyHash"],
        serial_number=data["serialNumber"],
    )


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
            "NotifyChargingLimit": self.charging_report(ChargingReport.LIMIT, {}),
            "ClearedChargingLimit": self.charging_report(ChargingReport.LIMIT_CLEARED, {}),
            "NotifyEVChargingNeeds": self.charging_report(
                ChargingReport.EV_NEEDS, {"status": "Accepted"}
            ),
            "NotifyEVChargingSchedule": self.charging_report(
                ChargingReport.EV_SCHEDULE, {"status": "Accepted"}
            ),
            "ReportChargingProfiles": self.report_profiles,
            "NotifyDisplayMessages": self.notify_display_messages,
            "NotifyMonitoringReport": self.notify_monitoring_report,
            "NotifyCustomerInformation": self.notify_customer_information,
            # Security (part 2, blocks A and M) and ISO 15118 Plug & Charge.
            "SignCertificate": self.sign_certificate,
            "Get15118EVCertificate": self.ev_certificate,
            "GetCertificateStatus": self.certificate_status,
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

    def charging_report(self, kind: ChargingReport, answer: JsonObject) -> Handler:
        """A limit or EV report, stored as received; answered with `answer`."""

        async def handle(ctx: StationContext, payload: JsonObject) -> JsonObject:
            await self._services.charging_profiles.report(
                ctx.station_id, kind, payload.get("evseId"), payload
            )
            return answer

        return handle

    async def report_profiles(self, ctx: StationContext, payload: JsonObject) -> JsonObject:
        await self._services.charging_profiles.reported(
            ctx.station_id,
            payload["evseId"],
            payload["chargingLimitSource"],
            payload["chargingProfile"],
        )
        return {}

    async def notify_display_messages(self, ctx: StationContext, payload: JsonObject) -> JsonObject:
        messages = [
            {
                "message_id": m["id"],
                "priority": m["priority"],
                "state": m.get("state"),
                "format": m["message"]["format"],
                "language": m["message"].get("language"),
                "content": m["message"]["content"],
                "starts_at": _moment(m.get("startDateTime")),
                "ends_at": _moment(m.get("endDateTime")),
                "transaction_id": m.get("transactionId"),
            }
            for m in payload.get("messageInfo", [])
        ]
        await self._services.display_messages.reported(ctx.station_id, messages)
        return {}

    async def notify_monitoring_report(
        self, ctx: StationContext, payload: JsonObject
    ) -> JsonObject:
        await self._services.monitoring.reported(ctx.station_id, payload.get("monitor", []))
        return {}

    async def notify_customer_information(
        self, ctx: StationContext, payload: JsonObject
    ) -> JsonObject:
        await self._services.customer_information.received(
            ctx.station_id,
            request_id=payload["requestId"],
            seq_no=payload["seqNo"],
            tbc=bool(payload.get("tbc", False)),
            data=payload["data"],
            generated_at=parse_timestamp(payload["generatedAt"]),
        )
        return {}

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
            answer: JsonObject = {"idTokenInfo": {"status": TokenStatus.ACCEPTED.value}}
        else:
            info = id_token_info(await self._services.tokens.authorize(token))
            answer = {"idTokenInfo": info}
        if "certificate" in payload or "iso15118CertificateHashData" in payload:
            status = await self._services.plug_and_charge.check_contract(
                ctx.station_id,
                payload.get("certificate"),
                [certificate_id(h) for h in payload.get("iso15118CertificateHashData", [])],
            )
            answer["certificateStatus"] = status
            if status != "Accepted":
                answer["idTokenInfo"] = {"status": TokenStatus.INVALID.value}
        return answer

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
        outcome, authorization = await self._services.transaction_events.apply(ctx, event)
        answer: JsonObject = {}
        if "idToken" in payload:
            answer["idTokenInfo"] = (
                {"status": TokenStatus.ACCEPTED.value}  # NoAuthorization: nothing to check
                if authorization is None
                else id_token_info(authorization)
            )
        if not outcome.duplicate and (event.kind == "Ended" or event.samples):
            answer.update(await self._cost(outcome.pk, final=event.kind == "Ended"))
        return answer

    async def _cost(self, pk: int, *, final: bool) -> JsonObject:
        """The cost so far (or, at the end, the total) for the station's display (OCPP 2.0.1
        I02 and I03): `totalCost` incl. VAT, and the same as a line of text with its currency."""
        transactions = self._services.transactions
        cost = (
            await self._services.cdrs.running_cost(pk)
            if final
            else await transactions.running_cost_of(pk)
        )
        if cost is None:
            return {}
        label = "Total" if final else "So far"
        return {
            "totalCost": float(Decimal(cost["incl_vat"])),
            "updatedPersonalMessage": {
                "format": "UTF8",
                "content": f"{label}: {cost['incl_vat']} {cost['currency']}",
            },
        }

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
        await self._services.monitoring.record_events(
            ctx.station_id, [device_event(event) for event in payload["eventData"]]
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
        status, data = await self._services.data_transfers.received(
            ctx.station_id, payload["vendorId"], payload.get("messageId"), payload.get("data")
        )
        return {"status": status} if data is None else {"status": status, "data": data}

    async def sign_certificate(self, ctx: StationContext, payload: JsonObject) -> JsonObject:
        kind = payload.get("certificateType", STATION_CERTIFICATE)
        if kind == STATION_CERTIFICATE:
            refused = await self._certificates.sign(
                ctx.station_id, payload["csr"], {"certificateType": STATION_CERTIFICATE}
            )
        else:  # V2GCertificate: the V2G sub-CA signs it (ISO 15118)
            refused = await self._certificates.sign_v2g(ctx.station_id, payload["csr"])
        if refused:
            return {
                "status": "Rejected",
                "statusInfo": {"reasonCode": "InvalidCSR", "additionalInfo": refused[:512]},
            }
        return {"status": "Accepted"}

    async def ev_certificate(self, ctx: StationContext, payload: JsonObject) -> JsonObject:
        found = await self._services.plug_and_charge.ev_certificate(
            ctx.station_id,
            payload["iso15118SchemaVersion"],
            payload["action"],
            payload["exiRequest"],
        )
        answer: JsonObject = {"status": found.status, "exiResponse": found.payload or ""}
        if found.reason:
            answer["statusInfo"] = {"reasonCode": found.reason}
        return answer

    async def certificate_status(self, ctx: StationContext, payload: JsonObject) -> JsonObject:
        found = await self._services.plug_and_charge.certificate_status(
            ctx.station_id, certificate_id(payload["ocspRequestData"])
        )
        answer: JsonObject = {"status": found.status}
        if found.payload:
            answer["ocspResult"] = found.payload
        if found.reason:
            answer["statusInfo"] = {"reasonCode": found.reason}
        return answer

    async def security_event(self, ctx: StationContext, payload: JsonObject) -> JsonObject:
        await self._services.security.record_event(
            ctx.station_id,
            payload["type"],
            occurred_at=parse_timestamp(payload["timestamp"]),
            tech_info=payload.get("techInfo"),
            ocpp_version=ctx.ocpp_version,
        )
        return {}
