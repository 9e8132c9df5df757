"""Version-neutral command parameters: one model per command name of the operator API.

Each OCPP version's `commands.py` turns a command into its own action and payload (or refuses it
as not available in that version) and reads the charger's status out of the answer.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from steppe.types import MAX_INT32, Moment, WireInt


class CommandParams(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ConnectorTarget(CommandParams):
    """`connector_id` is the charger's wire number (1.6); `evse_id` (+ `connector_id`) for 2.0.1."""

    connector_id: int | None = Field(None, ge=0, le=MAX_INT32)
    evse_id: int | None = Field(None, ge=0, le=MAX_INT32)


class RemoteStart(ConnectorTarget):
    id_token: str = Field(..., min_length=1, max_length=36)
    id_token_type: str | None = Field(
        None, description="2.0.1 IdTokenType; by default the stored token's type, else Central"
    )
    charging_profile: dict[str, Any] | None = None
    remote_start_id: WireInt | None = None


class RemoteStop(CommandParams):
    transaction_id: str = Field(..., min_length=1, max_length=36)


class Reset(CommandParams):
    type: Literal["soft", "hard"] = "soft"
    evse_id: WireInt | None = None


class UnlockConnector(ConnectorTarget):
    @model_validator(mode="after")
    def _needs_target(self) -> UnlockConnector:
        if self.connector_id is None and self.evse_id is None:
            raise ValueError("give connector_id (1.6) or evse_id and connector_id (2.0.1)")
        return self


class ChangeAvailability(ConnectorTarget):
    operative: bool


class TriggerMessage(ConnectorTarget):
    message: str = Field(..., examples=["BootNotification", "StatusNotification", "MeterValues"])


class GetConfiguration(CommandParams):
    keys: list[str] | None = None


class SetConfiguration(CommandParams):
    key: str = Field(..., max_length=50)
    value: str = Field(..., max_length=500)


class VariableRef(CommandParams):
    component: str
    variable: str
    attribute_type: str | None = None
    component_instance: str | None = None
    evse_id: WireInt | None = None
    variable_instance: str | None = None


class GetVariables(CommandParams):
    variables: list[VariableRef] = Field(..., min_length=1)


class VariableValue(VariableRef):
    value: str = Field(..., max_length=1000)


class SetVariables(CommandParams):
    variables: list[VariableValue] = Field(..., min_length=1)


class ClearCache(CommandParams):
    pass


class LocalListEntry(CommandParams):
    id_token: str = Field(..., min_length=1, max_length=36)
    id_token_type: str | None = Field(None, description="2.0.1 IdTokenType; default Central")
    status: str | None = Field(None, description="absent means: remove from the list")
    expires_at: Moment | None = None
    parent_id_token: str | None = None


class SendLocalList(CommandParams):
    version: WireInt
    update_type: Literal["Full", "Differential"] = "Full"
    entries: list[LocalListEntry] = Field(default_factory=list)


class GetLocalListVersion(CommandParams):
    pass


class ReserveNow(ConnectorTarget):
    id_token: str = Field(..., min_length=1, max_length=36)
    id_token_type: str | None = Field(
        None, description="2.0.1 IdTokenType; by default the stored token's type, else Central"
    )
    expires_at: Moment
    reservation_id: WireInt | None = Field(None, description="made up when not given")
    parent_id_token: str | None = Field(None, max_length=36)


class CancelReservation(CommandParams):
    reservation_id: WireInt


class SetChargingProfile(ConnectorTarget):
    profile: dict[str, Any] = Field(..., description="the version's own charging profile object")


class LimitPeriod(CommandParams):
    start_s: int = Field(..., ge=0, le=MAX_INT32, description="seconds after `starts_at`")
    limit_a: Decimal = Field(..., ge=0, le=10_000, decimal_places=1)


class SetChargingLimit(ConnectorTarget):
    """A current limit per phase as a charging profile, written by each version in its own
    shape, in amperes (`chargingRateUnit` A): one period from the start (kind Relative), or
    `periods` from `starts_at` (kind Absolute), each at most `limit_a`. What site load
    management sends as a TxProfile on a running transaction."""

    profile_id: WireInt = Field(..., ge=1)
    limit_a: Decimal = Field(..., ge=0, le=10_000, decimal_places=1)
    number_phases: int | None = Field(None, ge=1, le=3)
    purpose: Literal["TxProfile", "TxDefaultProfile", "ChargePointMaxProfile"] = "TxProfile"
    stack_level: int = Field(0, ge=0, le=MAX_INT32)
    transaction_id: str | None = Field(None, min_length=1, max_length=36)
    periods: list[LimitPeriod] | None = Field(None, min_length=1, max_length=48)
    starts_at: Moment | None = None

    @model_validator(mode="after")
    def _tx_profile_names_its_transaction(self) -> SetChargingLimit:
        if self.purpose == "TxProfile" and self.transaction_id is None:
            raise ValueError("a TxProfile names the transaction it limits (transaction_id)")
        if (self.periods is None) != (self.starts_at is None):
            raise ValueError("periods and starts_at come together")
        if self.periods is not None:
            if self.periods[0].start_s != 0:
                raise ValueError("periods: the first starts at 0")
            if any(p.limit_a > self.limit_a for p in self.periods):
                raise ValueError("periods: none above limit_a")
        return self

    @property
    def kind(self) -> str:
        return "Relative" if self.periods is None else "Absolute"

    def schedule_periods(self) -> list[dict[str, Any]]:
        """The `chargingSchedulePeriod` list, the same in both versions."""
        periods = self.periods or [LimitPeriod(start_s=0, limit_a=self.limit_a)]
        out = []
        for period in periods:
            item: dict[str, Any] = {"startPeriod": period.start_s, "limit": float(period.limit_a)}
            if self.number_phases is not None:
                item["numberPhases"] = self.number_phases
            out.append(item)
        return out


class ClearChargingProfile(ConnectorTarget):
    profile_id: WireInt | None = None
    purpose: str | None = None
    stack_level: WireInt | None = None


class GetCompositeSchedule(ConnectorTarget):
    duration: int = Field(..., gt=0, le=MAX_INT32)
    charging_rate_unit: Literal["A", "W"] | None = None


class UpdateFirmware(CommandParams):
    location: str = Field(..., max_length=512)
    retrieve_at: datetime
    retries: WireInt | None = None
    retry_interval: WireInt | None = None
    request_id: WireInt | None = None
    signing_certificate: str | None = None
    signature: str | None = None


class GetLog(CommandParams):
    location: str = Field(..., max_length=512)
    log_type: Literal["DiagnosticsLog", "SecurityLog"] = "DiagnosticsLog"
    start_time: Moment | None = None
    stop_time: Moment | None = None
    retries: WireInt | None = None
    retry_interval: WireInt | None = None
    request_id: WireInt | None = None


class GetBaseReport(CommandParams):
    report_base: Literal["ConfigurationInventory", "FullInventory", "SummaryInventory"] = (
        "FullInventory"
    )
    request_id: WireInt | None = None


class DataTransfer(CommandParams):
    vendor_id: str = Field(..., max_length=255)
    message_id: str | None = None
    data: Any = None


class ExtendedTriggerMessage(ConnectorTarget):
    """1.6 security extension: like trigger-message, with LogStatusNotification and
    SignChargePointCertificate too."""

    message: str = Field(..., examples=["SignChargePointCertificate", "LogStatusNotification"])


class GetReport(CommandParams):
    request_id: int | None = None
    component_criteria: list[Literal["Active", "Available", "Enabled", "Problem"]] | None = None
    component_variables: list[dict[str, Any]] | None = Field(
        None, description="2.0.1 ComponentVariableType objects"
    )


class SetNetworkProfile(CommandParams):
    configuration_slot: int = Field(..., ge=0)
    connection_data: dict[str, Any] = Field(
        ..., description="2.0.1 NetworkConnectionProfileType (ocppCsmsUrl, securityProfile, ...)"
    )


class GetTransactionStatus(CommandParams):
    transaction_id: str | None = Field(None, max_length=36)


class CostUpdated(CommandParams):
    transaction_id: str = Field(..., max_length=36)
    total_cost: Decimal | None = Field(
        None, description="incl. VAT; default: Steppe's running cost"
    )


class DisplayMessage(CommandParams):
    id: int | None = Field(None, ge=1, description="made up when not given")
    priority: Literal["AlwaysFront", "InFront", "NormalCycle"] = "NormalCycle"
    content: str = Field(..., min_length=1, max_length=512)
    format: Literal["ASCII", "HTML", "URI", "UTF8"] = "UTF8"
    language: str | None = Field(None, max_length=8)
    state: Literal["Charging", "Faulted", "Idle", "Unavailable"] | None = None
    starts_at: Moment | None = None
    ends_at: Moment | None = None
    transaction_id: str | None = Field(None, max_length=36)
    evse_id: int | None = Field(None, ge=0, description="the display of this EVSE")


class SetDisplayMessage(CommandParams):
    message: DisplayMessage


class GetDisplayMessages(CommandParams):
    request_id: int | None = None
    ids: list[int] | None = None
    priority: Literal["AlwaysFront", "InFront", "NormalCycle"] | None = None
    state: Literal["Charging", "Faulted", "Idle", "Unavailable"] | None = None


class ClearDisplayMessage(CommandParams):
    id: int = Field(..., ge=0)


class SetVariableMonitoring(CommandParams):
    monitors: list[dict[str, Any]] = Field(
        ..., min_length=1, description="2.0.1 SetMonitoringDataType objects"
    )


class SetMonitoringBase(CommandParams):
    base: Literal["All", "FactoryDefault", "HardWiredOnly"]


class SetMonitoringLevel(CommandParams):
    severity: int = Field(..., ge=0, le=9)


class ClearVariableMonitoring(CommandParams):
    ids: list[int] = Field(..., min_length=1)


class GetMonitoringReport(CommandParams):
    request_id: int | None = None
    criteria: (
        list[Literal["ThresholdMonitoring", "DeltaMonitoring", "PeriodicMonitoring"]] | None
    ) = None
    component_variables: list[dict[str, Any]] | None = None


class CustomerInformation(CommandParams):
    request_id: int | None = None
    report: bool = True
    clear: bool = False
    customer_identifier: str | None = Field(None, max_length=64)
    id_token: str | None = Field(None, max_length=36)
    id_token_type: str | None = None
    customer_certificate: dict[str, Any] | None = Field(None, description="CertificateHashDataType")


class PublishFirmware(CommandParams):
    location: str = Field(..., max_length=512)
    checksum: str = Field(..., max_length=32, description="MD5 of the firmware")
    request_id: int | None = None
    retries: int | None = None
    retry_interval: int | None = None


class UnpublishFirmware(CommandParams):
    checksum: str = Field(..., max_length=32)


class GetChargingProfiles(CommandParams):
    request_id: int | None = None
    evse_id: int | None = Field(None, ge=0)
    purpose: str | None = None
    stack_level: int | None = None
    profile_ids: list[int] | None = None
    sources: list[Literal["EMS", "Other", "SO", "CSO"]] | None = None


# -- OCPP 2.1 -------------------------------------------------------------------------------------

TARIFF_FILLED_IN = (
    "filled in by Steppe from tariff_id: the stored tariff (anything given is replaced)"
)


class SetDefaultTariff(CommandParams):
    tariff_id: str = Field(..., min_length=1, max_length=36)
    evse_id: int = Field(0, ge=0, le=MAX_INT32, description="0: every EVSE of the station")
    tariff: dict[str, Any] | None = Field(None, description=TARIFF_FILLED_IN)


class ChangeTransactionTariff(CommandParams):
    tariff_id: str = Field(..., min_length=1, max_length=36)
    transaction_id: str = Field(..., min_length=1, max_length=36)
    tariff: dict[str, Any] | None = Field(None, description=TARIFF_FILLED_IN)


class GetTariffs(CommandParams):
    evse_id: int = Field(0, ge=0, le=MAX_INT32, description="0: the whole station")


class ClearTariffs(CommandParams):
    tariff_ids: list[str] | None = Field(None, max_length=100, description="none: all of them")
    evse_id: int | None = Field(None, ge=0, le=MAX_INT32)


class AdjustPeriodicEventStream(CommandParams):
    stream_id: int = Field(..., ge=0, le=MAX_INT32)
    interval: int | None = Field(None, ge=0, le=MAX_INT32, description="seconds")
    values: int | None = Field(None, ge=0, le=MAX_INT32, description="values per message")


class GetPeriodicEventStreams(CommandParams):
    pass


class UpdateDynamicSchedule(CommandParams):
    charging_profile_id: int = Field(..., le=MAX_INT32)
    schedule_update: dict[str, Any] = Field(
        ..., description='OCPP 2.1 ChargingScheduleUpdateType, e.g. {"limit": 11000}'
    )


class UsePriorityCharging(CommandParams):
    transaction_id: str = Field(..., min_length=1, max_length=36)
    activate: bool = True


class SetDerControl(CommandParams):
    is_default: bool = False
    control_id: str = Field(..., min_length=1, max_length=36)
    control_type: str = Field(..., max_length=30, examples=["FreqDroop", "LimitMaxDischarge"])
    settings: dict[str, Any] = Field(
        default_factory=dict,
        description='the control\'s own OCPP 2.1 fields, e.g. {"limitMaxDischarge": {...}}',
    )


class GetDerControl(CommandParams):
    request_id: int | None = None
    is_default: bool | None = None
    control_type: str | None = Field(None, max_length=30)
    control_id: str | None = Field(None, max_length=36)


class ClearDerControl(CommandParams):
    is_default: bool = False
    control_type: str | None = Field(None, max_length=30)
    control_id: str | None = Field(None, max_length=36)


class RequestBatterySwap(CommandParams):
    id_token: str = Field(..., min_length=1, max_length=255)
    id_token_type: str | None = None
    request_id: int | None = None


class NotifyWebPaymentStarted(CommandParams):
    evse_id: int = Field(..., ge=0, le=MAX_INT32)
    timeout: int = Field(..., ge=0, le=MAX_INT32, description="seconds the station waits")


class AfrrSignal(CommandParams):
    timestamp: Moment
    signal: int = Field(..., ge=-MAX_INT32, le=MAX_INT32)


class NotifyAllowedEnergyTransfer(CommandParams):
    transaction_id: str = Field(..., min_length=1, max_length=36)
    allowed: list[str] = Field(..., min_length=1, examples=[["AC_BPT", "DC"]])


COMMANDS: dict[str, type[CommandParams]] = {
    "remote-start": RemoteStart,
    "remote-stop": RemoteStop,
    "reset": Reset,
    "unlock-connector": UnlockConnector,
    "change-availability": ChangeAvailability,
    "trigger-message": TriggerMessage,
    "get-configuration": GetConfiguration,
    "set-configuration": SetConfiguration,
    "get-variables": GetVariables,
    "set-variables": SetVariables,
    "clear-cache": ClearCache,
    "send-local-list": SendLocalList,
    "get-local-list-version": GetLocalListVersion,
    "reserve-now": ReserveNow,
    "cancel-reservation": CancelReservation,
    "set-charging-profile": SetChargingProfile,
    "set-charging-limit": SetChargingLimit,
    "clear-charging-profile": ClearChargingProfile,
    "get-composite-schedule": GetCompositeSchedule,
    "update-firmware": UpdateFirmware,
    "get-diagnostics": GetLog,
    "get-log": GetLog,
    "get-base-report": GetBaseReport,
    "data-transfer": DataTransfer,
    "extended-trigger-message": ExtendedTriggerMessage,
    "get-report": GetReport,
    "set-network-profile": SetNetworkProfile,
    "get-transaction-status": GetTransactionStatus,
    "cost-updated": CostUpdated,
    "set-display-message": SetDisplayMessage,
    "get-display-messages": GetDisplayMessages,
    "clear-display-message": ClearDisplayMessage,
    "set-variable-monitoring": SetVariableMonitoring,
    "set-monitoring-base": SetMonitoringBase,
    "set-monitoring-level": SetMonitoringLevel,
    "clear-variable-monitoring": ClearVariableMonitoring,
    "get-monitoring-report": GetMonitoringReport,
    "customer-information": CustomerInformation,
    "publish-firmware": PublishFirmware,
    "unpublish-firmware": UnpublishFirmware,
    "get-charging-profiles": GetChargingProfiles,
    "set-default-tariff": SetDefaultTariff,
    "change-transaction-tariff": ChangeTransactionTariff,
    "get-tariffs": GetTariffs,
    "clear-tariffs": ClearTariffs,
    "adjust-periodic-event-stream": AdjustPeriodicEventStream,
    "get-periodic-event-streams": GetPeriodicEventStreams,
    "update-dynamic-schedule": UpdateDynamicSchedule,
    "use-priority-charging": UsePriorityCharging,
    "set-der-control": SetDerControl,
    "get-der-control": GetDerControl,
    "clear-der-control": ClearDerControl,
    "request-battery-swap": RequestBatterySwap,
    "notify-web-payment-started": NotifyWebPaymentStarted,
    "afrr-signal": AfrrSignal,
    "notify-allowed-energy-transfer": NotifyAllowedEnergyTransfer,
}
# The commands only OCPP 2.1 has.
V21_COMMANDS = frozenset(
    {
        "set-default-tariff",
        "change-transaction-tariff",
        "get-tariffs",
        "clear-tariffs",
        "adjust-periodic-event-stream",
        "get-periodic-event-streams",
        "update-dynamic-schedule",
        "use-priority-charging",
        "set-der-control",
        "get-der-control",
        "clear-der-control",
        "request-battery-swap",
        "notify-web-payment-started",
        "afrr-signal",
        "notify-allowed-energy-transfer",
    }
)
