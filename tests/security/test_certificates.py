"""Certificate management end to end: a 1.6 charger (the `ocpp` library) signs a CSR, reports
security events, has certificates installed and deleted, and gets a new password."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
import websockets
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from ocpp.routing import on
from ocpp.v16 import ChargePoint, call, call_result
from ocpp.v16.enums import Action
from websockets.exceptions import InvalidStatus

from steppe.app import Steppe
from tests.e2e.charger import basic_auth
from tests.security.pki_files import LocalPki

PASSWORD = "first-password-0001"


class SecureCharger(ChargePoint):
    """A charger that keeps what Steppe sends it and answers as told."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.chains: asyncio.Queue[str] = asyncio.Queue()
        self.config_answer = "Accepted"
        self.config_seen: list[tuple[str, str]] = []
        self.installed: list[tuple[str, str]] = []

    @on(Action.certificate_signed)
    async def on_certificate_signed(self, certificate_chain: str) -> Any:
        await self.chains.put(certificate_chain)
        return call_result.CertificateSigned(status="Accepted")

    @on(Action.change_configuration)
    async def on_change_configuration(self, key: str, value: str) -> Any:
        self.config_seen.append((key, value))
        return call_result.ChangeConfiguration(status=self.config_answer)

    @on(Action.install_certificate)
    async def on_install(self, certificate_type: str, certificate: str) -> Any:
        self.installed.append((certificate_type, certificate))
        return call_result.InstallCertificate(status="Accepted")

    @on(Action.get_installed_certificate_ids)
    async def on_get_installed(self, certificate_type: str) -> Any:
        return call_result.GetInstalledCertificateIds(
            status="Accepted",
            certificate_hash_data=[
                {
                    "hash_algorithm": "SHA256",
                    "issuer_name_hash": "ab" * 32,
                    "issuer_key_hash": "cd" * 32,
                    "serial_number": "1f",
                }
            ],
        )

    @on(Action.delete_certificate)
    async def on_delete(self, certificate_hash_data: dict[str, str]) -> Any:
        return call_result.DeleteCertificate(status="Accepted")


@asynccontextmanager
async def charger(
    app: Steppe, pki: LocalPki, station_id: str, password: str
) -> AsyncIterator[SecureCharger]:
    async with websockets.connect(
        f"{app.ocpp_url}/{station_id}",
        ssl=pki.client_context(),
        subprotocols=["ocpp1.6"],  # type: ignore[list-item]
        additional_headers=basic_auth(station_id, password),
        open_timeout=5,
    ) as ws:
        cp = SecureCharger(station_id, ws)
        reader = asyncio.create_task(cp.start())
        try:
            yield cp
        finally:
            reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)


def csr_for(common_name: str) -> tuple[str, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    request = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
        .sign(key, hashes.SHA256())
    )
    return request.public_bytes(serialization.Encoding.PEM).decode(), key


@pytest.fixture
async def api(tls_steppe: Steppe, api_for: Callable[[Steppe], Any]) -> AsyncIterator[Any]:
    async with api_for(tls_steppe) as client:
        response = await client.post(
            "/api/v1/stations", json={"id": "CP-SEC", "password": PASSWORD, "security_profile": 2}
        )
        assert response.status_code == 201, response.text
        yield client


async def test_signed_csr_comes_back_and_opens_profile_3(
    tls_steppe: Steppe, pki: LocalPki, api: httpx.AsyncClient, tmp_path: Any
) -> None:
    """SignCertificate is accepted, CertificateSigned brings a chain from the configured CA, and
    that certificate lets the station in at profile 3."""
    csr, key = csr_for("CP-SEC")
    async with charger(tls_steppe, pki, "CP-SEC", PASSWORD) as cp:
        answer = await cp.call(call.SignCertificate(csr=csr))
        assert answer.status == "Accepted"
        chain = await asyncio.wait_for(cp.chains.get(), 5)
    leaf, root = x509.load_pem_x509_certificates(chain.encode())
    leaf.verify_directly_issued_by(pki.authority.certificate)
    assert root == pki.authority.certificate
    issued = (await api.get("/api/v1/stations/CP-SEC/certificates/issued")).json()
    assert [item["serial"] for item in issued] == [format(leaf.serial_number, "x")]

    key_file, cert_file = tmp_path / "k.pem", tmp_path / "c.pem"
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cert_file.write_text(chain)
    assert (
        await api.patch("/api/v1/stations/CP-SEC", json={"security_profile": 3})
    ).status_code == 200
    async with websockets.connect(
        f"{tls_steppe.ocpp_url}/CP-SEC",
        ssl=pki.client_context((cert_file, key_file)),
        subprotocols=["ocpp1.6"],  # type: ignore[list-item]
        open_timeout=5,
    ) as ws:
        assert ws.subprotocol == "ocpp1.6"


async def test_csr_for_another_station_is_rejected(
    tls_steppe: Steppe, pki: LocalPki, api: httpx.AsyncClient
) -> None:
    """A CSR whose common name is not the station id is rejected and nothing is signed."""
    csr, _ = csr_for("CP-SOMEONE-ELSE")
    async with charger(tls_steppe, pki, "CP-SEC", PASSWORD) as cp:
        answer = await cp.call(call.SignCertificate(csr=csr))
        assert answer.status == "Rejected"
        await asyncio.sleep(0.2)
        assert cp.chains.empty()
    assert (await api.get("/api/v1/stations/CP-SEC/certificates/issued")).json() == []


async def test_security_events_are_stored_and_listed(
    tls_steppe: Steppe, pki: LocalPki, api: httpx.AsyncClient
) -> None:
    """SecurityEventNotification is acknowledged after it is stored and shows up in the API."""
    async with charger(tls_steppe, pki, "CP-SEC", PASSWORD) as cp:
        for kind in ("FirmwareUpdated", "TamperDetectionActivated"):
            await cp.call(
                call.SecurityEventNotification(
                    type=kind, timestamp="2025-03-01T10:00:00Z", tech_info="lid opened"
                )
            )
    page = (await api.get("/api/v1/stations/CP-SEC/security-events")).json()
    assert [item["type"] for item in page["items"]] == [
        "TamperDetectionActivated",
        "FirmwareUpdated",
    ]
    assert page["items"][0]["tech_info"] == "lid opened"
    assert page["items"][0]["occurred_at"].startswith("2025-03-01T10:00:00")
    assert (await api.get("/api/v1/stations/CP-NONE/security-events")).status_code == 404


async def test_certificates_on_the_station_are_listed_installed_and_deleted(
    tls_steppe: Steppe, pki: LocalPki, api: httpx.AsyncClient
) -> None:
    """The API's certificate commands reach the station with the 1.6 names and return its answer."""
    root_pem = pki.authority.certificate_pem.decode()
    async with charger(tls_steppe, pki, "CP-SEC", PASSWORD) as cp:
        listed = await api.get("/api/v1/stations/CP-SEC/certificates")
        assert listed.status_code == 200, listed.text
        assert listed.json()["answer"]["certificateHashData"][0]["serialNumber"] == "1f"
        installed = await api.post(
            "/api/v1/stations/CP-SEC/certificates/install",
            json={"certificate_type": "csms_root", "certificate": root_pem},
        )
        assert installed.json()["status"] == "Accepted"
        assert cp.installed == [("CentralSystemRootCertificate", root_pem)]
        deleted = await api.post(
            "/api/v1/stations/CP-SEC/certificates/delete",
            json={
                "hash_algorithm": "SHA256",
                "issuer_name_hash": "ab" * 32,
                "issuer_key_hash": "cd" * 32,
                "serial_number": "1f",
            },
        )
        assert deleted.json()["status"] == "Accepted"
        v2g = await api.post(
            "/api/v1/stations/CP-SEC/certificates/install",
            json={"certificate_type": "v2g_root", "certificate": root_pem},
        )
        assert v2g.status_code == 422
        assert "certificate_type" in v2g.json()["error"]["message"]


async def test_password_rotation_stores_the_new_password_only_when_accepted(
    tls_steppe: Steppe, pki: LocalPki, api: httpx.AsyncClient
) -> None:
    """A refused rotation keeps the old password; an accepted one replaces it."""
    async with charger(tls_steppe, pki, "CP-SEC", PASSWORD) as cp:
        cp.config_answer = "Rejected"
        refused = await api.post(
            "/api/v1/stations/CP-SEC/password-rotation", json={"password": "second-password-02"}
        )
        assert refused.json()["outcome"] == "rejected"
        cp.config_answer = "Accepted"
        rotated = await api.post("/api/v1/stations/CP-SEC/password-rotation", json={})
        body = rotated.json()
        assert body["outcome"] == "accepted" and "password" not in body
        key, hex_value = cp.config_seen[-1]  # the charger alone learns the new password
        assert key == "AuthorizationKey"
        new = bytes.fromhex(hex_value).decode()
        assert len(new) == 20
    with pytest.raises(InvalidStatus):
        async with charger(tls_steppe, pki, "CP-SEC", PASSWORD):
            pass
    async with charger(tls_steppe, pki, "CP-SEC", new) as cp:
        assert cp.id == "CP-SEC"
