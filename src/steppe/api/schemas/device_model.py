"""Device model bodies: the variables a station reported."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from steppe.domain.device_model.models import DeviceVariable


class DeviceVariableOut(BaseModel):
    component: str
    component_instance: str | None
    evse_id: int | None
    connector_id: int | None
    variable: str
    variable_instance: str | None
    attribute_type: str
    value: str | None
    mutability: str | None
    data_type: str | None
    unit: str | None
    updated_at: datetime | None

    @classmethod
    def of(cls, v: DeviceVariable) -> DeviceVariableOut:
        return cls(
            component=v.component,
            component_instance=v.component_instance,
            evse_id=v.evse_id,
            connector_id=v.connector_id,
            variable=v.variable,
            variable_instance=v.variable_instance,
            attribute_type=v.attribute_type,
            value=v.value,
            mutability=v.mutability,
            data_type=v.data_type,
            unit=v.unit,
            updated_at=v.updated_at,
        )


class DeviceModelPage(BaseModel):
    items: list[DeviceVariableOut]
    next: str | None
