"""Vehicle catalogue rows and a station's connectors as one of them sees them."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, Field

from steppe.domain.vehicles.models import Vehicle
from steppe.domain.vehicles.service import ConnectorAdvice, StationAdvice


class VehicleOut(BaseModel):
    id: str = Field(examples=["leapmotor-c10-cn-2024"])
    make: str
    model: str
    variant: str = Field(description="market the car was built for: CN, EU, KZ, RU, JP, US, GLOBAL")
    model_year: int
    trim: str
    powertrain: str = Field(description="BEV, PHEV or EREV")
    inlets: list[str] = Field(description="OCPI 2.2.1 ConnectorType names")
    adapters: list[str]
    battery_kwh: Decimal = Field(description="usable capacity")
    ac_phases: int
    ac_max_kw: Decimal
    dc_max_kw: Decimal | None
    dc_curve: list[tuple[int, Decimal]] = Field(description="[state of charge %, kW] points")
    source: str
    verified: bool = Field(description="false: at least one figure no named source confirms")

    @classmethod
    def of(cls, vehicle: Vehicle) -> VehicleOut:
        return cls(
            id=vehicle.id,
            make=vehicle.make,
            model=vehicle.model,
            variant=vehicle.variant.value,
            model_year=vehicle.model_year,
            trim=vehicle.trim,
            powertrain=vehicle.powertrain.value,
            inlets=list(vehicle.inlets),
            adapters=list(vehicle.adapters),
            battery_kwh=vehicle.battery_kwh,
            ac_phases=vehicle.ac_phases,
            ac_max_kw=vehicle.ac_max_kw,
            dc_max_kw=vehicle.dc_max_kw,
            dc_curve=[(soc, kw) for soc, kw in vehicle.dc_curve],
            source=vehicle.source,
            verified=vehicle.verified,
        )


class VehicleList(BaseModel):
    items: list[VehicleOut]


class Price(BaseModel):
    currency: str
    excl_vat: Decimal
    incl_vat: Decimal


class FittingConnector(BaseModel):
    evse_id: int
    connector_id: int
    standard: str
    power_type: str = Field(description="AC_1_PHASE, AC_3_PHASE or DC, as the car draws it")
    status: str | None
    max_kw: Decimal = Field(description="the most the car draws there")
    rated: bool = Field(description="false: the connector's power was not declared")
    via_adapter: bool
    minutes: Decimal = Field(description="minutes from start_soc to end_soc")
    energy_kwh: Decimal = Field(description="metered at the connector, losses included")
    tariff_id: str | None
    price: Price | None = Field(description="the tariff engine's estimate; null without a tariff")

    @classmethod
    def of(cls, advice: ConnectorAdvice) -> FittingConnector:
        fit, charge = advice.fit, advice.charge
        minutes = Decimal(str(charge.duration.total_seconds())) / 60
        return cls(
            evse_id=fit.connector.evse_id,
            connector_id=fit.connector.connector_id,
            standard=fit.standard,
            power_type=fit.power_type,
            status=fit.connector.status,
            max_kw=fit.max_kw,
            rated=fit.rated,
            via_adapter=fit.via_adapter,
            minutes=round(minutes, 1),
            energy_kwh=round(charge.energy_kwh, 3),
            tariff_id=advice.tariff_id,
            price=None
            if advice.cost is None
            else Price(
                currency=advice.cost.currency,
                excl_vat=advice.cost.excl_vat,
                incl_vat=advice.cost.incl_vat,
            ),
        )


class OtherConnector(BaseModel):
    evse_id: int
    connector_id: int
    standard: str | None
    status: str | None


class Compatibility(BaseModel):
    station_id: str
    vehicle_id: str
    start_soc: Decimal
    end_soc: Decimal
    usable: list[FittingConnector] = Field(description="the connectors the car can use")
    unusable: list[OtherConnector] = Field(description="the station's other connectors")

    @classmethod
    def of(cls, advice: StationAdvice, start_soc: Decimal, end_soc: Decimal) -> Compatibility:
        return cls(
            station_id=advice.station.id,
            vehicle_id=advice.vehicle.id,
            start_soc=start_soc,
            end_soc=end_soc,
            usable=[FittingConnector.of(item) for item in advice.usable],
            unusable=[
                OtherConnector(
                    evse_id=c.evse_id,
                    connector_id=c.connector_id,
                    standard=c.standard,
                    status=c.status,
                )
                for c in advice.unusable
            ],
        )
