"""OCPP 1.6 messages from chargers, answered through the version-agnostic domain.

A 1.6 connector N is EVSE N with one connector (connector 1) in the domain; connector 0 is the
charger itself.
"""

from __future__ import annotations

from typing import Any

from steppe.domain.services import Services
from steppe.domain.stations.models import BootInfo, StationContext
from steppe.domain.tokens.models import Authorization
from steppe.ocpp.dispatcher import Handler
from steppe.ocpp.timestamps import format_timestamp, parse_timestamp
from steppe.ocpp.v16.samples import to_samples

REGISTRATION_STATUS = {"accepted": "Accepted", "pending": "Pending", "rejected": "Rejected"}


def id_tag_info(authorization: Authorization) -> dict[str, Any]:
    info: dict[str, Any] = {"status": authorization.status.value}
    if authorization.expires_at is not None:
        info["expiryDate"] = format_timestamp(authorization.expires_at)
    if authorization.parent_id_token is not None:
        info["parentIdTag"] = authorization.parent_id_token
    return info


class V16Handlers:
    """One method per incoming 1.6 action."""

    def __init__(self, services: Services) -> None:
        self._s = services
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
        }

    def route(self, action: str) -> Handler | None:
        return self._routes.get(action)

    def add_route(self, action: str, handler: Handler) -> None:
        """Let a feature (security extension, smart charging, ...) answer one more action."""
        self._routes[action] = handler

    async def boot_notification(self, ctx: StationContext, p: dict[str, Any]) -> dict[str, Any]:
        info = BootInfo(
            vendor=p["chargePointVendor"],
            model=p["chargePointModel"],
            serial_number=p.get("chargePointSerialNumber") or p.get("chargeBoxSerialNumber"),
            firmware_version=p.get("firmwareVersion"),
            iccid=p.get("iccid"),
            imsi=p.get("imsi"),
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
        connector = p["connectorId"]
        timestamp = p.get("timestamp")
        await self._s.stations.connector_status(
            ctx,
            evse_id=connector,
            connector_id=0 if connector == 0 else 1,
            status=p["status"],
            error_code=p["errorCode"],
            info=p.get("info"),
            vendor_error_code=p.get("vendorErrorCode"),
            timestamp=parse_timestamp(timestamp) if timestamp else None,
        )
        return {}

    async def authorize(self, ctx: StationContext, p: dict[str, Any]) -> dict[str, Any]:
        authorization = await self._s.tokens.authorize(p["idTag"])
        return {"idTagInfo": id_tag_info(authorization)}

    async def start_transaction(self, ctx: StationContext, p: dict[str, Any]) -> dict[str, Any]:
        started = await self._s.transactions.start(
            ctx,
            evse_id=p["connectorId"],
            connector_id=1,
            id_token=p["idTag"],
            meter_start_wh=p["meterStart"],
            started_at=parse_timestamp(p["timestamp"]),
            reservation_id=p.get("reservationId"),
        )
        assert started.authorization is not None
        return {"transactionId": started.pk, "idTagInfo": id_tag_info(started.authorization)}

    async def meter_values(self, ctx: StationContext, p: dict[str, Any]) -> dict[str, Any]:
        transaction_id = p.get("transactionId")
        await self._s.transactions.meter_values(
            ctx,
            evse_id=p["connectorId"],
            ocpp_id=None if transaction_id is None else str(transaction_id),
            samples=to_samples(p["meterValue"]),
        )
        return {}

    async def stop_transaction(self, ctx: StationContext, p: dict[str, Any]) -> dict[str, Any]:
        authorization = await self._s.transactions.stop(
            ctx,
            ocpp_id=str(p["transactionId"]),
            meter_stop_wh=p["meterStop"],
            stopped_at=parse_timestamp(p["timestamp"]),
            reason=p.get("reason", "Local"),
            id_token=p.get("idTag"),
            samples=to_samples(p.get("transactionData", [])),
        )
        return {} if authorization is None else {"idTagInfo": id_tag_info(authorization)}

    async def data_transfer(self, ctx: StationContext, p: dict[str, Any]) -> dict[str, Any]:
        # No vendor extensions are known yet; the spec's answer for an unknown vendor.
        return {"status": "UnknownVendorId"}

    async def diagnostics_status(self, ctx: StationContext, p: dict[str, Any]) -> dict[str, Any]:
        self._s.bus.publish("station.diagnostics", ctx.station_id, {"status": p["status"]})
        return {}

    async def firmware_status(self, ctx: StationContext, p: dict[str, Any]) -> dict[str, Any]:
        self._s.bus.publish("station.firmware", ctx.station_id, {"status": p["status"]})
        return {}
