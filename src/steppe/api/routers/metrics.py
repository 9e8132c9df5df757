"""Prometheus metrics, in the text format the scraper asks for (0.0.4 unless it asks for
another). Needs a key (viewer role), like every other route."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from steppe.api.deps import Context, Viewer

router = APIRouter(tags=["operations"])


@router.get(
    "/metrics",
    response_class=Response,
    summary="Metrics in Prometheus text format",
    responses={200: {"content": {"text/plain": {}}}},
)
async def metrics(context: Context, _: Viewer, request: Request) -> Response:
    body, content_type = await context.metrics.exposition(request.headers.get("accept"))
    return Response(body, media_type=content_type)
