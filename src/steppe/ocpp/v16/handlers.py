"""OCPP 1.6 messages from chargers, answered through the version-agnostic domain.

A 1.6 connector N is EVSE N with one connector (connector 1) in the domain; connector 0 is the
charger itself. The security extension's messages (whitepaper edition 3) are answered here too.
"""

from __future__ import annotations

import json

from steppe.domain.firmware.models import JobKind
from steppe.domain.services import Services
from steppe.domain.stations.models import BootInfo, StationContext
from steppe.domain.tokens.models import Authorization
from steppe.domain.transactions.models import energy_register_wh
from steppe.ocpp.certificates import CertificateDelivery
from steppe.ocpp.dispatcher import Handler
from steppe.ocpp.station_rules import StationRules
from steppe.ocpp.timestamps import format_timestamp, parse_timestamp
from steppe.ocpp.v16.cost_messages import CostDisplay
from steppe.ocpp.v16.samples import to_samples, to_signed
from steppe.types import JsonObject

REGISTRATION_STATUS = {"accepted": "Accepted", "pending": "Pending", "rejected": "Rejected"}


def id_tag_info(authorization: Authorization) -> JsonObject:
    info: JsonObject = {"status": authorization.status.value}
    if authorization.expires_at is not None:
        info["expiryDate"] = format_timestamp(authorization.expires_at)
    if authorization.parent_id_token is not None:
        info["parentIdTag"] = authorization.parent_id_token
    return info


class V16Handlers(StationRules):
    """One method per incoming 1.6 action."""

    def __init__(
        self,
        services: Services,
        certificates: CertificateDelivery,
        *,
        cost_display: CostDisplay | None = None,
    ) -> None:
        super().__init__(services)
        self._certificates = certificates
        self._cost_display = cost_display
        self._routes: dict[str, Handler] = {
            "BootNotification": self.boot_notification,
            "Heartbeat": self.heartbeat,
            "StatusNotification": self.status_notification,
            "Authorize": self.authorize,
            "StartTransaction": self.start_transaction,
            "MeterValues": self.meter_values,
            "StopTransaction": self.stop_transaction,
            "DataTransfer": self.data_transfer,
            "DiagnosticsStatusNotification": self.diagnostics_status,
            "FirmwareStatusNotification": self.firmware_status,
            # Security extension.
            "SignCertificate": self.sign_certificate,
            "SecurityEventNotification": self.security_event,
            "LogStatusNotification": self.log_status,
            "SignedFirmwareStatusNotification": self.firmware_status,
        }

    def route(self, action: str) -> Handler | None:
        return self._routes.get(action)

    async def boot_notification(self, ctx: StationContext, payload: JsonObject) -> JsonObject:
        info = BootInfo(
            vendor=payload["chargePointVendor"],
            model=payload["chargePointModel"],
            serial_number=payload.get("chargePointSerialNumber")
            or payload.get("chargeBoxSerialNumber"),
            firmware_version=payload.get("firmwareVersion"),
            iccid=payload.get("iccid"),
            imsi=payload.get("imsi"),
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
        connector = payload["connectorId"]
        timestamp = payload.get("timestamp")
        await self._services.stations.connector_status(
            ctx,
            evse_id=connector,
            connector_id=0 if connector == 0 else 1,
            status=payload["status"],
            error_code=payload["errorCode"],
            info=payload.get("info"),
            vendor_error_code=payload.get("vendorErrorCode"),
            timestamp=parse_timestamp(timestamp) if timestamp else None,
        )
        return {}

    async def authorize(self, ctx: StationContext, payload: JsonObject) -> JsonObject:
        authorization = await self._services.tokens.authorize(payload["idTag"])
        return {"idTagInfo": id_tag_info(authorization)}

    async def start_transaction(self, ctx: StationContext, payload: JsonObject) -> JsonObject:
        authorization = await self._services.tokens.authorize(payload["idTag"])
        started = await self._services.transactions.start(
            ctx,
            evse_id=payload["connectorId"],
            connector_id=1,
            id_token=payload["idTag"],
            meter_start_wh=payload["meterStart"],
            started_at=parse_timestamp(payload["timestamp"]),
            reservation_id=payload.get("reservationId"),
            authorization=authorization,
        )
        return {"transactionId": started.pk, "idTagInfo": id_tag_info(authorization)}

    async def meter_values(self, ctx: StationContext, payload: JsonObject) -> JsonObject:
        transaction_id = payload.get("transactionId")
        ocpp_id = None if transaction_id is None else str(transaction_id)
        samples = to_samples(payload["meterValue"])
        await self._services.transactions.meter_values(
            ctx,
            evse_id=payload["connectorId"],
            ocpp_id=ocpp_id,
            samples=samples,
            signed=to_signed(payload["meterValue"]),
        )
        if self._cost_display is not None and ocpp_id is not None and samples:
            pk = ctx.transactions.get(ocpp_id)
            if pk is not None:
                readings = energy_register_wh(tuple(samples))
                last = readings[-1] if readings else (samples[-1].timestamp, None)
                self._cost_display.running(ctx.station_id, pk, ocpp_id, last[0], last[1])
        return {}

    async def stop_transaction(self, ctx: StationContext, payload: JsonObject) -> JsonObject:
        ocpp_id = str(payload["transactionId"])
        pk = ctx.transactions.get(ocpp_id) or await self._services.transactions.resolve(
            ctx, ocpp_id
        )
        authorization = await self._services.transactions.stop(
            ctx,
            ocpp_id=str(payload["transactionId"]),
            meter_stop_wh=payload["meterStop"],
            stopped_at=parse_timestamp(payload["timestamp"]),
            reason=payload.get("reason", "Local"),
            id_token=payload.get("idTag"),
            samples=to_samples(payload.get("transactionData", [])),
            signed=to_signed(payload.get("transactionData", [])),
        )
        if self._cost_display is not None and pk is not None:
            self._cost_display.final(ctx.station_id, pk, ocpp_id)
        return {} if authorization is None else {"idTagInfo": id_tag_info(authorization)}

    async def data_transfer(self, ctx: StationContext, payload: JsonObject) -> JsonObject:
        status, data = await self._services.data_transfers.received(
            ctx.station_id, payload["vendorId"], payload.get("messageId"), payload.get("data")
        )
        if data is None:
            return {"status": status}
        return {"status": status, "data": data if isinstance(data, str) else json.dumps(data)}

    async def diagnostics_status(self, ctx: StationContext, payload: JsonObject) -> JsonObject:
        await self._services.firmware_jobs.notified(
            ctx.station_id, JobKind.LOG, payload["status"], None
        )
        return {}

    async def firmware_status(self, ctx: StationContext, payload: JsonObject) -> JsonObject:
        """FirmwareStatusNotification and the security extension's signed variant."""
        await self._services.firmware_jobs.notified(
            ctx.station_id, JobKind.FIRMWARE, payload["status"], payload.get("requestId")
        )
        return {}

    async def log_status(self, ctx: StationContext, payload: JsonObject) -> JsonObject:
        await self._services.firmware_jobs.notified(
            ctx.station_id, JobKind.LOG, payload["status"], payload.get("requestId")
        )
        return {}

    async def sign_certificate(self, ctx: StationContext, payload: JsonObject) -> JsonObject:
        refused = await self._certificates.sign(ctx.station_id, payload["csr"], {})
        return {"status": "Rejected" if refused else "Accepted"}

    async def security_event(self, ctx: StationContext, payload: JsonObject) -> JsonObject:
        await self._services.security.record_event(
            ctx.station_id,
            payload["type"],
            occurred_at=parse_timestamp(payload["timestamp"]),
            tech_info=payload.get("techInfo"),
            ocpp_version=ctx.ocpp_version,
        )
        return {}
