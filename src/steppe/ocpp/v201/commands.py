"""OCPP 2.0.1 calls for the operator API's commands, and the status in the charger's answer.

2.0.1 addresses an EVSE (`evse_id`) and a connector within it (`connector_id`); when only
`connector_id` is given it is taken as the EVSE, the way 1.6 numbers connectors.
"""

from __future__ import annotations

from typing import Any

from steppe.domain.commands import models as m
from steppe.errors import CommandUnavailable
from steppe.ocpp.commands import Encoder, OutgoingCall, TableCodec
from steppe.ocpp.timestamps import format_timestamp

INSTEAD = {
    "get-configuration": "get-variables",
    "set-configuration": "set-variables",
    "extended-trigger-message": "trigger-message",
}
DEFAULT_TOKEN_TYPE = "Central"  # noqa: S105 - an IdTokenType, not a secret


def _drop_none(payload: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in payload.items() if value is not None}


def _evse_id(p: m.ConnectorTarget) -> int | None:
    return p.evse_id if p.evse_id is not None else p.connector_id


def _evse(p: m.ConnectorTarget) -> dict[str, Any] | None:
    """The `evse` object: EVSE id, plus the connector within it when both are given."""
    if p.evse_id is None:
        return None if p.connector_id is None else {"id": p.connector_id}
    return _drop_none({"id": p.evse_id, "connectorId": p.connector_id})


def _token(value: str, kind: str | None = None) -> dict[str, Any]:
    return {"idToken": value, "type": kind or DEFAULT_TOKEN_TYPE}


def _require(value: int | None, what: str) -> int:
    if value is None:
        raise CommandUnavailable(f"{what}: OCPP 2.0.1 needs it for this command")
    return value


def _remote_start(p: m.RemoteStart) -> OutgoingCall:
    payload = {
        "idToken": _token(p.id_token, p.id_token_type),
        "remoteStartId": _require(p.remote_start_id, "remote_start_id"),
        "evseId": _evse_id(p),
        "chargingProfile": p.charging_profile,
    }
    return OutgoingCall("RequestStartTransaction", _drop_none(payload))


def _remote_stop(p: m.RemoteStop) -> OutgoingCall:
    return OutgoingCall("RequestStopTransaction", {"transactionId": p.transaction_id})


def _reset(p: m.Reset) -> OutgoingCall:
    kind = "Immediate" if p.type == "hard" else "OnIdle"
    return OutgoingCall("Reset", _drop_none({"type": kind, "evseId": p.evse_id}))


def _unlock(p: m.UnlockConnector) -> OutgoingCall:
    if p.evse_id is None:
        evse, connector = p.connector_id, 1
    else:
        evse, connector = p.evse_id, p.connector_id if p.connector_id is not None else 1
    return OutgoingCall("UnlockConnector", {"evseId": evse, "connectorId": connector})


def _availability(p: m.ChangeAvailability) -> OutgoingCall:
    status = "Operative" if p.operative else "Inoperative"
    return OutgoingCall(
        "ChangeAvailability", _drop_none({"operationalStatus": status, "evse": _evse(p)})
    )


def _trigger(p: m.TriggerMessage) -> OutgoingCall:
    return OutgoingCall(
        "TriggerMessage", _drop_none({"requestedMessage": p.message, "evse": _evse(p)})
    )


def _component(v: m.VariableRef) -> dict[str, Any]:
    component: dict[str, Any] = {"name": v.component}
    if v.component_instance is not None:
        component["instance"] = v.component_instance
    if v.evse_id is not None:
        component["evse"] = {"id": v.evse_id}
    return component


def _variable(v: m.VariableRef) -> dict[str, Any]:
    return _drop_none({"name": v.variable, "instance": v.variable_instance})


def _get_variables(p: m.GetVariables) -> OutgoingCall:
    data = [
        _drop_none(
            {
                "component": _component(v),
                "variable": _variable(v),
                "attributeType": v.attribute_type,
            }
        )
        for v in p.variables
    ]
    return OutgoingCall("GetVariables", {"getVariableData": data})


def _set_variables(p: m.SetVariables) -> OutgoingCall:
    data = [
        _drop_none(
            {
                "attributeValue": v.value,
                "component": _component(v),
                "variable": _variable(v),
                "attributeType": v.attribute_type,
            }
        )
        for v in p.variables
    ]
    return OutgoingCall("SetVariables", {"setVariableData": data})


def _clear_cache(_: m.ClearCache) -> OutgoingCall:
    return OutgoingCall("ClearCache", {})


def _local_list(p: m.SendLocalList) -> OutgoingCall:
    entries = []
    for entry in p.entries:
        item: dict[str, Any] = {"idToken": _token(entry.id_token, entry.id_token_type)}
        if entry.status is not None:
            info: dict[str, Any] = {"status": entry.status}
            if entry.expires_at is not None:
                info["cacheExpiryDateTime"] = format_timestamp(entry.expires_at)
            if entry.parent_id_token is not None:
                info["groupIdToken"] = _token(entry.parent_id_token)
            item["idTokenInfo"] = info
        entries.append(item)
    payload: dict[str, Any] = {"versionNumber": p.version, "updateType": p.update_type}
    if entries:
        payload["localAuthorizationList"] = entries
    return OutgoingCall("SendLocalList", payload)


def _local_list_version(_: m.GetLocalListVersion) -> OutgoingCall:
    return OutgoingCall("GetLocalListVersion", {})


def _reserve(p: m.ReserveNow) -> OutgoingCall:
    payload = {
        "id": _require(p.reservation_id, "reservation_id"),
        "expiryDateTime": format_timestamp(p.expires_at),
        "idToken": _token(p.id_token, p.id_token_type),
        "evseId": _evse_id(p),
        "groupIdToken": _token(p.parent_id_token) if p.parent_id_token else None,
    }
    return OutgoingCall("ReserveNow", _drop_none(payload))


def _cancel_reservation(p: m.CancelReservation) -> OutgoingCall:
    return OutgoingCall("CancelReservation", {"reservationId": p.reservation_id})


def _set_profile(p: m.SetChargingProfile) -> OutgoingCall:
    payload = {"evseId": _evse_id(p) or 0, "chargingProfile": p.profile}
    return OutgoingCall("SetChargingProfile", payload)


def _set_limit(p: m.SetChargingLimit) -> OutgoingCall:
    schedule: dict[str, Any] = {
        "id": p.profile_id,
        "chargingRateUnit": "A",
        "chargingSchedulePeriod": p.schedule_periods(),
    }
    if p.starts_at is not None:
        schedule["startSchedule"] = format_timestamp(p.starts_at)
    profile = {
        "id": p.profile_id,
        "stackLevel": p.stack_level,
        "chargingProfilePurpose": p.purpose,
        "chargingProfileKind": p.kind,
        "transactionId": p.transaction_id,
        "chargingSchedule": [schedule],
    }
    payload = {"evseId": _evse_id(p) or 0, "chargingProfile": _drop_none(profile)}
    return OutgoingCall("SetChargingProfile", payload)


def _clear_profile(p: m.ClearChargingProfile) -> OutgoingCall:
    criteria = _drop_none(
        {
            "evseId": _evse_id(p),
            "chargingProfilePurpose": p.purpose,
            "stackLevel": p.stack_level,
        }
    )
    payload = {"chargingProfileId": p.profile_id, "chargingProfileCriteria": criteria or None}
    return OutgoingCall("ClearChargingProfile", _drop_none(payload))


def _composite(p: m.GetCompositeSchedule) -> OutgoingCall:
    payload = {
        "duration": p.duration,
        "evseId": _evse_id(p) or 0,
        "chargingRateUnit": p.charging_rate_unit,
    }
    return OutgoingCall("GetCompositeSchedule", _drop_none(payload))


def _firmware(p: m.UpdateFirmware) -> OutgoingCall:
    firmware = {
        "location": p.location,
        "retrieveDateTime": format_timestamp(p.retrieve_at),
        "signingCertificate": p.signing_certificate,
        "signature": p.signature,
    }
    payload = {
        "requestId": _require(p.request_id, "request_id"),
        "retries": p.retries,
        "retryInterval": p.retry_interval,
        "firmware": _drop_none(firmware),
    }
    return OutgoingCall("UpdateFirmware", _drop_none(payload))


def _log(p: m.GetLog) -> OutgoingCall:
    log = {
        "remoteLocation": p.location,
        "oldestTimestamp": format_timestamp(p.start_time) if p.start_time else None,
        "latestTimestamp": format_timestamp(p.stop_time) if p.stop_time else None,
    }
    payload = {
        "logType": p.log_type,
        "requestId": _require(p.request_id, "request_id"),
        "retries": p.retries,
        "retryInterval": p.retry_interval,
        "log": _drop_none(log),
    }
    return OutgoingCall("GetLog", _drop_none(payload))


def _base_report(p: m.GetBaseReport) -> OutgoingCall:
    payload = {"requestId": _require(p.request_id, "request_id"), "reportBase": p.report_base}
    return OutgoingCall("GetBaseReport", payload)


def _data_transfer(p: m.DataTransfer) -> OutgoingCall:
    payload = {"vendorId": p.vendor_id, "messageId": p.message_id, "data": p.data}
    return OutgoingCall("DataTransfer", _drop_none(payload))


def _get_report(p: m.GetReport) -> OutgoingCall:
    payload = {
        "requestId": _require(p.request_id, "request_id"),
        "componentCriteria": p.component_criteria,
        "componentVariable": p.component_variables,
    }
    return OutgoingCall("GetReport", _drop_none(payload))


def _network_profile(p: m.SetNetworkProfile) -> OutgoingCall:
    payload = {"configurationSlot": p.configuration_slot, "connectionData": p.connection_data}
    return OutgoingCall("SetNetworkProfile", payload)


def _transaction_status(p: m.GetTransactionStatus) -> OutgoingCall:
    return OutgoingCall("GetTransactionStatus", _drop_none({"transactionId": p.transaction_id}))


def _cost_updated(p: m.CostUpdated) -> OutgoingCall:
    if p.total_cost is None:
        raise CommandUnavailable("total_cost: no running cost is known for this transaction")
    payload = {"totalCost": float(p.total_cost), "transactionId": p.transaction_id}
    return OutgoingCall("CostUpdated", payload)


def _display_message(p: m.SetDisplayMessage) -> OutgoingCall:
    msg = p.message
    content = _drop_none({"format": msg.format, "language": msg.language, "content": msg.content})
    display = (
        None
        if msg.evse_id is None
        else {"name": "DisplayMessageCtrlr", "evse": {"id": msg.evse_id}}
    )
    message = {
        "id": _require(msg.id, "message.id"),
        "priority": msg.priority,
        "state": msg.state,
        "startDateTime": format_timestamp(msg.starts_at) if msg.starts_at else None,
        "endDateTime": format_timestamp(msg.ends_at) if msg.ends_at else None,
        "transactionId": msg.transaction_id,
        "message": content,
        "display": display,
    }
    return OutgoingCall("SetDisplayMessage", {"message": _drop_none(message)})


def _get_display_messages(p: m.GetDisplayMessages) -> OutgoingCall:
    payload = {
        "requestId": _require(p.request_id, "request_id"),
        "id": p.ids,
        "priority": p.priority,
        "state": p.state,
    }
    return OutgoingCall("GetDisplayMessages", _drop_none(payload))


def _clear_display_message(p: m.ClearDisplayMessage) -> OutgoingCall:
    return OutgoingCall("ClearDisplayMessage", {"id": p.id})


def _set_monitoring(p: m.SetVariableMonitoring) -> OutgoingCall:
    return OutgoingCall("SetVariableMonitoring", {"setMonitoringData": p.monitors})


def _monitoring_base(p: m.SetMonitoringBase) -> OutgoingCall:
    return OutgoingCall("SetMonitoringBase", {"monitoringBase": p.base})


def _monitoring_level(p: m.SetMonitoringLevel) -> OutgoingCall:
    return OutgoingCall("SetMonitoringLevel", {"severity": p.severity})


def _clear_monitoring(p: m.ClearVariableMonitoring) -> OutgoingCall:
    return OutgoingCall("ClearVariableMonitoring", {"id": p.ids})


def _monitoring_report(p: m.GetMonitoringReport) -> OutgoingCall:
    payload = {
        "requestId": _require(p.request_id, "request_id"),
        "monitoringCriteria": p.criteria,
        "componentVariable": p.component_variables,
    }
    return OutgoingCall("GetMonitoringReport", _drop_none(payload))


def _customer_information(p: m.CustomerInformation) -> OutgoingCall:
    payload = {
        "requestId": _require(p.request_id, "request_id"),
        "report": p.report,
        "clear": p.clear,
        "customerIdentifier": p.customer_identifier,
        "idToken": _token(p.id_token, p.id_token_type) if p.id_token else None,
        "customerCertificate": p.customer_certificate,
    }
    return OutgoingCall("CustomerInformation", _drop_none(payload))


def _publish_firmware(p: m.PublishFirmware) -> OutgoingCall:
    payload = {
        "location": p.location,
        "checksum": p.checksum,
        "requestId": _require(p.request_id, "request_id"),
        "retries": p.retries,
        "retryInterval": p.retry_interval,
    }
    return OutgoingCall("PublishFirmware", _drop_none(payload))


def _unpublish_firmware(p: m.UnpublishFirmware) -> OutgoingCall:
    return OutgoingCall("UnpublishFirmware", {"checksum": p.checksum})


def _get_profiles(p: m.GetChargingProfiles) -> OutgoingCall:
    criteria = _drop_none(
        {
            "chargingProfilePurpose": p.purpose,
            "stackLevel": p.stack_level,
            "chargingProfileId": p.profile_ids,
            "chargingLimitSource": p.sources,
        }
    )
    payload = {
        "requestId": _require(p.request_id, "request_id"),
        "evseId": p.evse_id,
        "chargingProfile": criteria,
    }
    return OutgoingCall("GetChargingProfiles", _drop_none(payload))


ENCODERS: dict[str, Encoder] = {
    "remote-start": _remote_start,
    "remote-stop": _remote_stop,
    "reset": _reset,
    "unlock-connector": _unlock,
    "change-availability": _availability,
    "trigger-message": _trigger,
    "get-variables": _get_variables,
    "set-variables": _set_variables,
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
    "get-diagnostics": _log,
    "get-log": _log,
    "get-base-report": _base_report,
    "data-transfer": _data_transfer,
    "get-report": _get_report,
    "set-network-profile": _network_profile,
    "get-transaction-status": _transaction_status,
    "cost-updated": _cost_updated,
    "set-display-message": _display_message,
    "get-display-messages": _get_display_messages,
    "clear-display-message": _clear_display_message,
    "set-variable-monitoring": _set_monitoring,
    "set-monitoring-base": _monitoring_base,
    "set-monitoring-level": _monitoring_level,
    "clear-variable-monitoring": _clear_monitoring,
    "get-monitoring-report": _monitoring_report,
    "customer-information": _customer_information,
    "publish-firmware": _publish_firmware,
    "unpublish-firmware": _unpublish_firmware,
    "get-charging-profiles": _get_profiles,
}
LIST_RESULTS = {
    "GetVariables": "getVariableResult",
    "SetVariables": "setVariableResult",
    "SetVariableMonitoring": "setMonitoringResult",
    "ClearVariableMonitoring": "clearMonitoringResult",
}


FOLLOW = {
    "update-firmware": frozenset({"FirmwareStatusNotification"}),
    "get-diagnostics": frozenset({"LogStatusNotification"}),
    "get-log": frozenset({"LogStatusNotification"}),
    "get-base-report": frozenset({"NotifyReport"}),
    "get-report": frozenset({"NotifyReport"}),
    "get-monitoring-report": frozenset({"NotifyMonitoringReport"}),
    "customer-information": frozenset({"NotifyCustomerInformation"}),
    "get-display-messages": frozenset({"NotifyDisplayMessages"}),
    "get-charging-profiles": frozenset({"ReportChargingProfiles"}),
    "publish-firmware": frozenset({"PublishFirmwareStatusNotification"}),
}


class V201Commands(TableCodec):
    """The 2.0.1 `CommandCodec`."""

    version = "2.0.1"
    encoders = ENCODERS
    instead = INSTEAD
    follow = FOLLOW
    commands = frozenset(ENCODERS)

    def status_of(self, command: str, response: dict[str, Any]) -> str:
        status = response.get("status")
        if isinstance(status, str):
            return status
        for key in LIST_RESULTS.values():
            results = response.get(key)
            if isinstance(results, list) and results:
                statuses = {
                    r.get("attributeStatus", r.get("status"))
                    for r in results
                    if isinstance(r, dict)
                }
                only = statuses.pop() if len(statuses) == 1 else None
                return only if isinstance(only, str) else "Mixed"
        return "OK"
