"""A small certificate authority: a local CA, a server certificate, station certificates, CSRs.

Enough for tests, demos and small deployments (`steppe certs`); a real network can use its own
CA instead and only point the TLS settings at its files.
"""

from steppe.pki.authority import (
    CertificateAuthority,
    CsrRefused,
    IssuedCertificate,
    certificate_summary,
)

__all__ = ["CertificateAuthority", "CsrRefused", "IssuedCertificate", "certificate_summary"]
