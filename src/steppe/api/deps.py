"""FastAPI dependencies: the context, and who is calling."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPBearer

from steppe.api.auth import Principal, Role
from steppe.api.context import ApiContext
from steppe.api.errors import ApiError

__all__ = ["Admin", "Context", "Operator", "Principal", "Role", "Viewer", "client_address"]

# Declares the scheme in the OpenAPI document; the header itself is read by the Authenticator.
bearer = HTTPBearer(auto_error=False, description="an API key, or STEPPE_ADMIN_TOKEN")


def get_context(request: Request) -> ApiContext:
    context: ApiContext = request.app.state.steppe
    return context


Context = Annotated[ApiContext, Depends(get_context)]


def client_address(request: Request) -> str:
    return request.client.host if request.client is not None else "?"


async def authenticate(
    request: Request, context: Context, _scheme: Annotated[object, Depends(bearer)]
) -> Principal:
    # A request with a body was authenticated before its body was read (api/guard.py).
    known: Principal | None = getattr(request.state, "principal", None)
    if known is not None:
        return known
    return await context.authenticator.authenticate(
        request.headers.get("authorization"), client_address(request)
    )


def require(role: Role) -> object:
    async def check(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
        if principal.role < role:
            raise ApiError(403, "forbidden", f"this needs the {role.name.lower()} role")
        return principal

    return Depends(check)


Viewer = Annotated[Principal, require(Role.VIEWER)]
Operator = Annotated[Principal, require(Role.OPERATOR)]
Admin = Annotated[Principal, require(Role.ADMIN)]
