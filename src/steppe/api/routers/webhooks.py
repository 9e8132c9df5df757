"""Webhooks: register a URL and a secret, list, remove, and read the delivery log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from steppe.api.deps import Admin, Context, Operator
from steppe.api.schemas.operator import DeliveryOut, WebhookCreate, WebhookOut
from steppe.api.schemas.values import Moment
from steppe.domain.webhooks.service import WebhookService

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"])
WebhookPath = Annotated[str, Path(max_length=32)]


def _hooks(context: Context) -> WebhookService:
    return context.services.webhooks


@router.post("", status_code=201, response_model=WebhookOut, summary="Register a webhook")
async def create_webhook(body: WebhookCreate, context: Context, who: Admin) -> WebhookOut:
    hook = await _hooks(context).create(body.url, body.secret, body.types, created_by=who.actor)
    return WebhookOut.of(hook)


@router.get("", response_model=list[WebhookOut], summary="List webhooks")
async def list_webhooks(context: Context, _: Operator) -> list[WebhookOut]:
    return [WebhookOut.of(hook) for hook in await _hooks(context).list()]


@router.get("/{webhook_id}", response_model=WebhookOut, summary="Read one webhook")
async def get_webhook(webhook_id: WebhookPath, context: Context, _: Operator) -> WebhookOut:
    return WebhookOut.of(await _hooks(context).get(webhook_id))


@router.delete("/{webhook_id}", status_code=204, summary="Remove a webhook and its log")
async def delete_webhook(webhook_id: WebhookPath, context: Context, _: Admin) -> Response:
    await _hooks(context).delete(webhook_id)
    return Response(status_code=204)


@router.get(
    "/{webhook_id}/deliveries",
    response_model=list[DeliveryOut],
    summary="Read a webhook's delivery log, newest first",
)
async def list_deliveries(
    webhook_id: WebhookPath,
    context: Context,
    _: Operator,
    before: Annotated[Moment | None, Query(description="cursor: created_at of the last")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[DeliveryOut]:
    found = await _hooks(context).deliveries(webhook_id, before=before, limit=limit)
    return [DeliveryOut.of(d) for d in found]
