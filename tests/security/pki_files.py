"""A throwaway PKI for TLS tests: a CA, a server certificate, station certificates, a foreign CA."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from steppe.pki.authority import CertificateAuthority, IssuedCertificate
from steppe.pki.files import Layout, init_directory, write_file


@dataclass
class LocalPki:
    directory: Path
    layout: Layout
    authority: CertificateAuthority

    def settings(self) -> dict[str, object]:
        return {
            "tls_cert_file": self.layout.server_cert,
            "tls_key_file": self.layout.server_key,
            "tls_ca_file": self.layout.ca_cert,
            "tls_ca_key_file": self.layout.ca_key,
        }

    def save(self, name: str, issued: IssuedCertificate) -> tuple[Path, Path]:
        assert issued.key_pem is not None
        cert, key = self.directory / f"{name}.pem", self.directory / f"{name}-key.pem"
        write_file(cert, issued.chain_pem)
        write_file(key, issued.key_pem, private=True)
        return cert, key

    def station(self, station_id: str, **kwargs: object) -> tuple[Path, Path]:
        issued = self.authority.issue_station(station_id, **kwargs)  # type: ignore[arg-type]
        return self.save(f"station-{station_id}", issued)

    def expired_station(self, station_id: str) -> tuple[Path, Path]:
        long_ago = datetime.now(UTC) - timedelta(days=40)
        issued = self.authority.issue_station(station_id, days=30, now=long_ago)
        return self.save(f"expired-{station_id}", issued)

    def foreign_station(self, station_id: str) -> tuple[Path, Path]:
        stranger = CertificateAuthority.create("Somebody else's CA")
        return self.save(f"foreign-{station_id}", stranger.issue_station(station_id))

    def client_context(self, cert: tuple[Path, Path] | None = None) -> ssl.SSLContext:
        """What a charger uses: trusts the server's CA, optionally presents a certificate."""
        context = ssl.create_default_context(cafile=str(self.layout.ca_cert))
        if cert is not None:
            context.load_cert_chain(*cert)
        return context


def make_pki(directory: Path) -> LocalPki:
    layout = init_directory(directory)
    authority = CertificateAuthority.from_pem(
        layout.ca_cert.read_bytes(), layout.ca_key.read_bytes()
    )
    return LocalPki(directory, layout, authority)
