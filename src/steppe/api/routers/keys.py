"""API keys: create (the key is shown once), list, revoke. Admin only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from steppe.api.deps import Admin, Context
from steppe.api.schemas.operator import KeyCreate, KeyCreated, KeyOut, KeyRole
from steppe.domain.keys.service import KeyService

router = APIRouter(prefix="/api/v1/keys", tags=["keys"])


def _keys(context: Context) -> KeyService:
    return context.services.keys


@router.post("", status_code=201, response_model=KeyCreated, summary="Create an API key")
async def create_key(body: KeyCreate, context: Context, who: Admin) -> KeyCreated:
    key, secret = await _keys(context).create(body.name, body.role, created_by=who.actor)
    return KeyCreated(**KeyOut.of(key).model_dump(), key=secret)


@router.get("", response_model=list[KeyOut], summary="List API keys")
async def list_keys(context: Context, _: Admin, include_revoked: bool = False) -> list[KeyOut]:
    return [KeyOut.of(k) for k in await _keys(context).list(include_revoked=include_revoked)]


@router.patch("/{key_id}", response_model=KeyOut, summary="Change an API key's role")
async def change_role(
    key_id: Annotated[str, Path(max_length=32)], body: KeyRole, context: Context, _: Admin
) -> KeyOut:
    return KeyOut.of(await _keys(context).change_role(key_id, body.role))


@router.delete("/{key_id}", status_code=204, summary="Revoke an API key")
async def revoke_key(
    key_id: Annotated[str, Path(max_length=32)], context: Context, _: Admin
) -> Response:
    await _keys(context).revoke(key_id)
    return Response(status_code=204)
