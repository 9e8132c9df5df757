"""OCPP errors: one version-neutral kind per failure, spelled on the wire as each version names it.

    OcppError(kind, description, details)   -> a CALLERROR frame
        kind: ErrorKind                      -> wire_code(kind, version), e.g. FormationViolation

OCPP 1.6 and 2.0.1 differ in a few names (1.6 FormationViolation and the misspelt
OccurenceConstraintViolation; 2.0.1 FormatViolation, OccurrenceConstraintViolation and the
RpcFrameworkError / MessageTypeNotSupported codes 1.6 does not have).
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from steppe.errors import ProtocolError
from steppe.ocpp.versions import OcppVersion


class ErrorKind(Enum):
    NOT_IMPLEMENTED = "NotImplemented"
    NOT_SUPPORTED = "NotSupported"
    INTERNAL = "InternalError"
    PROTOCOL = "ProtocolError"
    SECURITY = "SecurityError"
    FORMAT = "FormatViolation"
    PROPERTY_CONSTRAINT = "PropertyConstraintViolation"
    OCCURRENCE_CONSTRAINT = "OccurrenceConstraintViolation"
    TYPE_CONSTRAINT = "TypeConstraintViolation"
    GENERIC = "GenericError"
    RPC_FRAMEWORK = "RpcFrameworkError"
    MESSAGE_TYPE_NOT_SUPPORTED = "MessageTypeNotSupported"


_V16_NAMES = {
    ErrorKind.FORMAT: "FormationViolation",
    ErrorKind.OCCURRENCE_CONSTRAINT: "OccurenceConstraintViolation",
    # 1.6 has no RPC-level codes: a frame it cannot read does not conform to the PDU structure.
    ErrorKind.RPC_FRAMEWORK: "FormationViolation",
    ErrorKind.MESSAGE_TYPE_NOT_SUPPORTED: "FormationViolation",
}

_WIRE = {
    OcppVersion.V16: {kind: _V16_NAMES.get(kind, kind.value) for kind in ErrorKind},
    OcppVersion.V201: {kind: kind.value for kind in ErrorKind},
    OcppVersion.V21: {kind: kind.value for kind in ErrorKind},
}


def wire_code(kind: ErrorKind, version: OcppVersion) -> str:
    """The error code `version` uses on the wire for `kind`."""
    return _WIRE[version][kind]


class OcppError(ProtocolError):
    """A failure to be answered with a CALLERROR."""

    def __init__(
        self, kind: ErrorKind, description: str = "", details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(f"{kind.value}: {description}" if description else kind.value)
        self.kind = kind
        self.description = description
        self.details = details or {}
