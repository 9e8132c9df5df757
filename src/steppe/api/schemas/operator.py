"""Bodies of the operator API: command answers, audit, keys, webhooks, connectors."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from steppe.api.schemas.values import MAX_INT32
from steppe.domain.commands.service import AuditEntry
from steppe.domain.events import EventType
from steppe.domain.keys.service import ApiKey
from steppe.domain.stations.connectors import FORMATS, POWER_TYPES, ConnectorSpec, standard_name
from steppe.domain.stations.models import Connector
from steppe.domain.webhooks.destinations import without_credentials
from steppe.domain.webhooks.service import Delivery, Webhook
from steppe.errors import InvalidInput


class CommandAnswer(BaseModel):
    status: str = Field(description="the charger's status, e.g. Accepted; OK if it sends none")
    response: dict[str, Any] = Field(description="the charger's whole answer")
    action: str = Field(description="the OCPP action sent")
    audit_id: int


class AuditPage(BaseModel):
    items: list[AuditEntry]  # the domain's record, shown as it is
    next: int | None = Field(description="cursor: pass as `before` for the next page")


class KeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(..., min_length=1, max_length=100)
    role: Literal["admin", "operator", "viewer"]


class KeyRole(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Literal["admin", "operator", "viewer"]


class KeyOut(BaseModel):
    id: str
    name: str
    role: str
    created_by: str | None
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, key: ApiKey) -> KeyOut:
        return cls.model_validate(key, from_attributes=True)


class KeyCreated(KeyOut):
    key: str = Field(description="the key itself: shown this once, only its hash is stored")


class WebhookCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str = Field(..., max_length=2000, examples=["https://example.com/steppe-events"])
    secret: str = Field(..., min_length=16, max_length=200, description="HMAC-SHA256 key")
    types: list[EventType] | None = Field(None, description="event types to send; all when absent")


class WebhookOut(BaseModel):
    id: str
    url: str
    types: list[str] | None
    created_by: str | None
    created_at: datetime

    @classmethod
    def of(cls, hook: Webhook) -> WebhookOut:
        return cls(
            id=hook.id,
            url=without_credentials(hook.url),
            types=list(hook.types) if hook.types else None,
            created_by=hook.created_by,
            created_at=hook.created_at,
        )


class DeliveryOut(BaseModel):
    id: str
    event_type: str
    event_id: int
    status: str = Field(description="pending, delivered or failed")
    attempts: int
    last_status_code: int | None
    last_error: str | None
    next_attempt_at: datetime | None
    created_at: datetime
    delivered_at: datetime | None

    @classmethod
    def of(cls, delivery: Delivery) -> DeliveryOut:
        return cls.model_validate(delivery, from_attributes=True)


class ConnectorIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    evse_id: int = Field(..., ge=1, le=MAX_INT32)
    connector_id: int = Field(1, ge=1, le=MAX_INT32, description="the connector within its EVSE")
    standard: str = Field(..., examples=["GBT_DC", "CCS2", "Type 2", "CHADEMO"])
    format: Literal["socket", "cable", "SOCKET", "CABLE"]
    power_type: Literal["AC_1_PHASE", "AC_3_PHASE", "DC"] | None = None
    max_power_kw: Decimal = Field(..., gt=0, le=2000, decimal_places=3)

    @field_validator("standard")
    @classmethod
    def _standard(cls, value: str) -> str:
        try:
            return standard_name(value)
        except InvalidInput as exc:
            raise ValueError(str(exc).removeprefix("standard: ")) from None

    def spec(self) -> ConnectorSpec:
        fmt = self.format.upper()
        assert fmt in FORMATS and (self.power_type is None or self.power_type in POWER_TYPES)
        return ConnectorSpec(
            self.evse_id, self.connector_id, self.standard, fmt, self.power_type, self.max_power_kw
        )


class ConnectorsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    connectors: list[ConnectorIn] = Field(..., max_length=64)


class ConnectorDetail(BaseModel):
    evse_id: int
    connector_id: int
    standard: str | None
    format: str | None
    power_type: str | None
    max_power_kw: Decimal | None
    status: str | None
    error_code: str | None
    status_at: datetime | None

    @classmethod
    def of(cls, c: Connector) -> ConnectorDetail:
        return cls(
            evse_id=c.evse_id,
            connector_id=c.connector_id,
            standard=c.standard,
            format=c.format,
            power_type=c.power_type,
            max_power_kw=Decimal(c.max_power_kw) if c.max_power_kw is not None else None,
            status=c.status,
            error_code=c.error_code,
            status_at=c.status_at,
        )


class ConnectorsOut(BaseModel):
    station_id: str
    connectors: list[ConnectorDetail]
