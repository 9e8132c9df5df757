"""Plug & Charge with Steppe's own V2G sub-CA (the local implementation of the port).

- SECC certificates: signed by the sub-CA for a station's V2G CSR, recorded as `v2g` issued
  certificates (so they can be revoked and answered for).
- OCSP: a request naming the sub-CA is answered with a response the sub-CA signs: GOOD for a
  certificate it issued, REVOKED once revoked, UNKNOWN for a serial it never issued. A request
  for another issuer is Failed (no responder for it here).
- Contract certificates (Authorize with `certificate`): the chain must lead to the V2G root, be
  within its dates and not revoked among what Steppe issued.
- Get15118EVCertificate: installing a contract certificate needs the EV's EXI request decoded and
  a mobility operator's contract; the local implementation has neither and answers Failed
  (`NoContractProvider`), keeping the request's size in the log. A PKI hub adapter goes here.
"""

from __future__ import annotations

import base64
import logging
from datetime import datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.x509 import ocsp

from steppe.domain.plug_and_charge.ports import PkiAnswer
from steppe.domain.ports import Clock
from steppe.domain.security.service import SigningUnavailable
from steppe.pki.authority import IssuedCertificate
from steppe.pki.ocsp import CertificateId, answer
from steppe.pki.v2g import V2gChain, sign_secc_csr
from steppe.storage.db import Database
from steppe.storage.group_commit import Batch, GroupCommitter
from steppe.storage.repositories import security as repo

log = logging.getLogger("steppe.domain")
V2G = "v2g"
ACCEPTED, FAILED = "Accepted", "Failed"


class LocalContractCertificates:
    def __init__(
        self,
        db: Database,
        committer: GroupCommitter,
        clock: Clock,
        chain: V2gChain | None,
        *,
        organization: str | None = None,
    ) -> None:
        self._db = db
        self._committer = committer
        self._clock = clock
        self._chain = chain
        self._organization = organization

    async def sign_secc(self, station_id: str, csr_pem: str) -> IssuedCertificate:
        if self._chain is None:
            raise SigningUnavailable("no V2G sub-CA configured (STEPPE_V2G_CA_FILE)")
        issued = sign_secc_csr(self._chain.sub_ca, csr_pem, organization=self._organization)
        certificate = issued.certificate
        values = {
            "station_id": station_id,
            "serial": issued.serial_hex,
            "subject": certificate.subject.rfc4514_string(),
            "not_before": certificate.not_valid_before_utc,
            "not_after": certificate.not_valid_after_utc,
            "certificate_pem": issued.certificate_pem.decode("ascii"),
            "created_at": self._clock.now(),
            "kind": V2G,
        }

        async def write(batch: Batch) -> None:
            repo.add_certificate_later(batch, values)

        await self._committer.write(write)
        log.info("[%s] signed a V2G certificate, serial %s", station_id, issued.serial_hex)
        return issued

    async def ev_certificate(
        self, station_id: str, schema_version: str, action: str, exi_request: str
    ) -> PkiAnswer:
        log.info(
            "[%s] Get15118EVCertificate %s (%s, %d characters of EXI): no contract provider",
            station_id,
            action,
            schema_version,
            len(exi_request),
        )
        return PkiAnswer(FAILED, None, "NoContractProvider")

    async def certificate_status(self, station_id: str, request: CertificateId) -> PkiAnswer:
        if self._chain is None:
            return PkiAnswer(FAILED, None, "NoV2GAuthority")
        serial = format(int(request.serial_number, 16), "x")
        async with self._db.connect() as conn:
            row = await repo.by_serial(conn, serial, V2G)
        if row is None:
            status: tuple[ocsp.OCSPCertStatus, datetime | None] = (
                ocsp.OCSPCertStatus.UNKNOWN,
                None,
            )
        elif row["revoked_at"] is not None:
            status = (ocsp.OCSPCertStatus.REVOKED, row["revoked_at"])
        else:
            status = (ocsp.OCSPCertStatus.GOOD, None)
        der = answer(self._chain.sub_ca, request, lambda _serial: status, now=self._clock.now())
        if der is None:
            return PkiAnswer(FAILED, None, "UnknownIssuer")
        return PkiAnswer(ACCEPTED, base64.b64encode(der).decode("ascii"))

    async def check_contract(
        self, station_id: str, chain_pem: str | None, hashes: list[CertificateId]
    ) -> str:
        if chain_pem is None and not hashes:
            return "NoCertificateAvailable"
        if chain_pem is not None:
            return await self._check_chain(chain_pem)
        for item in hashes:
            found = await self.certificate_status(station_id, item)
            if found.status != ACCEPTED:
                return "CertChainError"
            response = ocsp.load_der_ocsp_response(base64.b64decode(found.payload or ""))
            if response.certificate_status is ocsp.OCSPCertStatus.REVOKED:
                return "CertificateRevoked"
            if response.certificate_status is not ocsp.OCSPCertStatus.GOOD:
                return "CertChainError"
        return ACCEPTED

    async def _check_chain(self, chain_pem: str) -> str:
        if self._chain is None:
            return "CertChainError"
        try:
            certificates = x509.load_pem_x509_certificates(chain_pem.encode())
        except ValueError:
            return "SignatureError"
        now = self._clock.now()
        anchors = [self._chain.root, self._chain.sub_ca.certificate]
        for child, parent in zip(certificates, [*certificates[1:], None], strict=True):
            if not child.not_valid_before_utc <= now <= child.not_valid_after_utc:
                return "CertificateExpired"
            issuers = anchors if parent is None else [parent, *anchors]
            if not any(_issued_by(child, issuer) for issuer in issuers):
                return "CertChainError"
        async with self._db.connect() as conn:
            for certificate in certificates:
                row = await repo.by_serial(conn, format(certificate.serial_number, "x"), V2G)
                if row is not None and row["revoked_at"] is not None:
                    return "CertificateRevoked"
        return ACCEPTED


def _issued_by(child: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        child.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True
