"""Hypothesis strategies for OCPP-J frames: garbage, JSON of any shape, and near-valid calls.
Shared by the property tests and `bench/fuzz.py`."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

from steppe.ocpp.errors import ErrorKind, wire_code
from steppe.ocpp.versions import OcppVersion

ACTIONS = (
    "BootNotification",
    "Heartbeat",
    "StatusNotification",
    "Authorize",
    "StartTransaction",
    "MeterValues",
    "StopTransaction",
    "DataTransfer",
    "SecurityEventNotification",
    "SignCertificate",
    "TransactionEvent",
    "NotifyReport",
    "GetConfiguration",
)

# Every code a CALLERROR from Steppe may carry, per version.
WIRE_CODES = {version: {wire_code(kind, version) for kind in ErrorKind} for version in OcppVersion}

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=12), inner, max_size=5)
    ),
    max_leaves=20,
)
json_objects = st.dictionaries(
    st.sampled_from(
        [
            "connectorId",
            "status",
            "errorCode",
            "idTag",
            "timestamp",
            "chargePointVendor",
            "chargePointModel",
            "meterStart",
            "transactionId",
            "csr",
            "type",
            "vendorId",
            "data",
        ]
    )
    | st.text(max_size=12),
    json_values,
    max_size=6,
)
message_ids = st.text(min_size=0, max_size=40) | st.integers() | st.none()


def _dump(value: Any) -> str:
    return json.dumps(value)


near_valid = st.tuples(
    st.sampled_from([2, 3, 4]) | st.integers(-5, 10) | st.text(max_size=3),
    message_ids,
    st.sampled_from(ACTIONS) | st.text(max_size=30) | st.integers(),
    json_objects | json_values,
).map(lambda parts: _dump(list(parts)))

shorter_or_longer = st.lists(json_values, max_size=7).map(_dump)
any_json = json_values.map(_dump)
truncated = near_valid.flatmap(lambda text: st.integers(0, len(text)).map(lambda n: text[:n]))

frames: st.SearchStrategy[str | bytes] = st.one_of(
    near_valid,
    near_valid,
    shorter_or_longer,
    any_json,
    truncated,
    st.text(max_size=200),
    st.binary(max_size=200),
)
