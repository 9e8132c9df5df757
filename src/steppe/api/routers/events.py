"""Live events as Server-Sent Events: `event:` is the type, `data:` the JSON event."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from steppe.api.context import ApiContext
from steppe.api.deps import Context, Principal, Viewer
from steppe.api.errors import ApiError
from steppe.domain.events import Event, EventType

router = APIRouter(tags=["events"])
# Longest wait between checks that the server is still up (it ends streams on shutdown).
TICK = 0.5
# Seconds between checks that the stream's key is still live with its role.
KEY_CHECK = 2.0
# What a stream may carry: the types docs/api.md lists, and nothing else.
DOCUMENTED = frozenset(EventType)


def _frame(event: Event) -> bytes:
    data = json.dumps(event.as_dict(), separators=(",", ":"), default=str)
    return f"id: {event.id}\nevent: {event.type}\ndata: {data}\n\n".encode()


async def _stream(
    context: ApiContext, who: Principal, station_ids: frozenset[str], types: frozenset[str]
) -> AsyncIterator[bytes]:
    def accepts(event: Event) -> bool:
        if event.type not in DOCUMENTED:
            return False
        if types and event.type not in types and event.type is not EventType.STREAM_LAGGED:
            return False
        return not station_ids or event.station_id is None or event.station_id in station_ids

    heartbeat = context.settings.events_heartbeat
    async with context.services.bus.subscribe(accepts) as subscription:
        yield b": connected\n\n"
        quiet_since = checked = time.monotonic()
        while context.readiness:
            if who.key_id is not None and time.monotonic() - checked >= KEY_CHECK:
                checked = time.monotonic()
                if not await context.services.keys.still_holds(who.key_id, who.role.name.lower()):
                    return  # revoked, or another role: the stream ends
            try:
                async with asyncio.timeout(min(TICK, heartbeat)):
                    event = await subscription.queue.get()
            except TimeoutError:
                if time.monotonic() - quiet_since >= heartbeat:
                    quiet_since = time.monotonic()
                    yield b": keepalive\n\n"
                continue
            quiet_since = time.monotonic()
            yield _frame(event)


@router.get(
    "/api/v1/events",
    summary="Stream live events (Server-Sent Events)",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "an endless stream"}},
)
async def events(
    context: Context,
    who: Viewer,
    station_id: Annotated[
        list[str] | None, Query(max_length=48, description="only these stations (repeatable)")
    ] = None,
    types: Annotated[
        str | None, Query(max_length=500, description="comma-separated event types")
    ] = None,
) -> StreamingResponse:
    wanted = frozenset(t.strip() for t in types.split(",") if t.strip()) if types else frozenset()
    unknown = sorted(wanted - {str(t) for t in EventType})
    if unknown:
        raise ApiError(422, "invalid_request", f"types: unknown event types {', '.join(unknown)}")
    return StreamingResponse(
        _stream(context, who, frozenset(station_id or ()), wanted),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
