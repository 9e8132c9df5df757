"""FastAPI dependencies: the context, and who is calling."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from enum import IntEnum
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from steppe.api.context import ApiContext
from steppe.api.errors import ApiError


class Role(IntEnum):
    """Roles in order of power: each includes what the ones below may do."""

    VIEWER = 1
    OPERATOR = 2
    ADMIN = 3


@dataclass(frozen=True, slots=True)
class Principal:
    name: str
    role: Role
    key_id: str | None = None

    @property
    def actor(self) -> str:
        """Who did it, as the audit log records it."""
        return self.name if self.key_id is None else f"key:{self.key_id} {self.name}"


bearer = HTTPBearer(auto_error=False, description="an API key, or STEPPE_ADMIN_TOKEN")


def get_context(request: Request) -> ApiContext:
    context: ApiContext = request.app.state.steppe
    return context


Context = Annotated[ApiContext, Depends(get_context)]


async def authenticate(
    context: Context,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    if credentials is None:
        raise ApiError(401, "unauthenticated", "send Authorization: Bearer <key>")
    token = credentials.credentials
    admin = context.settings.admin_token
    if admin is not None and hmac.compare_digest(token.encode(), admin.get_secret_value().encode()):
        return Principal("admin-token", Role.ADMIN)
    key = await context.services.keys.resolve(token)
    if key is None:
        raise ApiError(401, "unauthenticated", "unknown or revoked key")
    return Principal(key.name, Role[key.role.upper()], key_id=key.id)


def require(role: Role) -> object:
    async def check(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
        if principal.role < role:
            raise ApiError(403, "forbidden", f"this needs the {role.name.lower()} role")
        return principal

    return Depends(check)


Viewer = Annotated[Principal, require(Role.VIEWER)]
Operator = Annotated[Principal, require(Role.OPERATOR)]
Admin = Annotated[Principal, require(Role.ADMIN)]
