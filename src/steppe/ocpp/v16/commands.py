"""OCPP 1.6 calls for the operator API's commands, and the status in the charger's answer.

A 1.6 charger numbers its connectors across the station, so `connector_id` (or, given instead,
`evse_id`) is the wire `connectorId`.
"""

from __future__ import annotations

import json
from typing import Any

from steppe.domain.commands import models as m
from steppe.errors import CommandUnavailable
from steppe.ocpp.commands import Encoder, OutgoingCall, TableCodec
from steppe.ocpp.timestamps import format_timestamp

INSTEAD = {
    "get-variables": "get-configuration",
    "set-variables": "set-configuration",
    "get-base-report": "get-configuration",
    "get-report": "get-configuration",
    "get-charging-profiles": "get-composite-schedule",
    "set-display-message": "data-transfer (California Pricing texts)",
    "cost-updated": "data-transfer (California Pricing RunningCost)",
}


def _connector(p: m.ConnectorTarget, default: int | None = None) -> int | None:
    if p.connector_id is not None:
        return p.connector_id
    if p.evse_id is not None:
        return p.evse_id
    return default


def _drop_none(payload: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in payload.items() if value is not None}


def _remote_start(p: m.RemoteStart) -> OutgoingCall:
    payload = {
        "idTag": p.id_token,
        "connectorId": _connector(p),
        "chargingProfile": p.charging_profile,
    }
    return OutgoingCall("RemoteStartTransaction", _drop_none(payload))


def _remote_stop(p: m.RemoteStop) -> OutgoingCall:
    try:
        number = int(p.transaction_id)
    except ValueError:
        raise CommandUnavailable(
            f"transaction_id: a 1.6 transaction id is a number, got {p.transaction_id!r}"
        ) from None
    return OutgoingCall("RemoteStopTransaction", {"transactionId": number})


def _reset(p: m.Reset) -> OutgoingCall:
    return OutgoingCall("Reset", {"type": p.type.capitalize()})


def _unlock(p: m.UnlockConnector) -> OutgoingCall:
    return OutgoingCall("UnlockConnector", {"connectorId": _connector(p)})


def _availability(p: m.ChangeAvailability) -> OutgoingCall:
    kind = "Operative" if p.operative else "Inoperative"
    return OutgoingCall("ChangeAvailability", {"connectorId": _connector(p, 0), "type": kind})


def _trigger(p: m.TriggerMessage) -> OutgoingCall:
    payload = {"requestedMessage": p.message, "connectorId": _connector(p)}
    return OutgoingCall("TriggerMessage", _drop_none(payload))


def _get_configuration(p: m.GetConfiguration) -> OutgoingCall:
    return OutgoingCall("GetConfiguration", {} if p.keys is None else {"key": p.keys})


def _set_configuration(p: m.SetConfiguration) -> OutgoingCall:
    return OutgoingCall("ChangeConfiguration", {"key": p.key, "value": p.value})


def _clear_cache(_: m.ClearCache) -> OutgoingCall:
    return OutgoingCall("ClearCache", {})


def _local_list(p: m.SendLocalList) -> OutgoingCall:
    entries = []
    for entry in p.entries:
        item: dict[str, Any] = {"idTag": entry.id_token}
        if entry.status is not None:
            info: dict[str, Any] = {"status": entry.status}
            if entry.expires_at is not None:
                info["expiryDate"] = format_timestamp(entry.expires_at)
            if entry.parent_id_token is not None:
                info["parentIdTag"] = entry.parent_id_token
            item["idTagInfo"] = info
        entries.append(item)
    payload: dict[str, Any] = {"listVersion": p.version, "updateType": p.update_type}
    if entries:
        payload["localAuthorizationList"] = entries
    return OutgoingCall("SendLocalList", payload)


def _local_list_version(_: m.GetLocalListVersion) -> OutgoingCall:
    return OutgoingCall("GetLocalListVersion", {})


def _reserve(p: m.ReserveNow) -> OutgoingCall:
    payload = {
        "connectorId": _connector(p, 0),
        "expiryDate": format_timestamp(p.expires_at),
        "idTag": p.id_token,
        "parentIdTag": p.parent_id_token,
        "reservationId": p.reservation_id,
    }
    return OutgoingCall("ReserveNow", _drop_none(payload))


def _cancel_reservation(p: m.CancelReservation) -> OutgoingCall:
    return OutgoingCall("CancelReservation", {"reservationId": p.reservation_id})


def _set_profile(p: m.SetChargingProfile) -> OutgoingCall:
    payload = {"connectorId": _connector(p, 0), "csChargingProfiles": p.profile}
    return OutgoingCall("SetChargingProfile", payload)


def _set_limit(p: m.SetChargingLimit) -> OutgoingCall:
    profile: dict[str, Any] = {
        "chargingProfileId": p.profile_id,
        "stackLevel": p.stack_level,
        "chargingProfilePurpose": p.purpose,
        "chargingProfileKind": p.kind,
        "chargingSchedule": {
            "chargingRateUnit": "A",
            "chargingSchedulePeriod": p.schedule_periods(),
        },
    }
    if p.starts_at is not None:
        profile["chargingSchedule"]["startSchedule"] = format_timestamp(p.starts_at)
    if p.transaction_id is not None:
        try:
            profile["transactionId"] = int(p.transaction_id)
        except ValueError:
            raise CommandUnavailable(
                f"transaction_id: a 1.6 transaction id is a number, got {p.transaction_id!r}"
            ) from None
    default = 0 if p.purpose == "ChargePointMaxProfile" else None
    payload = {"connectorId": _connector(p, default), "csChargingProfiles": profile}
    return OutgoingCall("SetChargingProfile", payload)


def _clear_profile(p: m.ClearChargingProfile) -> OutgoingCall:
    payload = {
        "id": p.profile_id,
        "connectorId": _connector(p),
        "chargingProfilePurpose": p.purpose,
        "stackLevel": p.stack_level,
    }
    return OutgoingCall("ClearChargingProfile", _drop_none(payload))


def _composite(p: m.GetCompositeSchedule) -> OutgoingCall:
    payload = {
        "connectorId": _connector(p, 0),
        "duration": p.duration,
        "chargingRateUnit": p.charging_rate_unit,
    }
    return OutgoingCall("GetCompositeSchedule", _drop_none(payload))


def _firmware(p: m.UpdateFirmware) -> OutgoingCall:
    payload: dict[str, Any]
    if p.signing_certificate is None and p.signature is None:
        payload = {
            "location": p.location,
            "retrieveDate": format_timestamp(p.retrieve_at),
            "retries": p.retries,
            "retryInterval": p.retry_interval,
        }
        return OutgoingCall("UpdateFirmware", _drop_none(payload))
    firmware = {
        "location": p.location,
        "retrieveDateTime": format_timestamp(p.retrieve_at),
        "signingCertificate": p.signing_certificate,
        "signature": p.signature,
    }
    payload = {
        "requestId": p.request_id,
        "retries": p.retries,
        "retryInterval": p.retry_interval,
        "firmware": _drop_none(firmware),
    }
    return OutgoingCall("SignedUpdateFirmware", _drop_none(payload))


def _diagnostics(p: m.GetLog) -> OutgoingCall:
    if p.log_type != "DiagnosticsLog":
        return _log(p)
    payload = {
        "location": p.location,
        "retries": p.retries,
        "retryInterval": p.retry_interval,
        "startTime": format_timestamp(p.start_time) if p.start_time else None,
        "stopTime": format_timestamp(p.stop_time) if p.stop_time else None,
    }
    return OutgoingCall("GetDiagnostics", _drop_none(payload))


def _log(p: m.GetLog) -> OutgoingCall:
    log = {
        "remoteLocation": p.location,
        "oldestTimestamp": format_timestamp(p.start_time) if p.start_time else None,
        "latestTimestamp": format_timestamp(p.stop_time) if p.stop_time else None,
    }
    payload = {
        "logType": p.log_type,
        "requestId": p.request_id,
        "retries": p.retries,
        "retryInterval": p.retry_interval,
        "log": _drop_none(log),
    }
    return OutgoingCall("GetLog", _drop_none(payload))


def _data_transfer(p: m.DataTransfer) -> OutgoingCall:
    data = p.data if p.data is None or isinstance(p.data, str) else json.dumps(p.data)
    payload = {"vendorId": p.vendor_id, "messageId": p.message_id, "data": data}
    return OutgoingCall("DataTransfer", _drop_none(payload))


def _extended_trigger(p: m.ExtendedTriggerMessage) -> OutgoingCall:
    payload = {"requestedMessage": p.message, "connectorId": _connector(p)}
    return OutgoingCall("ExtendedTriggerMessage", _drop_none(payload))


ENCODERS: dict[str, Encoder] = {
    "remote-start": _remote_start,
    "remote-stop": _remote_stop,
    "reset": _reset,
    "unlock-connector": _unlock,
    "change-availability": _availability,
    "trigger-message": _trigger,
    "get-configuration": _get_configuration,
    "set-configuration": _set_configuration,
    "clear-cache": _clear_cache,
    "send-local-list": _local_list,
    "get-local-list-version": _local_list_version,
    "reserve-now": _reserve,
    "cancel-reservation": _cancel_reservation,
    "set-charging-profile": _set_profile,
    "set-charging-limit": _set_limit,
    "clear-charging-profile": _clear_profile,
    "get-composite-schedule": _composite,
    "update-firmware": _firmware,
    "get-diagnostics": _diagnostics,
    "get-log": _log,
    "data-transfer": _data_transfer,
    "extended-trigger-message": _extended_trigger,
}


FOLLOW = {
    "update-firmware": frozenset(
        {"FirmwareStatusNotification", "SignedFirmwareStatusNotification"}
    ),
    "get-diagnostics": frozenset({"DiagnosticsStatusNotification", "LogStatusNotification"}),
    "get-log": frozenset({"LogStatusNotification"}),
}


class V16Commands(TableCodec):
    """The 1.6 `CommandCodec`."""

    version = "1.6"
    encoders = ENCODERS
    instead = INSTEAD
    follow = FOLLOW
    commands = frozenset(ENCODERS)

    def status_of(self, command: str, response: dict[str, Any]) -> str:
        status = response.get("status")
        return status if isinstance(status, str) else "OK"
