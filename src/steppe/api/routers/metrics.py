"""Prometheus metrics (text format 0.0.4). Needs a key (viewer role), like every other route."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import cast

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse

from steppe.api.deps import Context, Viewer

router = APIRouter(tags=["operations"])
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


@router.get(
    "/metrics",
    response_class=PlainTextResponse,
    summary="Metrics in Prometheus text format",
    responses={200: {"content": {"text/plain": {}}}},
)
async def metrics(context: Context, _: Viewer) -> PlainTextResponse:
    render = cast(Callable[[], Awaitable[str]], context.extras["metrics_text"])
    return PlainTextResponse(await render(), media_type=CONTENT_TYPE)
