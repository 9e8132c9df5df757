"""The opening handshake: endpoint, subprotocol and credentials, checked before any frame flows.

Security profiles (OCPP 1.6 security whitepaper, 2.0.1 part 2 A00): 1 = Basic auth on plain or
TLS connections, 2 = Basic auth over TLS only, 3 = a TLS client certificate whose common name is
the station id (Basic auth optional). Failed logins count towards a lockout per (station id,
client address) and, for ids nobody registered, per address (`logins.py`, ADR 0024).
"""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Callable, Sequence
from http import HTTPStatus

from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from steppe.domain.stations.hash_queue import ChecksBusy
from steppe.domain.stations.models import Verdict
from steppe.domain.stations.registrations import WINDOW as REGISTRATION_RETRY
from steppe.domain.stations.service import StationService
from steppe.gateway.identity import station_id_from_path
from steppe.gateway.limits import RepeatedLog
from steppe.gateway.logins import LoginGuard
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
    """The checks on an opening request before it is answered: endpoint, subprotocol, lockouts,
    profiles 1-3. None lets the request through; a Response refuses it. (Connections per address
    are counted from accept, before any request: `limits.AddressGate`.)"""

    def __init__(self, stations: StationService, subprotocols: Sequence[str], guard: LoginGuard):
        self._stations = stations
        self._subprotocols = tuple(subprotocols)
        self._guard = guard
        # A burst is refused many times a second; one line every few seconds says so.
        self._locked_log = RepeatedLog(log, logging.WARNING, every=10.0)
        self._busy_log = RepeatedLog(log, logging.WARNING, every=10.0)

    async def __call__(
        self, connection: StationSocket, request: Request, peer: str, tls: PeerTls
    ) -> Response | None:
        """Check `request`, which came from address `peer` over a connection whose TLS layer
        says `tls`."""
        station_id = station_id_from_path(request.path)
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
        wait = self._guard.begin(station_id, peer)
        if wait is not None:
            self._locked_log(
                "[%s] refused from %s: locked out after failed logins", station_id, peer
            )
            return _refuse(
                connection,
                HTTPStatus.TOO_MANY_REQUESTS,
                "too many failed logins; try again later",
                retry_after=wait,
            )
        verdict: Verdict | None = None
        try:
            verdict = await self._verdict(station_id, request, peer, tls)
        except ChecksBusy:
            self._busy_log(
                "[%s] refused from %s: too many password checks waiting", station_id, peer
            )
            return _refuse(
                connection,
                HTTPStatus.SERVICE_UNAVAILABLE,
                "busy checking passwords; try again shortly",
                retry_after=1,
            )
        finally:
            self._guard.end(
                station_id,
                peer,
                admitted=verdict in ADMITTED,
                failed=verdict in FAILED_LOGIN,
                unknown=verdict is Verdict.UNKNOWN,
            )
        if verdict in ADMITTED:
            return None
        log.info("[%s] refused from %s: %s", station_id, peer, verdict.value)
        return _REFUSALS.get(verdict, _wrong_credentials)(connection)

    async def _verdict(self, station_id: str, request: Request, peer: str, tls: PeerTls) -> Verdict:
        if tls.client_cn is not None and tls.client_cn != station_id:
            return Verdict.CERTIFICATE_REQUIRED
        credentials = basic_credentials(request.headers)
        if credentials is not None and credentials[0] != station_id:
            return Verdict.WRONG_PASSWORD
        return await self._stations.check_credentials(
            station_id,
            credentials[1] if credentials else None,
            encrypted=tls.encrypted,
            client_cn=tls.client_cn,
            client=peer,
        )


ADMITTED = frozenset({Verdict.ACCEPTED, Verdict.ADMITTED_PENDING})


def _wrong_credentials(connection: StationSocket) -> Response:
    return _refuse(
        connection,
        HTTPStatus.UNAUTHORIZED,
        "unknown station or wrong password",
        challenge=True,
    )


_REFUSALS: dict[Verdict, Callable[[StationSocket], Response]] = {
    Verdict.TLS_REQUIRED: lambda connection: _refuse(
        connection,
        HTTPStatus.FORBIDDEN,
        "this station's security profile needs TLS: connect with wss://",
    ),
    Verdict.CERTIFICATE_REQUIRED: lambda connection: _refuse(
        connection,
        HTTPStatus.FORBIDDEN,
        "security profile 3: present a client certificate issued for this station id "
        "(a certificate's common name must be the station id)",
    ),
    Verdict.REGISTRATION_LIMITED: lambda connection: _refuse(
        connection,
        HTTPStatus.TOO_MANY_REQUESTS,
        "too many new stations registered lately; try again later",
        retry_after=REGISTRATION_RETRY,
    ),
}
