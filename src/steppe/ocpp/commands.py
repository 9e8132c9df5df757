"""How an OCPP version carries a version-neutral command: the action, the payload, the status.

Each version implements `CommandCodec` in `v16/commands.py` and `v201/commands.py`; the gateway
picks the codec of the station's live version.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from steppe.domain.commands.models import CommandParams
from steppe.errors import CommandUnavailable


@dataclass(frozen=True, slots=True)
class OutgoingCall:
    action: str
    payload: dict[str, Any]


class CommandCodec(Protocol):
    def encode(self, command: str, params: CommandParams) -> OutgoingCall:
        """The call for `command`; raises CommandUnavailable for commands this version lacks."""
        ...

    def status_of(self, command: str, response: dict[str, Any]) -> str:
        """The charger's status in its answer (e.g. "Accepted"), or "OK" for answers without one."""
        ...

    def follow_ups(self, command: str, params: CommandParams) -> frozenset[str]:
        """The actions the station may send because it accepted `command` (a triggered message,
        a requested report, progress notifications): allowed even while it is pending."""
        ...


Encoder = Callable[[Any], OutgoingCall]


# A triggered message and the action that brings it (certificate requests come as SignCertificate).
TRIGGERED_ACTIONS = {
    "SignChargePointCertificate": "SignCertificate",
    "SignChargingStationCertificate": "SignCertificate",
    "SignV2GCertificate": "SignCertificate",
    "SignCombinedCertificate": "SignCertificate",
}


class TableCodec:
    """A codec made of a table of encoders, one per command this version has; `instead` names
    the command to use for one this version lacks; `follow` the actions a command brings."""

    version: ClassVar[str]
    encoders: ClassVar[Mapping[str, Encoder]]
    instead: ClassVar[Mapping[str, str]]
    follow: ClassVar[Mapping[str, frozenset[str]]]

    def follow_ups(self, command: str, params: CommandParams) -> frozenset[str]:
        message = getattr(params, "message", None)
        if isinstance(message, str) and command.endswith("trigger-message"):
            return frozenset({TRIGGERED_ACTIONS.get(message, message)})
        return self.follow.get(command, frozenset())

    def encode(self, command: str, params: CommandParams) -> OutgoingCall:
        encoder = self.encoders.get(command)
        if encoder is None:
            instead = self.instead.get(command)
            hint = f"; use {instead}" if instead else ""
            raise CommandUnavailable(f"{command} does not exist in OCPP {self.version}{hint}")
        return encoder(params)
