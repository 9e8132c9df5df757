"""How a simulated charger answers the server's calls: the way a well-behaved charger does. A
remote start queues a session with the id token it names; a remote stop ends the session it
names; configuration is kept in memory; what is not simulated is answered NotImplemented."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from steppe.simulator.charger import Charger

_ACCEPTED = frozenset(
    {
        "Reset",
        "ChangeAvailability",
        "ClearCache",
        "SendLocalList",
        "ReserveNow",
        "CancelReservation",
        "UpdateFirmware",
    }
)


def answer(charger: Charger, action: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The payload of the CALLRESULT; NotImplementedError for an action not simulated."""
    v16 = charger.profile.ocpp_version == "1.6"
    station_id = charger.profile.station_id
    if action in ("RemoteStartTransaction", "RequestStartTransaction"):
        return _remote_start(charger, action, payload)
    if action in ("RemoteStopTransaction", "RequestStopTransaction"):
        wanted = str(payload.get("transactionId"))
        for connector, tx in charger.sessions.items():
            if tx.tx_id == wanted and connector in charger.stop_requests:
                charger.stop_requests[connector].set()
                return {"status": "Accepted"}
        return {"status": "Rejected"}
    if action == "GetConfiguration":
        configuration = charger.configuration
        keys = payload.get("key") or list(configuration)
        return {
            "configurationKey": [
                {"key": k, "readonly": False, "value": configuration[k]}
                for k in keys
                if k in configuration
            ],
            "unknownKey": [k for k in keys if k not in configuration],
        }
    if action == "ChangeConfiguration":
        charger.configuration[payload["key"]] = payload["value"]
        return {"status": "Accepted"}
    if action == "GetVariables":
        return {
            "getVariableResult": [
                {
                    "attributeStatus": "UnknownVariable",
                    "component": item["component"],
                    "variable": item["variable"],
                }
                for item in payload["getVariableData"]
            ]
        }
    if action == "SetVariables":
        return {
            "setVariableResult": [
                {
                    "attributeStatus": "Accepted",
                    "component": item["component"],
                    "variable": item["variable"],
                }
                for item in payload["setVariableData"]
            ]
        }
    if action == "UnlockConnector":
        return {"status": "Unlocked"}
    if action == "GetLocalListVersion":
        return {"listVersion": 0} if v16 else {"versionNumber": 0}
    if action == "DataTransfer":
        return {"status": "UnknownVendorId"}
    if action == "TriggerMessage":
        return {"status": "Accepted"}
    if action == "GetCompositeSchedule":
        return {"status": "Rejected"}
    if action == "UpdateFirmware" and v16:
        return {}
    if action == "GetDiagnostics":
        return {"fileName": f"{station_id}-diagnostics.log"}
    if action == "GetLog":
        return {"status": "Accepted", "filename": f"{station_id}.log"}
    if action == "SetChargingProfile":
        return _set_limit(charger, payload)
    if action == "ClearChargingProfile":
        target = payload.get("connectorId")
        if target is None:
            target = (payload.get("chargingProfileCriteria") or {}).get("evseId")
        for key in [k for k in charger.limits_w if target is None or k == target]:
            del charger.limits_w[key]
        return {"status": "Accepted"}
    if action in _ACCEPTED:
        return {"status": "Accepted"}
    raise NotImplementedError(action)


def _remote_start(charger: Charger, action: str, payload: dict[str, Any]) -> dict[str, Any]:
    if action == "RemoteStartTransaction":
        token = str(payload["idTag"])
        connector = payload.get("connectorId")
        remote_id = None
    else:
        token = str(payload["idToken"]["idToken"])
        connector = payload.get("evseId")
        remote_id = int(payload["remoteStartId"])
    if connector is not None and connector in charger.sessions:
        return {"status": "Rejected"}
    if len(charger.sessions) >= charger.profile.connectors:
        return {"status": "Rejected"}
    profile = payload.get("chargingProfile")
    if connector is not None and isinstance(profile, dict):
        limit = _limit_w(profile.get("chargingSchedule"))
        if limit is not None:
            charger.limits_w[connector] = limit
    charger.remote_starts.put_nowait((token, connector, remote_id))
    return {"status": "Accepted"}


VOLTS = 230.0


def _limit_w(schedule: Any) -> float | None:
    """The limit in W of a charging schedule's first period (1.6: one schedule, 2.0.1: a list);
    amperes count per phase at 230 V, on three phases unless the period says otherwise."""
    if isinstance(schedule, list):
        schedule = schedule[0] if schedule else None
    if not isinstance(schedule, dict):
        return None
    periods = schedule.get("chargingSchedulePeriod") or []
    if not periods:
        return None
    first = min(periods, key=lambda period: period.get("startPeriod", 0))
    limit = float(first["limit"])
    if str(schedule.get("chargingRateUnit", "W")).upper() == "A":
        limit *= VOLTS * int(first.get("numberPhases") or 3)
    return limit


def _set_limit(charger: Charger, payload: dict[str, Any]) -> dict[str, Any]:
    """Keep the limit of a SetChargingProfile for its connector (0: the whole station)."""
    if "csChargingProfiles" in payload:
        target, profile = payload.get("connectorId", 0), payload["csChargingProfiles"]
    else:
        target, profile = payload.get("evseId", 0), payload.get("chargingProfile", {})
    limit = _limit_w(profile.get("chargingSchedule"))
    if limit is not None:
        charger.limits_w[int(target)] = limit
    return {"status": "Accepted"}
