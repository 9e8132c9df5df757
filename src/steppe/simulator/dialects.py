"""What a simulated charger says, in OCPP 1.6 and in OCPP 2.0.1 words (2.1 says the same as 2.0.1
for all a simulated charger does)."""

from __future__ import annotations

import uuid
from typing import Any, Protocol

from steppe.simulator.clock import WallClock


class Dialect(Protocol):
    """Builds the charger's messages and reads the server's answers for one OCPP version."""

    subprotocol: str
    charging_status: str

    def boot(
        self, vendor: str, model: str, serial: str | None, firmware: str | None
    ) -> tuple[str, dict[str, Any]]: ...
    def status(self, connector: int, status: str) -> tuple[str, dict[str, Any]]: ...
    def authorize(self, id_token: str) -> tuple[str, dict[str, Any]]: ...
    def token_status(self, answer: dict[str, Any]) -> str: ...
    def start(
        self, tx: SessionState, remote_start_id: int | None
    ) -> tuple[str, dict[str, Any]]: ...
    def started_id(self, tx: SessionState, answer: dict[str, Any]) -> str: ...
    def start_accepted(self, answer: dict[str, Any]) -> bool: ...
    def meter(self, tx: SessionState) -> tuple[str, dict[str, Any]]: ...
    def stop(self, tx: SessionState, reason: str) -> tuple[str, dict[str, Any]]: ...


class SessionState:
    """One simulated charging session."""

    __slots__ = (
        "accepted",
        "connector",
        "id_token",
        "meter_start_wh",
        "meter_wh",
        "nominal_w",
        "phases",
        "power_w",
        "seq",
        "tx_id",
    )

    def __init__(self, connector: int, id_token: str, meter_wh: int, power_w: int) -> None:
        self.connector = connector
        self.id_token = id_token
        self.meter_start_wh = meter_wh
        self.meter_wh = meter_wh
        self.power_w = power_w
        self.nominal_w = power_w  # what it would draw with no limit (flat sessions)
        self.phases = 3  # the phases the car draws on
        self.tx_id = ""
        self.seq = 0
        self.accepted = True  # whether the server accepted the id token at the start

    def next_seq(self) -> int:
        seq = self.seq
        self.seq += 1
        return seq


VOLTS = 230.0


def phase_currents(tx: SessionState) -> list[tuple[str, str]]:
    """The current on each phase the car draws on, as a meter reports it (0.1 A)."""
    amps = tx.power_w / (VOLTS * tx.phases) if tx.phases else 0.0
    return [(f"L{n}", f"{amps:.1f}") for n in range(1, tx.phases + 1)]


class V16:
    """OCPP 1.6 words. Meter values carry the energy register, and the power when `power`;
    every message is stamped by `clock`."""

    subprotocol = "ocpp1.6"
    charging_status = "Charging"

    def __init__(
        self, *, power: bool = True, clock: WallClock | None = None, currents: bool = False
    ) -> None:
        self.power = power
        self.currents = currents
        self._now = (clock or WallClock()).iso

    def boot(
        self, vendor: str, model: str, serial: str | None, firmware: str | None
    ) -> tuple[str, dict[str, Any]]:
        payload = {"chargePointVendor": vendor, "chargePointModel": model}
        if serial is not None:
            payload["chargePointSerialNumber"] = serial
        if firmware is not None:
            payload["firmwareVersion"] = firmware
        return "BootNotification", payload

    def status(self, connector: int, status: str) -> tuple[str, dict[str, Any]]:
        return "StatusNotification", {
            "connectorId": connector,
            "errorCode": "NoError",
            "status": status,
            "timestamp": self._now(),
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
            "timestamp": self._now(),
        }

    def started_id(self, tx: SessionState, answer: dict[str, Any]) -> str:
        return str(answer["transactionId"])

    def start_accepted(self, answer: dict[str, Any]) -> bool:
        return bool(answer.get("idTagInfo", {}).get("status") == "Accepted")

    def meter(self, tx: SessionState) -> tuple[str, dict[str, Any]]:
        sampled = [
            {
                "value": str(tx.meter_wh),
                "context": "Sample.Periodic",
                "measurand": "Energy.Active.Import.Register",
                "unit": "Wh",
            }
        ]
        if self.power:
            sampled.append(
                {
                    "value": str(tx.power_w),
                    "context": "Sample.Periodic",
                    "measurand": "Power.Active.Import",
                    "unit": "W",
                }
            )
        if self.currents:
            sampled.extend(
                {
                    "value": amps,
                    "context": "Sample.Periodic",
                    "measurand": "Current.Import",
                    "phase": phase,
                    "unit": "A",
                }
                for phase, amps in phase_currents(tx)
            )
        return "MeterValues", {
            "connectorId": tx.connector,
            "transactionId": int(tx.tx_id),
            "meterValue": [{"timestamp": self._now(), "sampledValue": sampled}],
        }

    def stop(self, tx: SessionState, reason: str) -> tuple[str, dict[str, Any]]:
        return "StopTransaction", {
            "transactionId": int(tx.tx_id),
            "idTag": tx.id_token,
            "meterStop": tx.meter_wh,
            "timestamp": self._now(),
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
    """OCPP 2.0.1 words. Meter values carry the energy register, and the power when `power`;
    every message is stamped by `clock`."""

    subprotocol = "ocpp2.0.1"
    charging_status = "Charging"

    def __init__(
        self, *, power: bool = True, clock: WallClock | None = None, currents: bool = False
    ) -> None:
        self.power = power
        self.currents = currents
        self._now = (clock or WallClock()).iso

    def boot(
        self, vendor: str, model: str, serial: str | None, firmware: str | None
    ) -> tuple[str, dict[str, Any]]:
        station: dict[str, str] = {"vendorName": vendor, "model": model}
        if serial is not None:
            station["serialNumber"] = serial
        if firmware is not None:
            station["firmwareVersion"] = firmware
        return "BootNotification", {"reason": "PowerUp", "chargingStation": station}

    def status(self, connector: int, status: str) -> tuple[str, dict[str, Any]]:
        return "StatusNotification", {
            "timestamp": self._now(),
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
        stamp = self._now()
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

    def start_accepted(self, answer: dict[str, Any]) -> bool:
        info = answer.get("idTokenInfo")
        return info is None or info.get("status") == "Accepted"

    def meter(self, tx: SessionState) -> tuple[str, dict[str, Any]]:
        payload = self._event(tx, "Updated", "MeterValuePeriodic", "Sample.Periodic", "Charging")
        sampled = payload["meterValue"][0]["sampledValue"]
        if self.power:
            sampled.append(
                {
                    "value": tx.power_w,
                    "measurand": "Power.Active.Import",
                    "context": "Sample.Periodic",
                    "unitOfMeasure": {"unit": "W"},
                }
            )
        if self.currents:
            sampled.extend(
                {
                    "value": float(amps),
                    "measurand": "Current.Import",
                    "phase": phase,
                    "context": "Sample.Periodic",
                    "unitOfMeasure": {"unit": "A"},
                }
                for phase, amps in phase_currents(tx)
            )
        return "TransactionEvent", payload

    def stop(self, tx: SessionState, reason: str) -> tuple[str, dict[str, Any]]:
        trigger = "RemoteStop" if reason == "Remote" else "StopAuthorized"
        payload = self._event(tx, "Ended", trigger, "Transaction.End", "Idle")
        payload["transactionInfo"]["stoppedReason"] = _V201_STOP.get(reason, "Local")
        return "TransactionEvent", payload


class V21(V201):
    """OCPP 2.1: the 2.0.1 words, on the 2.1 subprotocol."""

    subprotocol = "ocpp2.1"


DIALECTS: dict[str, type[V16] | type[V201]] = {"1.6": V16, "2.0.1": V201, "2.1": V21}
