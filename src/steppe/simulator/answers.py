"""How a simulated charger answers the server's calls: the way a well-behaved charger does. A
remote start queues a session with the id token it names; a remote stop ends the session it
names; configuration is kept in memory; what is not simulated is answered NotImplemented."""

from __future__ import annotations

from datetime import UTC, datetime
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
        return _composite(charger, payload)
    if action == "UpdateFirmware" and v16:
        return {}
    if action == "GetDiagnostics":
        return {"fileName": f"{station_id}-diagnostics.log"}
    if action == "GetLog":
        return {"status": "Accepted", "filename": f"{station_id}.log"}
    if action == "SetChargingProfile":
        return _set_limit(charger, payload)
    if action == "ClearChargingProfile":
        return _clear(charger, payload)
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
        charger.limits.set(int(connector), profile)
    charger.remote_starts.put_nowait((token, connector, remote_id))
    return {"status": "Accepted"}


def _set_limit(charger: Charger, payload: dict[str, Any]) -> dict[str, Any]:
    """Hold a SetChargingProfile's profile for its connector (0: the whole station) and apply
    it at once; Rejected when the charger takes no profiles or cannot read this one."""
    if "csChargingProfiles" in payload:
        target, profile = payload.get("connectorId", 0), payload["csChargingProfiles"]
    else:
        target, profile = payload.get("evseId", 0), payload.get("chargingProfile", {})
    if not charger.profile.accept_profiles or not charger.limits.set(int(target), profile):
        return {"status": "Rejected"}
    charger.apply_limits()
    return {"status": "Accepted"}


def _clear(charger: Charger, payload: dict[str, Any]) -> dict[str, Any]:
    if "chargingProfileCriteria" in payload or "chargingProfileId" in payload:
        criteria = payload.get("chargingProfileCriteria") or {}
        profile_id, target = payload.get("chargingProfileId"), criteria.get("evseId")
    else:
        criteria, profile_id, target = payload, payload.get("id"), payload.get("connectorId")
    dropped = charger.limits.clear(
        profile_id=profile_id,
        connector=target,
        purpose=criteria.get("chargingProfilePurpose"),
        stack_level=criteria.get("stackLevel"),
    )
    charger.apply_limits()
    return {"status": "Accepted" if dropped else "Unknown"}


def _composite(charger: Charger, payload: dict[str, Any]) -> dict[str, Any]:
    """The limit in force now as a one-period schedule (the car's phases, or the charger's)."""
    v16 = "connectorId" in payload
    target = int(payload.get("connectorId", payload.get("evseId", 0)))
    unit = str(payload.get("chargingRateUnit") or "A")
    tx = charger.sessions.get(target)
    phases = charger.phases_of(target)
    transaction = tx.tx_id if tx is not None else None
    if unit == "W":
        limit = charger.limits.limit_w(target, transaction, phases)
    else:
        limit = charger.limits.limit_a(target, transaction, phases)
    if limit is None:
        return {"status": "Rejected"}
    now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    period = {"startPeriod": 0, "limit": round(limit, 1), "numberPhases": phases}
    schedule = {
        "duration": int(payload["duration"]),
        "chargingRateUnit": unit,
        "chargingSchedulePeriod": [period],
    }
    if v16:
        return {
            "status": "Accepted",
            "connectorId": target,
            "scheduleStart": now,
            "chargingSchedule": schedule,
        }
    return {"status": "Accepted", "schedule": {"evseId": target, "scheduleStart": now, **schedule}}
