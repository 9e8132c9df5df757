"""OCPI partners: create one to hand its token A, register with one, see roles, health and
queued pushes. Admin for changes, viewer to read."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from steppe.api.deps import Admin, Context, Viewer
from steppe.api.schemas.roaming import (
    PartnerConnect,
    PartnerCreate,
    PartnerCreated,
    PartnerDetail,
    PartnerOut,
    QueuedPush,
)

router = APIRouter(prefix="/api/v1/ocpi/partners", tags=["ocpi"])
PartnerId = Annotated[str, Path(max_length=36)]


@router.post("", status_code=201, response_model=PartnerCreated, summary="Create a partner")
async def create_partner(body: PartnerCreate, context: Context, _: Admin) -> PartnerCreated:
    """A partner that will register with us: give it `token_a` and `versions_url`."""
    partners = context.services.roaming.partners
    partner, token_a = await partners.create(body.name, raw_token=body.raw_token)
    return PartnerCreated(
        id=partner.id, token_a=token_a, versions_url=partners.identity.versions_url
    )


@router.get("", response_model=list[PartnerOut], summary="List partners")
async def list_partners(context: Context, _: Viewer) -> list[PartnerOut]:
    return [PartnerOut.of(p) for p in await context.services.roaming.partners.list()]


@router.get("/{partner_id}", response_model=PartnerDetail, summary="A partner and its queue")
async def get_partner(partner_id: PartnerId, context: Context, _: Viewer) -> PartnerDetail:
    roaming = context.services.roaming
    found = [p for p in await roaming.partners.list() if p.id == partner_id]
    partner = found[0] if found else await roaming.partners.get(partner_id)
    queue = [QueuedPush.of(i) for i in await roaming.outbox.pending(partner_id)]
    return PartnerDetail(**PartnerOut.of(partner).model_dump(), queue=queue)


@router.delete("/{partner_id}", response_model=PartnerOut, summary="Unregister a partner")
async def disconnect_partner(partner_id: PartnerId, context: Context, _: Admin) -> PartnerOut:
    """Tell the partner (DELETE of its credentials) and stop accepting its tokens; its queued
    pushes are dropped."""
    return PartnerOut.of(await context.services.roaming.partners.disconnect(partner_id))


@router.post("/{partner_id}/connect", response_model=PartnerOut, summary="Register with a partner")
async def connect_partner(
    partner_id: PartnerId, body: PartnerConnect, context: Context, _: Admin
) -> PartnerOut:
    """Register with a partner that gave us its versions URL and token A."""
    partner = await context.services.roaming.partners.connect(
        partner_id, body.versions_url, body.token
    )
    return PartnerOut.of(partner)


@router.post(
    "/{partner_id}/renew", response_model=PartnerOut, summary="Renew the tokens with a partner"
)
async def renew_partner(partner_id: PartnerId, context: Context, _: Admin) -> PartnerOut:
    """Send a registered partner a new token to call us with (a PUT of our credentials) and
    take the token it answers with; the old tokens stop working both ways. 409 when the partner
    is not registered, 502 `partner_unreachable` when it cannot be reached or refuses."""
    return PartnerOut.of(await context.services.roaming.partners.renew(partner_id))
