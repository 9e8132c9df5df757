"""Steps a 2.0.1 charger takes, shared by the end-to-end tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from ocpp.v201 import ChargePoint, call

BASE = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def at(minutes: float) -> str:
    return (BASE + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


async def register(api: httpx.AsyncClient, station_id: str, password: str, tag: str) -> None:
    """The station and an accepted id token, as an operator would set them up."""
    created = await api.post("/api/v1/stations", json={"id": station_id, "password": password})
    assert created.status_code == 201, created.text
    token = await api.post("/api/v1/id-tokens", json={"id_token": tag, "status": "Accepted"})
    assert token.status_code in (201, 409), token.text


async def boot(cp: ChargePoint, vendor: str = "Steppe Test", model: str = "DC60") -> Any:
    return await cp.call(
        call.BootNotification(
            charging_station={"vendorName": vendor, "model": model, "serialNumber": "SN-201"},
            reason="PowerUp",
        )
    )


def register_value(minutes: float, wh: float, context: str, **unit: Any) -> dict[str, Any]:
    """A meter value with the energy register (in Wh unless `unit` says otherwise)."""
    sampled: dict[str, Any] = {
        "value": wh,
        "measurand": "Energy.Active.Import.Register",
        "context": context,
    }
    if unit:
        sampled["unitOfMeasure"] = unit
    return {"timestamp": at(minutes), "sampledValue": [sampled]}


def event(
    kind: str,
    tx_id: str,
    seq_no: int,
    minutes: float,
    *,
    trigger: str = "MeterValuePeriodic",
    meter: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> call.TransactionEvent:
    info: dict[str, Any] = {"transactionId": tx_id}
    for key in ("chargingState", "stoppedReason"):
        if key in extra:
            info[key] = extra.pop(key)
    return call.TransactionEvent(
        event_type=kind,
        timestamp=at(minutes),
        trigger_reason=trigger,
        seq_no=seq_no,
        transaction_info=info,
        meter_value=meter,
        **extra,
    )


async def transaction(api: httpx.AsyncClient, tx_id: str, station_id: str) -> dict[str, Any]:
    answer = await api.get(f"/api/v1/transactions/{tx_id}", params={"station_id": station_id})
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body
