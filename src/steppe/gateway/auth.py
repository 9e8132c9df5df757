"""The opening handshake: endpoint, subprotocol and credentials, checked before any frame flows.

Security profiles (OCPP 1.6 security whitepaper, 2.0.1 part 2 A00): 1 = Basic auth on plain or
TLS connections, 2 = Basic auth over TLS only, 3 = a TLS client certificate whose common name is
the station id (Basic auth optional). Failed logins count towards a lockout per station id and
per client address; open connections per address are capped.
"""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Sequence
from http import HTTPStatus

from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from steppe.domain.stations.models import Verdict
from steppe.domain.stations.service import StationService
from steppe.gateway.identity import station_id_from_path
from steppe.gateway.limits import ConnectionCounter, Lockout
from steppe.gateway.tls import PeerTls
from steppe.gateway.websocket import StationSocket

log = logging.getLogger("steppe.gateway")


def basic_credentials(headers: Headers) -> tuple[str, str] | None:
    """(user, password) from an `Authorization: Basic` header, or None."""
    value = headers.get("Authorization")
    if not value:
        return None
    scheme, _, encoded = value.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else None


def offered_subprotocols(headers: Headers) -> list[str]:
    return [
        item.strip()
        for value in headers.get_all("Sec-WebSocket-Protocol")
        for item in value.split(",")
        if item.strip()
    ]


def _refuse(
    socket: StationSocket,
    status: HTTPStatus,
    text: str,
    *,
    challenge: bool = False,
    retry_after: float | None = None,
) -> Response:
    response = socket.reject(status, text + "\n")
    if challenge:
        response.headers["WWW-Authenticate"] = 'Basic realm="Steppe OCPP", charset="UTF-8"'
    if retry_after is not None:
        response.headers["Retry-After"] = str(max(1, round(retry_after)))
    return response


# Verdicts that are a wrong guess at credentials and count towards the lockout.
FAILED_LOGIN = frozenset(
    {
        Verdict.UNKNOWN,
        Verdict.WRONG_PASSWORD,
        Verdict.NO_PASSWORD,
        Verdict.CERTIFICATE_REQUIRED,
    }
)


class Handshake:
    """The checks on an opening request before it is answered: endpoint, subprotocol, limits,
    profiles 1-3. None lets the request through; a Response refuses it."""

    def __init__(
        self,
        stations: StationService,
        subprotocols: Sequence[str],
        *,
        lockout: Lockout | None = None,
        connections: ConnectionCounter | None = None,
    ) -> None:
        self._stations = stations
        self._subprotocols = tuple(subprotocols)
        self._lockout = lockout
        self._connections = connections

    async def __call__(
        self, connection: StationSocket, request: Request, peer: str, tls: PeerTls
    ) -> Response | None:
        """Check `request`, which came from address `peer` over a connection whose TLS layer
        says `tls`."""
        station_id = station_id_from_path(request.path)
        if self._connections is not None and self._connections.full(peer):
            log.warning("refused %s: %d connections open from it", peer, self._connections.limit)
            return _refuse(
                connection, HTTPStatus.TOO_MANY_REQUESTS, "too many connections from this address"
            )
        if station_id is None:
            log.info("refused %s: bad endpoint %.80r", peer, request.path)
            return _refuse(
                connection,
                HTTPStatus.BAD_REQUEST,
                "OCPP endpoint is /ocpp/{station_id}; a station id has 1-48 characters "
                "from A-Z a-z 0-9 - . _ ~ : *",
            )
        offered = offered_subprotocols(request.headers)
        if not any(ours in offered for ours in self._subprotocols):
            log.info("[%s] refused: offered subprotocols %s", station_id, offered or "none")
            return _refuse(
                connection,
                HTTPStatus.BAD_REQUEST,
                f"no supported OCPP subprotocol offered ({', '.join(offered) or 'none'}); "
                f"this server speaks {', '.join(self._subprotocols)}",
            )
        keys = (f"station:{station_id}", f"ip:{peer}")
        if self._lockout is not None:
            wait = self._lockout.retry_after(keys)
            if wait is not None:
                log.warning(
                    "[%s] refused from %s: locked out after failed logins", station_id, peer
                )
                return _refuse(
                    connection,
                    HTTPStatus.TOO_MANY_REQUESTS,
                    "too many failed logins; try again later",
                    retry_after=wait,
                )
        if tls.client_cn is not None and tls.client_cn != station_id:
            log.warning(
                "[%s] refused from %s: client certificate is for another id", station_id, peer
            )
            self._failed(keys)
            return _refuse(
                connection,
                HTTPStatus.FORBIDDEN,
                "the client certificate's common name is not this station id",
            )
        credentials = basic_credentials(request.headers)
        if credentials is not None and credentials[0] != station_id:
            log.info("[%s] refused: Basic auth user does not match the station id", station_id)
            self._failed(keys)
            return _refuse(
                connection,
                HTTPStatus.UNAUTHORIZED,
                "Basic auth user must be the station id",
                challenge=True,
            )
        verdict = await self._stations.check_credentials(
            station_id,
            credentials[1] if credentials else None,
            encrypted=tls.encrypted,
            client_cn=tls.client_cn,
        )
        if verdict in (Verdict.ACCEPTED, Verdict.ADMITTED_PENDING):
            if self._lockout is not None:
                self._lockout.succeeded(keys[:1])
            return None
        log.info("[%s] refused from %s: %s", station_id, peer, verdict.value)
        if verdict in FAILED_LOGIN:
            self._failed(keys)
        if verdict is Verdict.TLS_REQUIRED:
            return _refuse(
                connection,
                HTTPStatus.FORBIDDEN,
                "this station's security profile needs TLS: connect with wss://",
            )
        if verdict is Verdict.CERTIFICATE_REQUIRED:
            return _refuse(
                connection,
                HTTPStatus.FORBIDDEN,
                "security profile 3: present a client certificate issued for this station id",
            )
        return _refuse(
            connection,
            HTTPStatus.UNAUTHORIZED,
            "unknown station or wrong password",
            challenge=True,
        )

    def _failed(self, keys: tuple[str, str]) -> None:
        if self._lockout is not None:
            self._lockout.failed(keys)
