"""The opening handshake: endpoint, subprotocol and credentials, checked before any frame flows."""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Sequence
from http import HTTPStatus

from websockets.asyncio.server import ServerConnection
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from steppe.domain.stations.models import Verdict
from steppe.domain.stations.service import StationService
from steppe.gateway.identity import station_id_from_path

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
    connection: ServerConnection, status: HTTPStatus, text: str, *, challenge: bool = False
) -> Response:
    response = connection.respond(status, text + "\n")
    if challenge:
        response.headers["WWW-Authenticate"] = 'Basic realm="Steppe OCPP", charset="UTF-8"'
    return response


class Handshake:
    """`process_request` for the OCPP server (security profile 1: Basic auth)."""

    def __init__(self, stations: StationService, subprotocols: Sequence[str]) -> None:
        self._stations = stations
        self._subprotocols = tuple(subprotocols)

    def select_subprotocol(
        self, connection: ServerConnection, offered: Sequence[str]
    ) -> str | None:
        """The newest OCPP version both sides speak."""
        for ours in self._subprotocols:
            if ours in offered:
                return ours
        return None

    async def __call__(self, connection: ServerConnection, request: Request) -> Response | None:
        station_id = station_id_from_path(request.path)
        peer = connection.remote_address[0] if connection.remote_address else "?"
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
        credentials = basic_credentials(request.headers)
        if credentials is not None and credentials[0] != station_id:
            log.info("[%s] refused: Basic auth user does not match the station id", station_id)
            return _refuse(
                connection,
                HTTPStatus.UNAUTHORIZED,
                "Basic auth user must be the station id",
                challenge=True,
            )
        verdict = await self._stations.check_credentials(
            station_id, credentials[1] if credentials else None
        )
        if verdict in (Verdict.ACCEPTED, Verdict.ADMITTED_PENDING):
            return None
        log.info("[%s] refused from %s: %s", station_id, peer, verdict.value)
        return _refuse(
            connection,
            HTTPStatus.UNAUTHORIZED,
            "unknown station or wrong password",
            challenge=True,
        )
