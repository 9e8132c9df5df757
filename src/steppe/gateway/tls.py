"""TLS for the OCPP port: the server context (profiles 2 and 3), and what a connection's transport
says about its peer (address, TLS, client certificate)."""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass

from steppe.config import Settings
from steppe.errors import ConfigurationError


@dataclass(frozen=True, slots=True)
class PeerTls:
    """The TLS facts of one connection: encrypted or not, and the verified client certificate's
    common name (None without a client certificate)."""

    encrypted: bool
    client_cn: str | None = None


PLAIN = PeerTls(encrypted=False)


def server_context(settings: Settings) -> ssl.SSLContext | None:
    """The SSL context for the OCPP port, or None when TLS is not configured.

    With `tls_ca_file` set, clients may present a certificate (profile 3); one that does not
    verify against that CA (foreign issuer, expired, not yet valid) fails the TLS handshake.
    """
    cert, key, ca = settings.tls_cert_file, settings.tls_key_file, settings.tls_ca_file
    if cert is None and key is None:
        if ca is not None:
            raise ConfigurationError("STEPPE_TLS_CA_FILE needs STEPPE_TLS_CERT_FILE and _KEY_FILE")
        return None
    if cert is None or key is None:
        raise ConfigurationError("set both STEPPE_TLS_CERT_FILE and STEPPE_TLS_KEY_FILE")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(cert, key)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigurationError(f"cannot load the TLS certificate or key: {exc}") from None
    if ca is not None:
        try:
            context.load_verify_locations(cafile=ca)
        except (OSError, ssl.SSLError) as exc:
            raise ConfigurationError(f"cannot load the client CA {ca}: {exc}") from None
        context.verify_mode = ssl.CERT_OPTIONAL
    return context


def peer_tls(transport: asyncio.BaseTransport) -> PeerTls:
    """What the TLS layer of `transport` knows about the client."""
    ssl_object = transport.get_extra_info("ssl_object")
    if not isinstance(ssl_object, ssl.SSLObject | ssl.SSLSocket):
        return PLAIN
    certificate = ssl_object.getpeercert()
    if not certificate:
        return PeerTls(encrypted=True)
    subject: tuple[tuple[tuple[str, str], ...], ...] = certificate.get("subject", ())  # type: ignore[assignment]
    for rdn in subject:
        for name, value in rdn:
            if name == "commonName":
                return PeerTls(encrypted=True, client_cn=value)
    return PeerTls(encrypted=True)


def client_address(transport: asyncio.BaseTransport) -> str:
    """The client's IP address, or "?" when the transport does not know it."""
    address = transport.get_extra_info("peername")
    return str(address[0]) if address else "?"
