"""Live updates for the pages: the event stream as Server-Sent Events, for a signed-in browser.

The same events as the API's stream (`/api/v1/events`), filtered the same way (`station_id`,
`types`), but authenticated by the session cookie, so a page needs no API key.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Query, Request
from starlette.responses import Response, StreamingResponse

from steppe.domain.events import Event, EventType
from steppe.web.console.visitors import Staff, console_router, web
from steppe.web.context import WebContext

router = console_router()
TICK = 0.5
KNOWN = frozenset(str(t) for t in EventType)


def frame(event: Event) -> bytes:
    data = json.dumps(event.as_dict(), separators=(",", ":"), default=str)
    return f"id: {event.id}\nevent: {event.type}\ndata: {data}\n\n".encode()


async def stream(
    context: WebContext, station_ids: frozenset[str], types: frozenset[str]
) -> AsyncIterator[bytes]:
    def accepts(event: Event) -> bool:
        if types and event.type not in types:
            return False
        return not station_ids or event.station_id is None or event.station_id in station_ids

    heartbeat = context.settings.events_heartbeat
    async with context.services.bus.subscribe(accepts) as subscription:
        yield b"retry: 3000\n: connected\n\n"
        quiet_since = time.monotonic()
        while context.readiness:
            try:
                async with asyncio.timeout(min(TICK, heartbeat)):
                    event = await subscription.queue.get()
            except TimeoutError:
                if time.monotonic() - quiet_since >= heartbeat:
                    quiet_since = time.monotonic()
                    yield b": keepalive\n\n"
                continue
            quiet_since = time.monotonic()
            yield frame(event)


@router.get("/events")
async def events(
    request: Request,
    _: Staff,
    station_id: Annotated[list[str] | None, Query(max_length=48)] = None,
    types: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    wanted = frozenset(t.strip() for t in (types or "").split(",") if t.strip()) & KNOWN
    return StreamingResponse(
        stream(web(request), frozenset(station_id or ()), wanted),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
