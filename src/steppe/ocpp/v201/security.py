"""OCPP 2.0.1 security messages from charging stations (part 2, blocks A and M)."""

from __future__ import annotations

from typing import Any

from steppe.domain.security.service import SecurityService
from steppe.domain.stations.models import StationContext
from steppe.ocpp.timestamps import parse_timestamp
from steppe.ocpp.v16.security import CertificateDelivery, Routable

STATION_CERTIFICATE = "ChargingStationCertificate"


class V201Security:
    """SignCertificate and SecurityEventNotification for 2.0.1 stations."""

    def __init__(self, security: SecurityService, delivery: CertificateDelivery) -> None:
        self._security = security
        self._delivery = delivery

    def install(self, handlers: Routable) -> None:
        handlers.add_route("SignCertificate", self.sign_certificate)
        handlers.add_route("SecurityEventNotification", self.security_event)

    async def sign_certificate(self, ctx: StationContext, p: dict[str, Any]) -> dict[str, Any]:
        kind = p.get("certificateType", STATION_CERTIFICATE)
        if kind != STATION_CERTIFICATE:
            # V2G certificates come from the V2G PKI, not from this CA.
            return {
                "status": "Rejected",
                "statusInfo": {"reasonCode": "NotSupported", "additionalInfo": kind},
            }
        refused = await self._delivery.sign(
            ctx.station_id, p["csr"], {"certificateType": STATION_CERTIFICATE}
        )
        if refused:
            return {
                "status": "Rejected",
                "statusInfo": {"reasonCode": "InvalidCSR", "additionalInfo": refused[:512]},
            }
        return {"status": "Accepted"}

    async def security_event(self, ctx: StationContext, p: dict[str, Any]) -> dict[str, Any]:
        await self._security.record_event(
            ctx.station_id,
            p["type"],
            occurred_at=parse_timestamp(p["timestamp"]),
            tech_info=p.get("techInfo"),
            ocpp_version=ctx.ocpp_version,
        )
        return {}
