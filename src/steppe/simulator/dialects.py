"""What a simulated charger says, in OCPP 1.6 and in OCPP 2.0.1 words."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Protocol


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Dialect(Protocol):
    """Builds the charger's messages and reads the server's answers for one OCPP version."""

    subprotocol: str
    charging_status: str

    def boot(self, vendor: str, model: str, serial: str) -> tuple[str, dict[str, Any]]: ...
    def status(self, connector: int, status: str) -> tuple[str, dict[str, Any]]: ...
    def authorize(self, id_token: str) -> tuple[str, dict[str, Any]]: ...
    def token_status(self, answer: dict[str, Any]) -> str: ...
    def start(
        self, tx: SessionState, remote_start_id: int | None
    ) -> tuple[str, dict[str, Any]]: ...
    def started_id(self, tx: SessionState, answer: dict[str, Any]) -> str: ...
    def meter(self, tx: SessionState) -> tuple[str, dict[str, Any]]: ...
    def stop(self, tx: SessionState, reason: str) -> tuple[str, dict[str, Any]]: ...


class SessionState:
    """One simulated charging session."""

    __slots__ = ("connector", "id_token", "meter_start_wh", "meter_wh", "power_w", "seq", "tx_id")

    def __init__(self, connector: int, id_token: str, meter_wh: int, power_w: int) -> None:
        self.connector = connector
        self.id_token = id_token
        self.meter_start_wh = meter_wh
        self.meter_wh = meter_wh
        self.power_w = power_w
        self.tx_id = ""
        self.seq = 0

    def next_seq(self) -> int:
        seq = self.seq
        self.seq += 1
        return seq


class V16:
    subprotocol = "ocpp1.6"
    charging_status = "Charging"

    def boot(self, vendor: str, model: str, serial: str) -> tuple[str, dict[str, Any]]:
        return "BootNotification", {
            "chargePointVendor": vendor,
            "chargePointModel": model,
            "chargePointSerialNumber": serial,
            "firmwareVersion": "sim-1.0",
        }

    def status(self, connector: int, status: str) -> tuple[str, dict[str, Any]]:
        return "StatusNotification", {
            "connectorId": connector,
            "errorCode": "NoError",
            "status": status,
            "timestamp": now_iso(),
        }

    def authorize(self, id_token: str) -> tuple[str, dict[str, Any]]:
        return "Authorize", {"idTag": id_token}

    def token_status(self, answer: dict[str, Any]) -> str:
        return str(answer.get("idTagInfo", {}).get("status", "Invalid"))

    def start(self, tx: SessionState, remote_start_id: int | None) -> tuple[str, dict[str, Any]]:
        return "StartTransaction", {
            "connectorId": tx.connector,
            "idTag": tx.id_token,
            "meterStart": tx.meter_start_wh,
            "timestamp": now_iso(),
        }

    def started_id(self, tx: SessionState, answer: dict[str, Any]) -> str:
        return str(answer["transactionId"])

    def meter(self, tx: SessionState) -> tuple[str, dict[str, Any]]:
        return "MeterValues", {
            "connectorId": tx.connector,
            "transactionId": int(tx.tx_id),
            "meterValue": [
                {
                    "timestamp": now_iso(),
                    "sampledValue": [
                        {
                            "value": str(tx.meter_wh),
                            "measurand": "Energy.Active.Import.Register",
                            "unit": "Wh",
                            "context": "Sample.Periodic",
                        },
                        {
                            "value": str(tx.power_w),
                            "measurand": "Power.Active.Import",
                            "unit": "W",
                            "context": "Sample.Periodic",
                        },
                    ],
                }
            ],
        }

    def stop(self, tx: SessionState, reason: str) -> tuple[str, dict[str, Any]]:
        return "StopTransaction", {
            "transactionId": int(tx.tx_id),
            "idTag": tx.id_token,
            "meterStop": tx.meter_wh,
            "timestamp": now_iso(),
            "reason": reason,
        }


_V201_STATUS = {
    "Available": "Available",
    "Preparing": "Occupied",
    "Charging": "Occupied",
    "Finishing": "Occupied",
    "Unavailable": "Unavailable",
    "Faulted": "Faulted",
}
_V201_STOP = {"Local": "Local", "Remote": "Remote", "EVDisconnected": "EVDisconnected"}


class V201:
    subprotocol = "ocpp2.0.1"
    charging_status = "Charging"

    def boot(self, vendor: str, model: str, serial: str) -> tuple[str, dict[str, Any]]:
        return "BootNotification", {
            "reason": "PowerUp",
            "chargingStation": {
                "vendorName": vendor,
                "model": model,
                "serialNumber": serial,
                "firmwareVersion": "sim-1.0",
            },
        }

    def status(self, connector: int, status: str) -> tuple[str, dict[str, Any]]:
        return "StatusNotification", {
            "timestamp": now_iso(),
            "connectorStatus": _V201_STATUS.get(status, "Available"),
            "evseId": connector,
            "connectorId": 1,
        }

    def authorize(self, id_token: str) -> tuple[str, dict[str, Any]]:
        return "Authorize", {"idToken": {"idToken": id_token, "type": "ISO14443"}}

    def token_status(self, answer: dict[str, Any]) -> str:
        return str(answer.get("idTokenInfo", {}).get("status", "Invalid"))

    def _event(
        self, tx: SessionState, event: str, trigger: str, context: str, state: str
    ) -> dict[str, Any]:
        stamp = now_iso()
        return {
            "eventType": event,
            "timestamp": stamp,
            "triggerReason": trigger,
            "seqNo": tx.next_seq(),
            "transactionInfo": {"transactionId": tx.tx_id, "chargingState": state},
            "evse": {"id": tx.connector, "connectorId": 1},
            "meterValue": [
                {
                    "timestamp": stamp,
                    "sampledValue": [
                        {
                            "value": tx.meter_wh,
                            "measurand": "Energy.Active.Import.Register",
                            "context": context,
                            "unitOfMeasure": {"unit": "Wh"},
                        }
                    ],
                }
            ],
        }

    def start(self, tx: SessionState, remote_start_id: int | None) -> tuple[str, dict[str, Any]]:
        tx.tx_id = str(uuid.uuid4())
        payload = self._event(tx, "Started", "Authorized", "Transaction.Begin", "Charging")
        payload["idToken"] = {"idToken": tx.id_token, "type": "ISO14443"}
        if remote_start_id is not None:
            payload["triggerReason"] = "RemoteStart"
            payload["transactionInfo"]["remoteStartId"] = remote_start_id
        return "TransactionEvent", payload

    def started_id(self, tx: SessionState, answer: dict[str, Any]) -> str:
        return tx.tx_id

    def meter(self, tx: SessionState) -> tuple[str, dict[str, Any]]:
        payload = self._event(tx, "Updated", "MeterValuePeriodic", "Sample.Periodic", "Charging")
        payload["meterValue"][0]["sampledValue"].append(
            {
                "value": tx.power_w,
                "measurand": "Power.Active.Import",
                "context": "Sample.Periodic",
                "unitOfMeasure": {"unit": "W"},
            }
        )
        return "TransactionEvent", payload

    def stop(self, tx: SessionState, reason: str) -> tuple[str, dict[str, Any]]:
        trigger = "RemoteStop" if reason == "Remote" else "StopAuthorized"
        payload = self._event(tx, "Ended", trigger, "Transaction.End", "Idle")
        payload["transactionInfo"]["stoppedReason"] = _V201_STOP.get(reason, "Local")
        return "TransactionEvent", payload


DIALECTS: dict[str, type[V16] | type[V201]] = {"1.6": V16, "2.0.1": V201}
