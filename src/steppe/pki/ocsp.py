"""OCSP answers (RFC 6960) for certificates a CA of Steppe's issued, made with `cryptography`:
what a station asks with 2.0.1 GetCertificateStatus about an ISO 15118 certificate."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from steppe.pki.authority import CertificateAuthority

HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "SHA256": hashes.SHA256,
    "SHA384": hashes.SHA384,
    "SHA512": hashes.SHA512,
}
VALID_FOR = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class CertificateId:
    """What an OCSP request names: the issuer by the hashes of its name and key, and a serial."""

    hash_algorithm: str
    issuer_name_hash: str  # hex
    issuer_key_hash: str  # hex
    serial_number: str  # hex


def issuer_hashes(certificate: x509.Certificate, algorithm: str) -> tuple[str, str]:
    """The issuer name and key hashes an OCSP request has for certificates `certificate`
    issued."""
    kind = HASHES[algorithm]
    name = hashes.Hash(kind())
    name.update(certificate.subject.public_bytes())
    key = hashes.Hash(kind())
    spki = certificate.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    # The key hash covers the subjectPublicKey bit string only, without the algorithm.
    key.update(_bit_string(spki))
    return name.finalize().hex(), key.finalize().hex()


def _bit_string(spki: bytes) -> bytes:
    """The contents of the BIT STRING of a DER SubjectPublicKeyInfo, unused-bits byte dropped."""
    index = 2 if spki[1] < 0x80 else 2 + (spki[1] & 0x7F)  # past the outer SEQUENCE header
    algorithm_length = spki[index + 1]
    index += 2 + algorithm_length  # past the AlgorithmIdentifier
    length = spki[index + 1]
    start = index + 2
    if length & 0x80:
        count = length & 0x7F
        length = int.from_bytes(spki[start : start + count], "big")
        start += count
    return spki[start + 1 : start + length]


def answer(
    authority: CertificateAuthority,
    request: CertificateId,
    status_of: Callable[[int], tuple[ocsp.OCSPCertStatus, datetime | None]],
    *,
    now: datetime | None = None,
) -> bytes | None:
    """A signed OCSP response (DER) for one certificate of `authority`, or None when the
    request names another issuer. `status_of(serial)` says GOOD, REVOKED (with when) or
    UNKNOWN."""
    if request.hash_algorithm not in HASHES:
        return None
    name_hash, key_hash = issuer_hashes(authority.certificate, request.hash_algorithm)
    if (name_hash, key_hash) != (request.issuer_name_hash.lower(), request.issuer_key_hash.lower()):
        return None
    now = now or datetime.now(UTC)
    serial = int(request.serial_number, 16)
    status, revoked_at = status_of(serial)
    builder = ocsp.OCSPResponseBuilder().add_response_by_hash(
        issuer_name_hash=bytes.fromhex(name_hash),
        issuer_key_hash=bytes.fromhex(key_hash),
        serial_number=serial,
        algorithm=HASHES[request.hash_algorithm](),
        cert_status=status,
        this_update=now,
        next_update=now + VALID_FOR,
        revocation_time=revoked_at if status is ocsp.OCSPCertStatus.REVOKED else None,
        revocation_reason=None,
    )
    builder = builder.responder_id(ocsp.OCSPResponderEncoding.HASH, authority.certificate)
    return authority.sign_ocsp(builder).public_bytes(serialization.Encoding.DER)
