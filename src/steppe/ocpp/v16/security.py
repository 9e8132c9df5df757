"""OCPP 1.6 security extension (whitepaper edition 3): messages from chargers.

SignCertificate is answered at once; the signed chain follows as CertificateSigned, sent by a
tracked task shortly after the answer, the way a CSMS that forwards CSRs to a CA behaves.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any, Protocol, runtime_checkable

from steppe.domain.ports import CommandSender
from steppe.domain.security.service import SecurityService, SigningUnavailable
from steppe.domain.services import Services
from steppe.domain.stations.models import StationContext
from steppe.errors import SteppeError
from steppe.ocpp.dispatcher import Handler
from steppe.ocpp.timestamps import parse_timestamp
from steppe.pki.authority import CsrRefused

log = logging.getLogger("steppe.ocpp")

Spawn = Callable[[Coroutine[Any, Any, None]], None]
# Seconds between answering SignCertificate and sending CertificateSigned.
DELIVERY_DELAY = 0.05


@runtime_checkable
class Routable(Protocol):
    def add_route(self, action: str, handler: Handler) -> None: ...


class CertificateDelivery:
    """Signs a station's CSR and, once the answer is out, sends it the chain."""

    def __init__(self, security: SecurityService, commands: CommandSender, spawn: Spawn) -> None:
        self._security = security
        self._commands = commands
        self._spawn = spawn

    async def sign(self, station_id: str, csr: str, extra: dict[str, Any]) -> str | None:
        """Sign and schedule CertificateSigned; the reason for refusing, or None."""
        try:
            issued = await self._security.sign_csr(station_id, csr)
        except (CsrRefused, SigningUnavailable) as exc:
            log.warning("[%s] SignCertificate rejected: %s", station_id, exc)
            return str(exc)
        payload = {"certificateChain": issued.chain_pem.decode("ascii"), **extra}
        self._spawn(self._deliver(station_id, payload))
        return None

    async def _deliver(self, station_id: str, payload: dict[str, Any]) -> None:
        await asyncio.sleep(DELIVERY_DELAY)
        try:
            answer = await self._commands.call(station_id, "CertificateSigned", payload)
        except SteppeError as exc:
            log.warning("[%s] CertificateSigned not delivered: %s", station_id, exc)
            return
        log.info("[%s] CertificateSigned: %s", station_id, answer.get("status"))


class V16Security:
    """The 1.6 security extension's incoming messages."""

    def __init__(
        self, services: Services, security: SecurityService, delivery: CertificateDelivery
    ) -> None:
        self._s = services
        self._security = security
        self._delivery = delivery

    def install(self, handlers: Routable) -> None:
        handlers.add_route("SignCertificate", self.sign_certificate)
        handlers.add_route("SecurityEventNotification", self.security_event)
        handlers.add_route("LogStatusNotification", self.log_status)
        handlers.add_route("SignedFirmwareStatusNotification", self.firmware_status)

    async def sign_certificate(self, ctx: StationContext, p: dict[str, Any]) -> dict[str, Any]:
        refused = await self._delivery.sign(ctx.station_id, p["csr"], {})
        return {"status": "Rejected" if refused else "Accepted"}

    async def security_event(self, ctx: StationContext, p: dict[str, Any]) -> dict[str, Any]:
        await self._security.record_event(
            ctx.station_id,
            p["type"],
            occurred_at=parse_timestamp(p["timestamp"]),
            tech_info=p.get("techInfo"),
            ocpp_version=ctx.ocpp_version,
        )
        return {}

    async def log_status(self, ctx: StationContext, p: dict[str, Any]) -> dict[str, Any]:
        data = {"status": p["status"], "request_id": p.get("requestId")}
        self._s.bus.publish("station.log_status", ctx.station_id, data)
        return {}

    async def firmware_status(self, ctx: StationContext, p: dict[str, Any]) -> dict[str, Any]:
        data = {"status": p["status"], "request_id": p.get("requestId")}
        self._s.bus.publish("station.firmware_status", ctx.station_id, data)
        return {}
