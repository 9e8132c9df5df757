"""NotifyReport and NotifyEvent bodies into device model variables."""

from __future__ import annotations

from typing import Any

from steppe.domain.device_model.models import DeviceVariable


def _where(component: dict[str, Any], variable: dict[str, Any]) -> dict[str, Any]:
    evse = component.get("evse") or {}
    return {
        "component": component["name"],
        "component_instance": component.get("instance"),
        "evse_id": evse.get("id"),
        "connector_id": evse.get("connectorId"),
        "variable": variable["name"],
        "variable_instance": variable.get("instance"),
    }


def report_variables(report_data: list[dict[str, Any]]) -> list[DeviceVariable]:
    """One DeviceVariable per reported attribute (ReportDataType list)."""
    variables: list[DeviceVariable] = []
    for item in report_data:
        where = _where(item["component"], item["variable"])
        characteristics = item.get("variableCharacteristics") or {}
        for attribute in item["variableAttribute"]:
            variables.append(
                DeviceVariable(
                    **where,
                    attribute_type=attribute.get("type", "Actual"),
                    value=attribute.get("value"),
                    mutability=attribute.get("mutability", "ReadWrite"),
                    data_type=characteristics.get("dataType"),
                    unit=characteristics.get("unit"),
                )
            )
    return variables


def event_values(event_data: list[dict[str, Any]]) -> list[DeviceVariable]:
    """The Actual values a NotifyEvent reports (EventDataType list)."""
    return [
        DeviceVariable(**_where(event["component"], event["variable"]), value=event["actualValue"])
        for event in event_data
    ]
