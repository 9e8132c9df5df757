"""The OpenAPI document describes every route of the application."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import httpx
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from steppe.api.app import create_api
from steppe.app import Steppe
from steppe.domain.commands.models import COMMANDS


def api_routes(routes: Sequence[BaseRoute]) -> Iterator[APIRoute]:
    """Every APIRoute, looking inside included routers (all mounted without an extra prefix)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from api_routes(inner.routes)


async def test_every_route_is_documented_with_a_summary(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    """Each path and method the app serves is in /openapi.json with a summary; /docs is served."""
    document = (await api.get("/openapi.json")).json()
    app = create_api(steppe.api_context, steppe.web_context)
    routes = [r for r in api_routes(app.routes) if r.include_in_schema]
    assert len(routes) > 40
    for route in routes:
        for method in route.methods - {"HEAD"}:
            operation = document["paths"][route.path_format][method.lower()]
            assert operation.get("summary"), f"{method} {route.path_format} has no summary"
    commands = [p for p in document["paths"] if "/commands/" in p]
    assert sorted(p.rsplit("/", 1)[1] for p in commands) == sorted(COMMANDS)
    for path in ("/api/v1/audit", "/api/v1/keys", "/api/v1/events", "/api/v1/webhooks", "/metrics"):
        assert path in document["paths"]
    remote_start = document["paths"]["/api/v1/stations/{station_id}/commands/remote-start"]["post"]
    assert "requestBody" in remote_start and "504" in remote_start["responses"]
    assert (await api.get("/docs")).status_code == 200
