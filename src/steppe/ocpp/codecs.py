"""Each version's command codec checked against the official schema before anything is sent.

A payload that breaks the schema is refused as InvalidInput, so the command service never sees
OCPP types; a command the version lacks raises CommandUnavailable from the codec itself.
"""

from __future__ import annotations

from typing import Any

from steppe.domain.commands.models import CommandParams
from steppe.domain.commands.service import CommandEncoder
from steppe.errors import InvalidInput
from steppe.ocpp.commands import CommandCodec
from steppe.ocpp.errors import OcppError
from steppe.ocpp.v16.commands import V16Commands
from steppe.ocpp.v21.commands import V21Commands
from steppe.ocpp.v201.commands import V201Commands
from steppe.ocpp.validation import SchemaRegistry
from steppe.ocpp.versions import OcppVersion


class CheckedCodec:
    def __init__(self, codec: CommandCodec, version: OcppVersion, schemas: SchemaRegistry) -> None:
        self._codec = codec
        self._version = version
        self._schemas = schemas

    def encode(self, command: str, params: CommandParams) -> tuple[str, dict[str, Any]]:
        call = self._codec.encode(command, params)
        try:
            self._schemas.validate_request(self._version, call.action, call.payload)
        except OcppError as exc:
            raise InvalidInput(f"the {call.action} payload breaks the OCPP schema: {exc}") from None
        return call.action, call.payload

    def status_of(self, command: str, response: dict[str, Any]) -> str:
        return self._codec.status_of(command, response)

    def follow_ups(self, command: str, params: CommandParams) -> frozenset[str]:
        return self._codec.follow_ups(command, params)


def command_encoders(schemas: SchemaRegistry) -> dict[str, CommandEncoder]:
    """The encoder of every OCPP version, keyed by its version string ("1.6", "2.0.1", "2.1")."""
    return {
        OcppVersion.V16.value: CheckedCodec(V16Commands(), OcppVersion.V16, schemas),
        OcppVersion.V201.value: CheckedCodec(V201Commands(), OcppVersion.V201, schemas),
        OcppVersion.V21.value: CheckedCodec(V21Commands(), OcppVersion.V21, schemas),
    }
