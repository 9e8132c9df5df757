"""The OCPP versions Steppe speaks and their WebSocket subprotocol names."""

from __future__ import annotations

from enum import StrEnum


class OcppVersion(StrEnum):
    V16 = "1.6"
    V201 = "2.0.1"
    V21 = "2.1"

    @property
    def subprotocol(self) -> str:
        return f"ocpp{self.value}"

    @classmethod
    def from_subprotocol(cls, name: str) -> OcppVersion:
        """`ocpp1.6` -> V16; ValueError for anything else."""
        if not name.startswith("ocpp"):
            raise ValueError(f"not an OCPP subprotocol: {name!r}")
        return cls(name.removeprefix("ocpp"))


# Newest first: when a charger offers several, the first one here that it offers wins.
SUPPORTED_SUBPROTOCOLS: tuple[str, ...] = tuple(
    v.subprotocol for v in sorted(OcppVersion, key=lambda v: tuple(map(int, v.split("."))))[::-1]
)
