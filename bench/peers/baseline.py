# mypy: disable-error-code="untyped-decorator"
"""The baseline: a 1.6 central system written the obvious way on the `ocpp` library, with its
defaults (`@on` handlers, its own schema validation, `websockets.serve` defaults, the standard
asyncio loop) and in-memory answers. Any station id and any credentials are welcome."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
from datetime import UTC, datetime
from typing import Any

import websockets
from ocpp.routing import on
from ocpp.v16 import ChargePoint, call_result
from ocpp.v16.enums import Action, AuthorizationStatus, RegistrationStatus

ACCEPTED = {"status": AuthorizationStatus.accepted}


def now() -> str:
    return datetime.now(UTC).isoformat()


class CentralSystem:
    """What the baseline remembers: transactions and their last meter reading, in memory."""

    def __init__(self) -> None:
        self.transaction_ids = itertools.count(1)
        self.meter_wh: dict[int, str] = {}
        self.status: dict[tuple[str, int], str] = {}


class StationHandler(ChargePoint):  # type: ignore[misc]
    def __init__(self, station_id: str, connection: Any, central: CentralSystem) -> None:
        super().__init__(station_id, connection)
        self.central = central

    @on(Action.boot_notification)
    async def on_boot(self, charge_point_vendor: str, charge_point_model: str, **_: Any) -> Any:
        return call_result.BootNotification(
            current_time=now(), interval=300, status=RegistrationStatus.accepted
        )

    @on(Action.heartbeat)
    async def on_heartbeat(self) -> Any:
        return call_result.Heartbeat(current_time=now())

    @on(Action.status_notification)
    async def on_status(self, connector_id: int, error_code: str, status: str, **_: Any) -> Any:
        self.central.status[(self.id, connector_id)] = status
        return call_result.StatusNotification()

    @on(Action.authorize)
    async def on_authorize(self, id_tag: str) -> Any:
        return call_result.Authorize(id_tag_info=ACCEPTED)

    @on(Action.start_transaction)
    async def on_start(self, connector_id: int, id_tag: str, meter_start: int, **_: Any) -> Any:
        transaction_id = next(self.central.transaction_ids)
        self.central.meter_wh[transaction_id] = str(meter_start)
        return call_result.StartTransaction(transaction_id=transaction_id, id_tag_info=ACCEPTED)

    @on(Action.meter_values)
    async def on_meter_values(self, connector_id: int, meter_value: list[Any], **kw: Any) -> Any:
        transaction_id = kw.get("transaction_id")
        if transaction_id is not None:
            for value in meter_value:
                for sample in value["sampled_value"]:
                    self.central.meter_wh[transaction_id] = sample["value"]
        return call_result.MeterValues()

    @on(Action.stop_transaction)
    async def on_stop(self, meter_stop: int, transaction_id: int, **_: Any) -> Any:
        self.central.meter_wh.pop(transaction_id, None)
        return call_result.StopTransaction(id_tag_info=ACCEPTED)


async def main(host: str, port: int) -> None:
    central = CentralSystem()

    async def on_connect(ws: Any) -> None:
        station_id = ws.request.path.rstrip("/").split("/")[-1]
        with contextlib.suppress(websockets.ConnectionClosed):
            await StationHandler(station_id, ws, central).start()

    async with websockets.serve(on_connect, host, port, subprotocols=["ocpp1.6"]) as server:  # type: ignore[list-item]
        print("ready", flush=True)
        await server.serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main(args.host, args.port))
