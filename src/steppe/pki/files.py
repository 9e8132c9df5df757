"""The CA, server and station certificates on disk: PEM files, keys readable by the owner only."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from steppe.errors import AlreadyExists, ConfigurationError, InvalidInput
from steppe.pki.authority import DEFAULT_SERVER_NAMES, CertificateAuthority
from steppe.pki.v2g import V2gChain, create_chain

__all__ = [
    "DEFAULT_SERVER_NAMES",
    "Layout",
    "init_directory",
    "init_v2g_directory",
    "issue_station_files",
    "load_authority",
    "load_v2g_chain",
]

CA_CERT = "ca.pem"
CA_KEY = "ca-key.pem"
SERVER_CERT = "server.pem"  # the server certificate followed by the CA: a full chain
SERVER_KEY = "server-key.pem"


@dataclass(frozen=True, slots=True)
class Layout:
    """Where `steppe certs init` puts the CA and the server certificate."""

    ca_cert: Path
    ca_key: Path
    server_cert: Path
    server_key: Path

    @classmethod
    def of(cls, directory: Path) -> Layout:
        return cls(
            directory / CA_CERT,
            directory / CA_KEY,
            directory / SERVER_CERT,
            directory / SERVER_KEY,
        )

    def settings(self) -> dict[str, str]:
        """The `STEPPE_*` variables that make the server use these files."""
        return {
            "STEPPE_TLS_CERT_FILE": str(self.server_cert),
            "STEPPE_TLS_KEY_FILE": str(self.server_key),
            "STEPPE_TLS_CA_FILE": str(self.ca_cert),
            "STEPPE_TLS_CA_KEY_FILE": str(self.ca_key),
        }


def write_file(path: Path, data: bytes, *, private: bool = False) -> None:
    """Write `data`; a private file is created with mode 0600 before any byte reaches it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = 0o600 if private else 0o644
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(path, mode)


def load_authority(cert_file: Path | str, key_file: Path | str) -> CertificateAuthority:
    """The CA from its certificate and key files."""
    try:
        certificate_pem = Path(cert_file).read_bytes()
        key_pem = Path(key_file).read_bytes()
    except OSError as exc:
        raise ConfigurationError(
            f"cannot read the CA files: {exc.strerror}: {exc.filename}"
        ) from None
    try:
        return CertificateAuthority.from_pem(certificate_pem, key_pem)
    except InvalidInput as exc:
        raise ConfigurationError(str(exc)) from None


def init_directory(
    directory: Path,
    *,
    names: Sequence[str] = DEFAULT_SERVER_NAMES,
    organization: str = "Steppe",
    force: bool = False,
) -> Layout:
    """Create a CA and a server certificate in `directory`; an existing CA is kept unless
    `force`, so running it twice does not invalidate the stations' certificates."""
    layout = Layout.of(directory)
    if layout.ca_key.exists() and not force:
        raise AlreadyExists(f"{layout.ca_key} exists; use --force to replace the CA")
    authority = CertificateAuthority.create(f"{organization} OCPP CA", organization=organization)
    server = authority.issue_server(names)
    assert server.key_pem is not None
    write_file(layout.ca_key, authority.key_pem, private=True)
    write_file(layout.ca_cert, authority.certificate_pem)
    write_file(layout.server_key, server.key_pem, private=True)
    write_file(layout.server_cert, server.chain_pem)
    return layout


def issue_station_files(
    directory: Path, station_id: str, *, organization: str | None = None
) -> tuple[Path, Path]:
    """A station certificate (with the CA after it) and its key, signed by the CA in
    `directory`: `<id>.pem` and `<id>-key.pem`."""
    layout = Layout.of(directory)
    authority = load_authority(layout.ca_cert, layout.ca_key)
    issued = authority.issue_station(station_id, organization=organization)
    assert issued.key_pem is not None
    safe = "".join(c if c.isalnum() or c in "-._" else "_" for c in station_id)
    cert_path = directory / f"station-{safe}.pem"
    key_path = directory / f"station-{safe}-key.pem"
    write_file(key_path, issued.key_pem, private=True)
    write_file(cert_path, issued.chain_pem)
    return cert_path, key_path


V2G_ROOT = "v2g-root.pem"
V2G_CA = "v2g-ca.pem"
V2G_CA_KEY = "v2g-ca-key.pem"


def init_v2g_directory(
    directory: Path, *, organization: str = "Steppe", force: bool = False
) -> dict[str, str]:
    """A local V2G root and CPO sub-CA in `directory`; the settings that make Steppe use them."""
    key_path = directory / V2G_CA_KEY
    if key_path.exists() and not force:
        raise AlreadyExists(f"{key_path} exists; use --force to replace the V2G sub-CA")
    chain = create_chain(organization)
    write_file(key_path, chain.sub_ca.key_pem, private=True)
    write_file(directory / V2G_CA, chain.sub_ca.certificate_pem)
    write_file(directory / V2G_ROOT, chain.root.public_bytes(serialization.Encoding.PEM))
    return {
        "STEPPE_V2G_ROOT_FILE": str(directory / V2G_ROOT),
        "STEPPE_V2G_CA_FILE": str(directory / V2G_CA),
        "STEPPE_V2G_CA_KEY_FILE": str(key_path),
    }


def load_v2g_chain(root_file: Path | str, ca_file: Path | str, key_file: Path | str) -> V2gChain:
    """The V2G root and the CPO sub-CA (with its key) from their files."""
    try:
        root = x509.load_pem_x509_certificate(Path(root_file).read_bytes())
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"cannot read the V2G root {root_file}: {exc}") from None
    return V2gChain(root, load_authority(ca_file, key_file))
