"""One reported device model variable attribute (OCPP 2.0.1 part 1, the device model)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class DeviceVariable:
    """A component's variable, one attribute type of it (Actual, Target, MinSet, MaxSet)."""

    component: str
    variable: str
    attribute_type: str = "Actual"
    value: str | None = None
    component_instance: str | None = None
    evse_id: int | None = None
    connector_id: int | None = None
    variable_instance: str | None = None
    mutability: str | None = None
    data_type: str | None = None
    unit: str | None = None
    updated_at: datetime | None = None
    id: int = 0

    def as_row(self, station_id: str, updated_at: datetime) -> dict[str, Any]:
        return {
            "station_id": station_id,
            "component": self.component,
            "component_instance": self.component_instance or "",
            "evse_id": self.evse_id or 0,
            "connector_id": self.connector_id or 0,
            "variable": self.variable,
            "variable_instance": self.variable_instance or "",
            "attribute_type": self.attribute_type,
            "value": self.value,
            "mutability": self.mutability,
            "data_type": self.data_type,
            "unit": self.unit,
            "updated_at": updated_at,
        }

    @classmethod
    def from_row(cls, row: Any) -> DeviceVariable:
        return cls(
            id=int(row["id"]),
            component=row["component"],
            component_instance=row["component_instance"] or None,
            evse_id=row["evse_id"] or None,
            connector_id=row["connector_id"] or None,
            variable=row["variable"],
            variable_instance=row["variable_instance"] or None,
            attribute_type=row["attribute_type"],
            value=row["value"],
            mutability=row["mutability"],
            data_type=row["data_type"],
            unit=row["unit"],
            updated_at=row["updated_at"],
        )
