"""OCPP 2.1 calls for the operator API's commands: the 2.0.1 table (a 2.0.1 command goes out
as in 2.0.1) and 2.1's own commands: tariffs, periodic event streams, dynamic schedules,
priority charging, DER control, battery swaps and web payments."""

from __future__ import annotations

from typing import Any

from steppe.domain.commands import models as m
from steppe.domain.tariffs.models import Tariff
from steppe.errors import InvalidInput
from steppe.ocpp.commands import Encoder, OutgoingCall
from steppe.ocpp.timestamps import format_timestamp
from steppe.ocpp.v21.tariffs import to_ocpp
from steppe.ocpp.v201.commands import ENCODERS as V201_ENCODERS
from steppe.ocpp.v201.commands import FOLLOW as V201_FOLLOW
from steppe.ocpp.v201.commands import V201Commands, _drop_none, _token


def _tariff(params: m.SetDefaultTariff | m.ChangeTransactionTariff) -> dict[str, Any]:
    if params.tariff is None:
        raise InvalidInput(f"tariff {params.tariff_id!r} was not filled in")
    return to_ocpp(Tariff.from_dict(params.tariff))


def _set_default_tariff(p: m.SetDefaultTariff) -> OutgoingCall:
    return OutgoingCall("SetDefaultTariff", {"evseId": p.evse_id, "tariff": _tariff(p)})


def _change_tariff(p: m.ChangeTransactionTariff) -> OutgoingCall:
    payload = {"transactionId": p.transaction_id, "tariff": _tariff(p)}
    return OutgoingCall("ChangeTransactionTariff", payload)


def _get_tariffs(p: m.GetTariffs) -> OutgoingCall:
    return OutgoingCall("GetTariffs", {"evseId": p.evse_id})


def _clear_tariffs(p: m.ClearTariffs) -> OutgoingCall:
    return OutgoingCall(
        "ClearTariffs", _drop_none({"tariffIds": p.tariff_ids, "evseId": p.evse_id})
    )


def _adjust_stream(p: m.AdjustPeriodicEventStream) -> OutgoingCall:
    params = _drop_none({"interval": p.interval, "values": p.values})
    return OutgoingCall("AdjustPeriodicEventStream", {"id": p.stream_id, "params": params})


def _get_streams(p: m.GetPeriodicEventStreams) -> OutgoingCall:
    return OutgoingCall("GetPeriodicEventStream", {})


def _dynamic_schedule(p: m.UpdateDynamicSchedule) -> OutgoingCall:
    payload = {"chargingProfileId": p.charging_profile_id, "scheduleUpdate": p.schedule_update}
    return OutgoingCall("UpdateDynamicSchedule", payload)


def _priority(p: m.UsePriorityCharging) -> OutgoingCall:
    payload = {"transactionId": p.transaction_id, "activate": p.activate}
    return OutgoingCall("UsePriorityCharging", payload)


def _set_der(p: m.SetDerControl) -> OutgoingCall:
    payload = {
        **p.settings,
        "isDefault": p.is_default,
        "controlId": p.control_id,
        "controlType": p.control_type,
    }
    return OutgoingCall("SetDERControl", payload)


def _get_der(p: m.GetDerControl) -> OutgoingCall:
    payload = {
        "requestId": p.request_id,
        "isDefault": p.is_default,
        "controlType": p.control_type,
        "controlId": p.control_id,
    }
    return OutgoingCall("GetDERControl", _drop_none(payload))


def _clear_der(p: m.ClearDerControl) -> OutgoingCall:
    payload = {"isDefault": p.is_default, "controlType": p.control_type, "controlId": p.control_id}
    return OutgoingCall("ClearDERControl", _drop_none(payload))


def _battery_swap(p: m.RequestBatterySwap) -> OutgoingCall:
    payload = {"idToken": _token(p.id_token, p.id_token_type), "requestId": p.request_id}
    return OutgoingCall("RequestBatterySwap", payload)


def _web_payment(p: m.NotifyWebPaymentStarted) -> OutgoingCall:
    return OutgoingCall("NotifyWebPaymentStarted", {"evseId": p.evse_id, "timeout": p.timeout})


def _afrr(p: m.AfrrSignal) -> OutgoingCall:
    payload = {"timestamp": format_timestamp(p.timestamp), "signal": p.signal}
    return OutgoingCall("AFRRSignal", payload)


def _allowed_transfer(p: m.NotifyAllowedEnergyTransfer) -> OutgoingCall:
    payload = {"transactionId": p.transaction_id, "allowedEnergyTransfer": p.allowed}
    return OutgoingCall("NotifyAllowedEnergyTransfer", payload)


ENCODERS: dict[str, Encoder] = {
    **V201_ENCODERS,
    "set-default-tariff": _set_default_tariff,
    "change-transaction-tariff": _change_tariff,
    "get-tariffs": _get_tariffs,
    "clear-tariffs": _clear_tariffs,
    "adjust-periodic-event-stream": _adjust_stream,
    "get-periodic-event-streams": _get_streams,
    "update-dynamic-schedule": _dynamic_schedule,
    "use-priority-charging": _priority,
    "set-der-control": _set_der,
    "get-der-control": _get_der,
    "clear-der-control": _clear_der,
    "request-battery-swap": _battery_swap,
    "notify-web-payment-started": _web_payment,
    "afrr-signal": _afrr,
    "notify-allowed-energy-transfer": _allowed_transfer,
}
FOLLOW = {
    **V201_FOLLOW,
    "get-der-control": frozenset({"ReportDERControl"}),
    "request-battery-swap": frozenset({"BatterySwap"}),
}


class V21Commands(V201Commands):
    """The 2.1 `CommandCodec`."""

    version = "2.1"
    encoders = ENCODERS
    follow = FOLLOW
    commands = frozenset(ENCODERS)
