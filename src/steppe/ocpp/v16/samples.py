"""OCPP 1.6 meter values into domain samples (base units: Wh, W, A, V)."""

from __future__ import annotations

import logging
from decimal import Decimal, InvalidOperation
from typing import Any

from steppe.domain.transactions.models import ENERGY_REGISTER, Sample, SignedValue
from steppe.ocpp.timestamps import parse_timestamp

log = logging.getLogger("steppe.ocpp")

# Units scaled to the base unit the domain stores.
ONE = Decimal(1)
SCALE = {"kWh": ("Wh", Decimal(1000)), "kW": ("W", Decimal(1000)), "kvarh": ("varh", Decimal(1000))}
SCALE["kvar"] = ("var", Decimal(1000))


def to_samples(meter_values: list[dict[str, Any]]) -> list[Sample]:
    """Every numeric sampled value; signed values are read by `to_signed`, other non-numeric
    values are skipped and logged."""
    samples: list[Sample] = []
    for meter_value in meter_values:
        timestamp = parse_timestamp(meter_value["timestamp"])
        for sampled in meter_value["sampledValue"]:
            measurand = sampled.get("measurand", ENERGY_REGISTER)
            unit = sampled.get("unit", "Wh" if measurand.startswith("Energy") else "")
            try:
                value = Decimal(sampled["value"])
            except InvalidOperation:
                if sampled.get("format") != "SignedData":
                    log.info("skipping a non-numeric %s sample", measurand)
                continue
            if not value.is_finite():
                continue
            if unit in SCALE:
                unit, factor = SCALE[unit]
                value *= factor
            samples.append(
                Sample(
                    timestamp=timestamp,
                    measurand=measurand,
                    value=value.quantize(ONE) if value == value.to_integral_value() else value,
                    unit=unit,
                    phase=sampled.get("phase", ""),
                    location=sampled.get("location", ""),
                    context=sampled.get("context", ""),
                )
            )
    return samples


SIGNED_DATA = "SignedData"
OCMF_PREFIX = "OCMF|"


def to_signed(meter_values: list[dict[str, Any]]) -> list[SignedValue]:
    """The `SignedData` sampled values (OCMF and other signed formats), as received."""
    signed: list[SignedValue] = []
    for meter_value in meter_values:
        timestamp = None
        for sampled in meter_value["sampledValue"]:
            if sampled.get("format") != SIGNED_DATA:
                continue
            timestamp = timestamp or parse_timestamp(meter_value["timestamp"])
            data = str(sampled["value"])
            signed.append(
                SignedValue(
                    timestamp=timestamp,
                    format="OCMF" if data.startswith(OCMF_PREFIX) else SIGNED_DATA,
                    data=data,
                    measurand=sampled.get("measurand", ""),
                    context=sampled.get("context", ""),
                )
            )
    return signed
