"""The ceiling: a websockets loop that parses each CALL with orjson and answers a canned
CALLRESULT, with no validation and no storage. Any station id and any credentials are welcome."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any

import orjson
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

CANNED: dict[str, Any] = {
    "BootNotification": {"status": "Accepted", "interval": 300},
    "Heartbeat": {},
    "StatusNotification": {},
    "MeterValues": {},
    "StartTransaction": {"transactionId": 1, "idTagInfo": {"status": "Accepted"}},
    "StopTransaction": {"idTagInfo": {"status": "Accepted"}},
    "Authorize": {"idTagInfo": {"status": "Accepted"}},
}


async def answer(ws: ServerConnection) -> None:
    try:
        while True:
            frame = orjson.loads(await ws.recv(decode=False))
            if frame[0] != 2:
                continue
            payload = CANNED.get(frame[2], {})
            if frame[2] in ("BootNotification", "Heartbeat"):
                payload = {**payload, "currentTime": datetime.now(UTC).isoformat()}
            await ws.send(orjson.dumps([3, frame[1], payload]), text=True)
    except ConnectionClosed:
        return


async def main(host: str, port: int) -> None:
    async with serve(
        answer,
        host,
        port,
        subprotocols=["ocpp1.6"],  # type: ignore[list-item]
        compression=None,
        ping_interval=None,
        backlog=4096,
    ) as server:
        print("ready", flush=True)
        await server.serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    try:
        import uvloop

        uvloop.run(main(args.host, args.port))
    except KeyboardInterrupt:
        pass
