"""OCPP 2.1 calls for the operator API's commands: the 2.0.1 table, and 2.1's own commands."""

from __future__ import annotations

from steppe.ocpp.commands import Encoder
from steppe.ocpp.v201.commands import ENCODERS as V201_ENCODERS
from steppe.ocpp.v201.commands import V201Commands

ENCODERS: dict[str, Encoder] = {**V201_ENCODERS}


class V21Commands(V201Commands):
    """The 2.1 `CommandCodec`: a 2.0.1 command goes out as in 2.0.1."""

    version = "2.1"
    encoders = ENCODERS
    commands = frozenset(ENCODERS)
