"""Versions, version details and credentials: how a partner finds and registers with us."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from steppe.domain.roaming.models import OCPI_VERSION, Module
from steppe.errors import Conflict, InvalidInput
from steppe.ocpi.context import AnyCaller, Context
from steppe.ocpi.envelope import OcpiError, OcpiStatus, answer

router = APIRouter()
MODULES = (
    (Module.CREDENTIALS, "SENDER"),
    (Module.CREDENTIALS, "RECEIVER"),
    (Module.LOCATIONS, "SENDER"),
    (Module.TARIFFS, "SENDER"),
    (Module.SESSIONS, "SENDER"),
    (Module.CDRS, "SENDER"),
    (Module.TOKENS, "RECEIVER"),
    (Module.COMMANDS, "RECEIVER"),
    (Module.HUB_CLIENT_INFO, "RECEIVER"),
)


@router.get("/versions")
async def versions(request: Request, context: Context, who: AnyCaller) -> Response:
    return answer(request, [{"version": OCPI_VERSION, "url": f"{context.base_url}/{OCPI_VERSION}"}])


@router.get(f"/{OCPI_VERSION}")
async def version_details(request: Request, context: Context, who: AnyCaller) -> Response:
    base = f"{context.base_url}/{OCPI_VERSION}"
    # With a trailing slash: peers that append "CC/PID/ID" to the URL as given then still
    # reach the right path (the application ignores the slash where it ends a path).
    endpoints = [
        {"identifier": module.value, "role": role, "url": f"{base}/{module.value}/"}
        for module, role in MODULES
    ]
    return answer(request, {"version": OCPI_VERSION, "endpoints": endpoints})


async def _credentials_body(request: Request) -> Any:
    try:
        return await request.json()
    except ValueError:
        raise OcpiError(400, OcpiStatus.INVALID_PARAMETERS, "the body is not JSON") from None


@router.get(f"/{OCPI_VERSION}/credentials")
async def get_credentials(request: Request, context: Context, who: AnyCaller) -> Response:
    return answer(request, context.identity.credentials(who.token))


@router.post(f"/{OCPI_VERSION}/credentials")
async def post_credentials(request: Request, context: Context, who: AnyCaller) -> Response:
    """Registration with token A: we read the partner's endpoints and answer with token C."""
    body = await _credentials_body(request)
    partners = context.services.roaming.partners
    if not who.with_token_a:
        raise OcpiError(405, OcpiStatus.CLIENT_ERROR, "already registered: use PUT to update")
    try:
        ours = await partners.register(who.partner, body, update=False)
    except Conflict as exc:
        raise OcpiError(405, OcpiStatus.CLIENT_ERROR, str(exc)) from exc
    except InvalidInput as exc:
        raise OcpiError(400, OcpiStatus.INVALID_PARAMETERS, str(exc)) from exc
    context.relay.pull_tokens(who.partner.id)
    return answer(request, ours)


@router.put(f"/{OCPI_VERSION}/credentials")
async def put_credentials(request: Request, context: Context, who: AnyCaller) -> Response:
    body = await _credentials_body(request)
    if who.with_token_a:
        raise OcpiError(405, OcpiStatus.CLIENT_ERROR, "not registered: use POST first")
    try:
        ours = await context.services.roaming.partners.register(who.partner, body, update=True)
    except Conflict as exc:
        raise OcpiError(405, OcpiStatus.CLIENT_ERROR, str(exc)) from exc
    except InvalidInput as exc:
        raise OcpiError(400, OcpiStatus.INVALID_PARAMETERS, str(exc)) from exc
    return answer(request, ours)


@router.delete(f"/{OCPI_VERSION}/credentials")
async def delete_credentials(request: Request, context: Context, who: AnyCaller) -> Response:
    if who.with_token_a:
        raise OcpiError(405, OcpiStatus.CLIENT_ERROR, "not registered")
    await context.services.roaming.partners.unregister(who.partner)
    return answer(request, None)
