"""The certificate authority: makes keys and certificates, signs station CSRs.

Keys are EC P-256 (what the OCPP security whitepaper and 2.0.1 accept, and fast to make).
Private keys only ever leave this module as PEM bytes handed to the caller; nothing is logged.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import (
    CertificateIssuerPrivateKeyTypes,
    CertificatePublicKeyTypes,
)
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from steppe.errors import InvalidInput

CA_DAYS = 3650
SERVER_DAYS = 825
STATION_DAYS = 730
DEFAULT_SERVER_NAMES = ("localhost", "127.0.0.1", "::1")
# A CSR is a few hundred bytes; anything far larger is refused before parsing.
MAX_CSR_BYTES = 16384


class CsrRefused(InvalidInput):
    """A certificate signing request Steppe will not sign (unreadable, bad signature, wrong CN)."""


@dataclass(frozen=True, slots=True)
class IssuedCertificate:
    """A new certificate, its private key (None when the key stays with the requester) and the
    chain to hand out (the certificate followed by the CA certificate)."""

    certificate: x509.Certificate
    key_pem: bytes | None
    chain_pem: bytes

    @property
    def certificate_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    @property
    def serial_hex(self) -> str:
        return format(self.certificate.serial_number, "x")


def _new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _name(common_name: str, organization: str | None) -> x509.Name:
    parts = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if organization:
        parts.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    return x509.Name(parts)


def common_name(name: x509.Name) -> str | None:
    """The first CN of a subject or issuer, or None."""
    values = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    if not values:
        return None
    value = values[0].value
    return value if isinstance(value, str) else value.decode("utf-8", "replace")


def certificate_summary(certificate: x509.Certificate) -> dict[str, str]:
    """Subject, issuer, serial and validity as text (what the CLI and the API show)."""
    return {
        "subject": certificate.subject.rfc4514_string(),
        "issuer": certificate.issuer.rfc4514_string(),
        "serial": format(certificate.serial_number, "x"),
        "not_before": certificate.not_valid_before_utc.isoformat(),
        "not_after": certificate.not_valid_after_utc.isoformat(),
    }


def read_csr(csr_pem: str | bytes) -> tuple[x509.CertificateSigningRequest, str | None]:
    """A PEM CSR, checked (size, form, its own signature), and its common name; CsrRefused
    when it is not one Steppe will look at."""
    raw = csr_pem.encode() if isinstance(csr_pem, str) else csr_pem
    if len(raw) > MAX_CSR_BYTES:
        raise CsrRefused("the CSR is too large")
    try:
        csr = x509.load_pem_x509_csr(raw)
    except ValueError:
        raise CsrRefused("the CSR is not a PEM certificate signing request") from None
    if not csr.is_signature_valid:
        raise CsrRefused("the CSR signature does not verify")
    return csr, common_name(csr.subject)


class CertificateAuthority:
    """A CA certificate with its private key; issues server and station certificates."""

    def __init__(
        self, certificate: x509.Certificate, key: CertificateIssuerPrivateKeyTypes
    ) -> None:
        self.certificate = certificate
        self._key = key

    def __repr__(self) -> str:  # never show the key
        return f"CertificateAuthority({self.certificate.subject.rfc4514_string()!r})"

    @classmethod
    def create(
        cls,
        name: str = "Steppe local CA",
        *,
        organization: str | None = "Steppe",
        days: int = CA_DAYS,
        now: datetime | None = None,
    ) -> CertificateAuthority:
        """A new self-signed CA."""
        now = now or datetime.now(UTC)
        key = _new_key()
        subject = _name(name, organization)
        ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
        certificate = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(ski, critical=False)
            .sign(key, hashes.SHA256())
        )
        return cls(certificate, key)

    @classmethod
    def from_pem(cls, certificate_pem: bytes, key_pem: bytes) -> CertificateAuthority:
        """A CA loaded from PEM (unencrypted key)."""
        try:
            certificate = x509.load_pem_x509_certificate(certificate_pem)
            key = serialization.load_pem_private_key(key_pem, password=None)
        except (ValueError, TypeError) as exc:
            raise InvalidInput(f"cannot read the CA certificate or key: {exc}") from None
        if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
            raise InvalidInput("the CA key must be an EC or RSA key")
        if key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        ) != certificate.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        ):
            raise InvalidInput("the CA key does not belong to the CA certificate")
        return cls(certificate, key)

    @property
    def certificate_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    @property
    def key_pem(self) -> bytes:
        """The CA's private key as PEM, for writing to a protected file."""
        return self._key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def _builder(
        self,
        subject: x509.Name,
        public_key: CertificatePublicKeyTypes,
        days: int,
        now: datetime | None,
    ) -> x509.CertificateBuilder:
        now = now or datetime.now(UTC)
        ca_key = self.certificate.public_key()
        return (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self.certificate.subject)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key),  # type: ignore[arg-type]
                critical=False,
            )
        )

    def _sign(self, builder: x509.CertificateBuilder) -> x509.Certificate:
        return builder.sign(self._key, hashes.SHA256())

    def sign_builder(self, builder: x509.CertificateBuilder) -> x509.Certificate:
        """Sign a certificate another part of the PKI built (the V2G sub-CA's SECC leaves)."""
        return self._sign(builder)

    def sign_ocsp(self, builder: ocsp.OCSPResponseBuilder) -> ocsp.OCSPResponse:
        """Sign an OCSP response about certificates this CA issued."""
        return builder.sign(self._key, hashes.SHA256())

    def _issued(self, certificate: x509.Certificate, key_pem: bytes | None) -> IssuedCertificate:
        chain = certificate.public_bytes(serialization.Encoding.PEM) + self.certificate_pem
        return IssuedCertificate(certificate, key_pem, chain)

    def issue_server(
        self,
        names: Sequence[str] = DEFAULT_SERVER_NAMES,
        *,
        days: int = SERVER_DAYS,
        now: datetime | None = None,
    ) -> IssuedCertificate:
        """A TLS server certificate for `names` (DNS names and IP addresses)."""
        if not names:
            raise InvalidInput("a server certificate needs at least one name")
        alt: list[x509.GeneralName] = []
        for name in names:
            try:
                alt.append(x509.IPAddress(ipaddress.ip_address(name)))
            except ValueError:
                alt.append(x509.DNSName(name))
        key = _new_key()
        builder = (
            self._builder(_name(names[0], None), key.public_key(), days, now)
            .add_extension(x509.SubjectAlternativeName(alt), critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        )
        return self._issued(self._sign(builder), _key_pem(key))

    def issue_station(
        self,
        station_id: str,
        *,
        organization: str | None = None,
        days: int = STATION_DAYS,
        now: datetime | None = None,
    ) -> IssuedCertificate:
        """A client certificate (and new key) for a station: CN = station id, O = operator."""
        key = _new_key()
        builder = self._station_builder(
            _name(station_id, organization), key.public_key(), days, now
        )
        return self._issued(self._sign(builder), _key_pem(key))

    def _station_builder(
        self,
        subject: x509.Name,
        public_key: CertificatePublicKeyTypes,
        days: int,
        now: datetime | None,
    ) -> x509.CertificateBuilder:
        return self._builder(subject, public_key, days, now).add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False
        )

    def sign_csr(
        self,
        csr_pem: str | bytes,
        station_id: str,
        *,
        organization: str | None = None,
        days: int = STATION_DAYS,
        now: datetime | None = None,
    ) -> IssuedCertificate:
        """Sign a station's PEM CSR; its CN must be the station id, else CsrRefused."""
        csr, cn = read_csr(csr_pem)
        if cn != station_id:
            raise CsrRefused(f"the CSR's common name {cn!r} is not the station id {station_id!r}")
        org = organization
        if org is None:
            values = csr.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
            org = str(values[0].value) if values else None
        builder = self._station_builder(_name(station_id, org), csr.public_key(), days, now)
        return self._issued(self._sign(builder), None)
