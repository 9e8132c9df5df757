"""The local CA: server and station certificates, CSR signing for SignCertificate, files on disk."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from steppe.cli import main
from steppe.errors import AlreadyExists
from steppe.pki.authority import CertificateAuthority, CsrRefused
from steppe.pki.files import load_authority


def make_csr(common_name: str, organization: str = "Operator Ltd") -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
        ]
    )
    csr = x509.CertificateSigningRequestBuilder().subject_name(subject).sign(key, hashes.SHA256())
    return csr.public_bytes(serialization.Encoding.PEM).decode()


def test_csr_for_the_station_is_signed_into_a_chain_that_verifies() -> None:
    """A CSR whose CN is the station id comes back as a client certificate chained to the CA."""
    ca = CertificateAuthority.create()
    issued = ca.sign_csr(make_csr("CP-7"), "CP-7")
    chain = x509.load_pem_x509_certificates(issued.chain_pem)
    leaf, root = chain
    assert root == ca.certificate
    assert leaf.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "CP-7"
    assert leaf.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "Operator Ltd"
    leaf.verify_directly_issued_by(ca.certificate)
    usage = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.CLIENT_AUTH in usage
    assert issued.key_pem is None  # the station keeps its own key


@pytest.mark.parametrize(
    ("csr", "reason"),
    [
        (make_csr("CP-OTHER"), "common name"),
        ("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n", "PEM"),
        ("not a csr at all", "PEM"),
        ("A" * 20000, "too large"),
    ],
)
def test_csrs_for_another_station_or_unreadable_are_refused(csr: str, reason: str) -> None:
    """A CSR naming another station, or one that is not a CSR, is refused with a reason."""
    with pytest.raises(CsrRefused, match=reason):
        CertificateAuthority.create().sign_csr(csr, "CP-7")


def test_server_certificate_names_hosts_and_addresses() -> None:
    """The server certificate carries DNS names and IP addresses as subject alternative names."""
    issued = CertificateAuthority.create().issue_server(["ocpp.example.net", "10.0.0.5"])
    names = issued.certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    assert names.value.get_values_for_type(x509.DNSName) == ["ocpp.example.net"]
    assert [str(ip) for ip in names.value.get_values_for_type(x509.IPAddress)] == ["10.0.0.5"]


def test_steppe_certs_writes_private_keys_for_the_owner_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`steppe certs init` and `station` write the files, keys with mode 0600, and print the
    settings; the keys themselves are never printed."""
    directory = tmp_path / "certs"
    assert main(["certs", "init", "--dir", str(directory)]) == 0
    assert main(["certs", "station", "CP-9", "--dir", str(directory)]) == 0
    out = capsys.readouterr().out
    assert "STEPPE_TLS_CERT_FILE=" in out
    assert "PRIVATE KEY" not in out
    for key in ("ca-key.pem", "server-key.pem", "station-CP-9-key.pem"):
        assert stat.S_IMODE((directory / key).stat().st_mode) == 0o600
    authority = load_authority(directory / "ca.pem", directory / "ca-key.pem")
    station = x509.load_pem_x509_certificates((directory / "station-CP-9.pem").read_bytes())[0]
    station.verify_directly_issued_by(authority.certificate)
    assert "PRIVATE" not in repr(authority)
    # A second init would orphan every station certificate: refused without --force.
    assert main(["certs", "init", "--dir", str(directory)]) == 1
    with pytest.raises(AlreadyExists):
        from steppe.pki.files import init_directory

        init_directory(directory)
