"""ISO 15118 Plug & Charge through Steppe's local V2G sub-CA: a 2.0.1 station's SECC CSR is
signed and delivered, its status is answered over OCSP (good, then revoked), a contract
certificate chain is checked at Authorize, and Get15118EVCertificate goes through the port."""

from __future__ import annotations

import asyncio
import base64
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import ocsp
from cryptography.x509.oid import NameOID
from ocpp.routing import on
from ocpp.v201 import ChargePoint, call, call_result
from ocpp.v201.enums import Action

from steppe.app import running
from steppe.pki.files import init_v2g_directory
from tests.e2e.charger import connect_v201
from tests.e2e.v201_steps import boot

PASSWORD = "plug-and-charge-pw-01"


class SeccStation(ChargePoint):
    """Keeps the certificate chains Steppe sends it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.chains: asyncio.Queue[tuple[str, str]] = asyncio.Queue()

    @on(Action.certificate_signed)
    async def signed(self, certificate_chain: str, **p: Any) -> call_result.CertificateSigned:
        await self.chains.put((p.get("certificate_type", ""), certificate_chain))
        return call_result.CertificateSigned(status="Accepted")


def csr(common_name: str) -> tuple[str, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    request = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
        .sign(key, hashes.SHA256())
    )
    return request.public_bytes(serialization.Encoding.PEM).decode(), key


def ocsp_data(certificate: x509.Certificate, issuer: x509.Certificate) -> dict[str, str]:
    """What a station asks about a certificate, computed by cryptography's OCSP request."""
    request = (
        ocsp.OCSPRequestBuilder().add_certificate(certificate, issuer, hashes.SHA256()).build()
    )
    return {
        "hashAlgorithm": "SHA256",
        "issuerNameHash": request.issuer_name_hash.hex(),
        "issuerKeyHash": request.issuer_key_hash.hex(),
        "serialNumber": format(request.serial_number, "x"),
        "responderURL": "http://ocsp.example.net",
    }


async def status(cp: SeccStation, data: dict[str, str]) -> Any:
    answer = await cp.call(call.GetCertificateStatus(ocsp_request_data=data))
    if answer.status != "Accepted":
        return answer.status
    return ocsp.load_der_ocsp_response(base64.b64decode(answer.ocsp_result)).certificate_status


async def test_a_secc_certificate_is_signed_answered_over_ocsp_and_revoked(
    tmp_path: Path, make_steppe: Any, api_for: Any
) -> None:
    """Sign, deliver, OCSP good then revoked, unknown serial, foreign issuer; Authorize with a
    chain of ours, a stranger's and a revoked certificate's hash; EV certificate via the port."""
    settings = init_v2g_directory(tmp_path / "v2g", organization="Steppe KZ")
    overrides = {name.removeprefix("STEPPE_").lower(): value for name, value in settings.items()}
    async with running(make_steppe(**overrides)) as app, api_for(app) as api:
        created = await api.post("/api/v1/stations", json={"id": "PNC-1", "password": PASSWORD})
        assert created.status_code == 201
        await api.post(
            "/api/v1/id-tokens",
            json={"id_token": "KZSTPC000000001", "status": "Accepted", "type": "eMAID"},
        )
        async with connect_v201(app.ocpp_url, "PNC-1", PASSWORD, cls=SeccStation) as cp:
            await boot(cp)
            request, _ = csr("KZSTPE0001")
            signed = await cp.call(
                call.SignCertificate(csr=request, certificate_type="V2GCertificate")
            )
            assert signed.status == "Accepted"
            kind, chain = await asyncio.wait_for(cp.chains.get(), 15)
            assert kind == "V2GCertificate"
            leaf, sub_ca = x509.load_pem_x509_certificates(chain.encode())
            leaf.verify_directly_issued_by(sub_ca)
            assert leaf.subject.rfc4514_string() == "O=Steppe,CN=KZSTPE0001"  # the operator

            asked = ocsp_data(leaf, sub_ca)
            assert await status(cp, asked) is ocsp.OCSPCertStatus.GOOD
            serial = format(leaf.serial_number, "x")
            revoked = await api.post(f"/api/v1/stations/PNC-1/certificates/issued/{serial}/revoke")
            assert revoked.status_code == 204
            assert await status(cp, asked) is ocsp.OCSPCertStatus.REVOKED
            assert (
                await status(cp, {**asked, "serialNumber": "abc123"}) is ocsp.OCSPCertStatus.UNKNOWN
            )
            assert await status(cp, {**asked, "issuerKeyHash": "00" * 32}) == "Failed"

            token = {"idToken": "KZSTPC000000001", "type": "eMAID"}
            other, _ = csr("KZSTPE0002")
            await cp.call(call.SignCertificate(csr=other, certificate_type="V2GCertificate"))
            _, good_chain = await asyncio.wait_for(cp.chains.get(), 15)
            accepted = await cp.call(call.Authorize(id_token=token, certificate=good_chain))
            assert accepted.certificate_status == "Accepted"
            assert accepted.id_token_info["status"] == "Accepted"
            stranger = self_signed()
            refused = await cp.call(call.Authorize(id_token=token, certificate=stranger))
            assert refused.certificate_status == "CertChainError"
            assert refused.id_token_info["status"] == "Invalid"
            by_hash = await cp.call(
                call.Authorize(id_token=token, iso15118_certificate_hash_data=[asked])
            )
            assert by_hash.certificate_status == "CertificateRevoked"

            contract = await cp.call(
                call.Get15118EVCertificate(
                    iso15118_schema_version="urn:iso:15118:2:2013:MsgDef",
                    action="Install",
                    exi_request=base64.b64encode(b"exi").decode(),
                )
            )
            assert contract.status == "Failed"
            assert contract.status_info["reason_code"] == "NoContractProvider"


def self_signed() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "not ours")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM).decode()
