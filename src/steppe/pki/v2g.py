"""ISO 15118 (Plug & Charge) certificates of the charging station operator: a V2G root, a CPO
sub-CA under it, and SECC leaf certificates signed on a station's request (2.0.1 SignCertificate
with `certificateType: V2GCertificate`).

A real network's V2G root belongs to a V2G PKI (a root certificate pool); the sub-CA can be one
Steppe was issued there (`STEPPE_V2G_CA_FILE` / `_KEY_FILE`). `create_chain` makes a local root
and sub-CA for tests, demos and closed networks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from steppe.pki.authority import (
    CertificateAuthority,
    CsrRefused,
    IssuedCertificate,
    read_csr,
)

ROOT_DAYS = 40 * 365
SUB_CA_DAYS = 4 * 365
SECC_DAYS = 365
MAX_CSR_BYTES = 16384


def _usage(*, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not ca,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=not ca,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _name(common: str, organization: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
            x509.NameAttribute(NameOID.DOMAIN_COMPONENT, "V2G"),
        ]
    )


@dataclass(frozen=True, slots=True)
class V2gChain:
    """The V2G root certificate and the CPO sub-CA (with its key) that signs SECC certificates."""

    root: x509.Certificate
    sub_ca: CertificateAuthority

    @property
    def chain_pem(self) -> bytes:
        """The sub-CA then the root, as a station's chain ends."""
        return self.sub_ca.certificate_pem + self.root.public_bytes(serialization.Encoding.PEM)


def create_chain(organization: str = "Steppe", *, now: datetime | None = None) -> V2gChain:
    """A new V2G root and a CPO sub-CA under it (EC P-256, SHA-256, as ISO 15118-2 asks)."""
    now = now or datetime.now(UTC)
    root_key = ec.generate_private_key(ec.SECP256R1())
    root_name = _name(f"{organization} V2G Root CA", organization)
    root = (
        x509.CertificateBuilder()
        .subject_name(root_name)
        .issuer_name(root_name)
        .public_key(root_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=ROOT_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
        .add_extension(_usage(ca=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), False)
        .sign(root_key, hashes.SHA256())
    )
    sub_key = ec.generate_private_key(ec.SECP256R1())
    sub = (
        x509.CertificateBuilder()
        .subject_name(_name(f"{organization} CPO Sub-CA", organization))
        .issuer_name(root_name)
        .public_key(sub_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=SUB_CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(ca=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(sub_key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), False
        )
        .sign(root_key, hashes.SHA256())
    )
    return V2gChain(root, CertificateAuthority(sub, sub_key))


def sign_secc_csr(
    authority: CertificateAuthority,
    csr_pem: str | bytes,
    *,
    organization: str | None,
    days: int = SECC_DAYS,
    now: datetime | None = None,
) -> IssuedCertificate:
    """An SECC certificate for a station's CSR: its CN as asked (the charging station's SECC
    id), O = the operator, for signatures and key agreement (the TLS of ISO 15118)."""
    csr, cn = read_csr(csr_pem)
    if not cn:
        raise CsrRefused("the CSR has no common name")
    now = now or datetime.now(UTC)
    issuer = authority.certificate
    parts = [x509.NameAttribute(NameOID.COMMON_NAME, cn)]
    if organization:
        parts.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    certificate = authority.sign_builder(
        x509.CertificateBuilder()
        .subject_name(x509.Name(parts))
        .issuer_name(issuer.subject)
        .public_key(csr.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(ca=False), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.public_key()),  # type: ignore[arg-type]
            critical=False,
        )
    )
    chain = certificate.public_bytes(serialization.Encoding.PEM) + authority.certificate_pem
    return IssuedCertificate(certificate, None, chain)
