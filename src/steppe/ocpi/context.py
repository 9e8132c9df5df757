"""What the OCPI endpoints are given, and who is calling them."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from steppe.domain.ports import CommandSender
from steppe.domain.roaming.models import Identity, Partner, PartnerState
from steppe.domain.services import Services
from steppe.ocpi.commands import CommandRelay
from steppe.ocpi.envelope import OcpiError, OcpiStatus
from steppe.ocpi.mapping import Party


@dataclass(frozen=True, slots=True)
class OcpiContext:
    services: Services
    connections: CommandSender
    relay: CommandRelay
    identity: Identity
    command_timeout: float  # seconds a partner is told to wait for a command's result

    @property
    def base_url(self) -> str:
        """The public URL of /ocpi."""
        return self.identity.ocpi_url

    @property
    def party(self) -> Party:
        return Party(self.identity.country_code, self.identity.party_id)


def get_context(request: Request) -> OcpiContext:
    context: OcpiContext = request.app.state.ocpi
    return context


Context = Annotated[OcpiContext, Depends(get_context)]


def presented_tokens(header: str | None) -> list[str]:
    """The token of an `Authorization: Token ...` header: the base64 form 2.2.1 asks for first,
    then the raw form older peers send."""
    if not header:
        return []
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    if scheme.lower() != "token" or not value:
        return []
    tokens = []
    try:
        decoded = base64.b64decode(value, validate=True).decode()
        if decoded and decoded.isprintable():
            tokens.append(decoded)
    except (binascii.Error, UnicodeDecodeError):
        pass
    tokens.append(value)
    return tokens


@dataclass(frozen=True, slots=True)
class Caller:
    partner: Partner
    with_token_a: bool
    token: str


async def caller(request: Request, context: Context) -> Caller:
    """The partner calling, by its token (token A only reaches versions and credentials)."""
    for token in presented_tokens(request.headers.get("Authorization")):
        found = await context.services.roaming.partners.by_token(token)
        if found is not None:
            return Caller(found[0], found[1], token)
    raise OcpiError(401, OcpiStatus.CLIENT_ERROR, "unknown or revoked token")


AnyCaller = Annotated[Caller, Depends(caller)]


async def registered(who: AnyCaller) -> Partner:
    if who.with_token_a or who.partner.state is not PartnerState.REGISTERED:
        raise OcpiError(
            401, OcpiStatus.CLIENT_ERROR, "register first: token A opens credentials only"
        )
    return who.partner


Registered = Annotated[Partner, Depends(registered)]
