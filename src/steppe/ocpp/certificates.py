"""Station certificates signed on request (SignCertificate, both versions).

SignCertificate is answered at once; the signed chain follows as CertificateSigned, sent by a
tracked task shortly after the answer, the way a CSMS that forwards CSRs to a CA behaves.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from steppe.domain.plug_and_charge.ports import ContractCertificates
from steppe.domain.ports import CommandSender
from steppe.domain.security.service import SecurityService, SigningUnavailable
from steppe.errors import SteppeError
from steppe.pki.authority import CsrRefused
from steppe.types import Spawn

log = logging.getLogger("steppe.ocpp")

# Seconds between answering SignCertificate and sending CertificateSigned.
DELIVERY_DELAY = 0.05


class CertificateDelivery:
    """Signs a station's CSR and, once the answer is out, sends it the chain."""

    def __init__(
        self,
        security: SecurityService,
        v2g: ContractCertificates,
        commands: CommandSender,
        spawn: Spawn,
    ) -> None:
        self._security = security
        self._v2g = v2g
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

    async def sign_v2g(self, station_id: str, csr: str) -> str | None:
        """A V2G (SECC) certificate from the V2G sub-CA, delivered as V2GCertificate."""
        try:
            issued = await self._v2g.sign_secc(station_id, csr)
        except (CsrRefused, SigningUnavailable) as exc:
            log.warning("[%s] V2G SignCertificate rejected: %s", station_id, exc)
            return str(exc)
        payload = {
            "certificateChain": issued.chain_pem.decode("ascii"),
            "certificateType": "V2GCertificate",
        }
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
