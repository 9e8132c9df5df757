"""What ISO 15118 Plug & Charge needs from a PKI: the port Steppe's 2.0.1 handlers use, and
what it answers.

`ContractCertificates` is the port. `LocalContractCertificates` (local.py) implements it with
Steppe's own V2G sub-CA: it signs SECC certificates, answers OCSP for the certificates it
issued, and checks contract certificates against the V2G root. An adapter for a PKI hub or a
mobility operator (forwarding the EXI of Get15118EVCertificate, asking its OCSP responders)
implements the same four methods; nothing else changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from steppe.pki.authority import IssuedCertificate
from steppe.pki.ocsp import CertificateId


@dataclass(frozen=True, slots=True)
class PkiAnswer:
    """Accepted or Failed, with the payload the station gets (base64) or the reason why not."""

    status: str
    payload: str | None = None
    reason: str | None = None


class ContractCertificates(Protocol):
    async def sign_secc(self, station_id: str, csr_pem: str) -> IssuedCertificate:
        """An SECC certificate for the station's CSR (SignCertificate, V2GCertificate);
        CsrRefused or SigningUnavailable when it cannot be made."""
        ...

    async def ev_certificate(
        self, station_id: str, schema_version: str, action: str, exi_request: str
    ) -> PkiAnswer:
        """Get15118EVCertificate: install or update an EV's contract certificate; the payload
        is the EXI response for the EV."""
        ...

    async def certificate_status(self, station_id: str, request: CertificateId) -> PkiAnswer:
        """GetCertificateStatus: the payload is the DER OCSP response, base64."""
        ...

    async def check_contract(
        self, station_id: str, chain_pem: str | None, hashes: list[CertificateId]
    ) -> str:
        """Authorize with certificate data: the 2.0.1 certificateStatus (Accepted,
        CertificateExpired, CertificateRevoked, CertChainError, SignatureError,
        NoCertificateAvailable)."""
        ...
