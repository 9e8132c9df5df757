"""OCPP 2.0.1 meter values into domain samples (base units: Wh, W, A, V, ...).

A 2.0.1 sampled value is a JSON number with `unitOfMeasure {unit, multiplier}`: the value in the
base unit is value x 10^multiplier, and kWh, kW, kvarh and kvar are scaled by 1000 more.
"""

from __future__ import annotations

import logging
from decimal import Decimal, InvalidOperation
from typing import Any

from steppe.domain.transactions.models import ENERGY_REGISTER, Sample, SignedValue
from steppe.ocpp.timestamps import parse_timestamp
from steppe.ocpp.v16.samples import ONE, SCALE

log = logging.getLogger("steppe.ocpp")


def to_sample(sampled: dict[str, Any], timestamp: Any) -> Sample | None:
    measurand = sampled.get("measurand", ENERGY_REGISTER)
    unit_of_measure = sampled.get("unitOfMeasure") or {}
    unit = unit_of_measure.get("unit", "Wh" if measurand.startswith("Energy") else "")
    try:
        value = Decimal(str(sampled["value"]))
    except InvalidOperation:
        log.info("skipping a non-numeric %s sample", measurand)
        return None
    if not value.is_finite():
        return None
    value = value.scaleb(int(unit_of_measure.get("multiplier", 0)))
    if unit in SCALE:
        unit, factor = SCALE[unit]
        value *= factor
    return Sample(
        timestamp=timestamp,
        measurand=measurand,
        value=value.quantize(ONE) if value == value.to_integral_value() else value.normalize(),
        unit=unit,
        phase=sampled.get("phase", ""),
        location=sampled.get("location", ""),
        context=sampled.get("context", ""),
    )


def to_samples(meter_values: list[dict[str, Any]]) -> list[Sample]:
    """Every finite sampled value of `meter_values` (MeterValueType list), in base units."""
    samples: list[Sample] = []
    for meter_value in meter_values:
        timestamp = parse_timestamp(meter_value["timestamp"])
        for sampled in meter_value["sampledValue"]:
            sample = to_sample(sampled, timestamp)
            if sample is not None:
                samples.append(sample)
    return samples


def to_signed(meter_values: list[dict[str, Any]]) -> list[SignedValue]:
    """Every `signedMeterValue`, as received (the sampled value's number is a Sample too)."""
    signed: list[SignedValue] = []
    for meter_value in meter_values:
        for sampled in meter_value["sampledValue"]:
            value = sampled.get("signedMeterValue")
            if value is None:
                continue
            signed.append(
                SignedValue(
                    timestamp=parse_timestamp(meter_value["timestamp"]),
                    format=value["encodingMethod"],
                    data=value["signedMeterData"],
                    measurand=sampled.get("measurand", ""),
                    context=sampled.get("context", ""),
                    signing_method=value["signingMethod"],
                    public_key=value.get("publicKey") or None,
                )
            )
    return signed
