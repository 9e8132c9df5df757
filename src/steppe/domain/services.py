"""The set of domain services one Steppe instance runs, handed to every boundary."""

from __future__ import annotations

from dataclasses import dataclass

from steppe.domain.events import EventBus
from steppe.domain.ports import Clock
from steppe.domain.stations.service import StationService
from steppe.domain.tokens.service import TokenService
from steppe.domain.transactions.service import TransactionService


@dataclass(frozen=True, slots=True)
class Services:
    stations: StationService
    tokens: TokenService
    transactions: TransactionService
    bus: EventBus
    clock: Clock
