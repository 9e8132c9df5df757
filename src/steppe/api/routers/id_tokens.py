"""Id tokens: the cards and app tokens that may charge."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from steppe.api.deps import Context, Operator, Viewer
from steppe.api.schemas.id_tokens import (
    IdTokenCreate,
    IdTokenOut,
    IdTokenPage,
    IdTokenUpdate,
    TokenStatusName,
    TokenValue,
)

router = APIRouter(prefix="/api/v1/id-tokens", tags=["id tokens"])
TokenPath = Annotated[str, Path(max_length=36)]


@router.post("", status_code=201, response_model=IdTokenOut, summary="Create an id token")
async def create_token(body: IdTokenCreate, context: Context, _: Operator) -> IdTokenOut:
    token = await context.services.tokens.create(
        body.id_token,
        status=body.status,
        type=body.type,
        expires_at=body.expires_at,
        parent_id_token=body.parent_id_token,
    )
    return IdTokenOut.of(token)


@router.get("", response_model=IdTokenPage, summary="List id tokens")
async def list_tokens(
    context: Context,
    _: Viewer,
    after: Annotated[TokenValue | None, Query(description="cursor: the last id seen")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    status: TokenStatusName | None = None,
    parent_id_token: Annotated[TokenValue | None, Query()] = None,
) -> IdTokenPage:
    filters = {
        k: v for k, v in (("status", status), ("parent_id_token", parent_id_token)) if v is not None
    }
    tokens = await context.services.tokens.list(after=after, limit=limit, filters=filters)
    return IdTokenPage(
        items=[IdTokenOut.of(t) for t in tokens],
        next=tokens[-1].id_token if len(tokens) == limit else None,
    )


@router.get("/{id_token}", response_model=IdTokenOut, summary="Read an id token")
async def get_token(id_token: TokenPath, context: Context, _: Viewer) -> IdTokenOut:
    return IdTokenOut.of(await context.services.tokens.get(id_token))


@router.patch("/{id_token}", response_model=IdTokenOut, summary="Change an id token")
async def update_token(
    id_token: TokenPath, body: IdTokenUpdate, context: Context, _: Operator
) -> IdTokenOut:
    changes = body.model_dump(exclude_unset=True)
    return IdTokenOut.of(await context.services.tokens.update(id_token, changes))


@router.delete("/{id_token}", status_code=204, summary="Delete an id token")
async def delete_token(id_token: TokenPath, context: Context, _: Operator) -> Response:
    await context.services.tokens.delete(id_token)
    return Response(status_code=204)
