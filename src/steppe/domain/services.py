"""The set of domain services one Steppe instance runs, handed to every boundary."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from steppe.domain.events import EventBus
from steppe.domain.ports import Clock
from steppe.domain.stations.service import StationService
from steppe.domain.tokens.service import TokenService
from steppe.domain.transactions.service import TransactionService

if TYPE_CHECKING:
    from steppe.domain.cdrs.service import CdrService
    from steppe.domain.device_model.service import DeviceModelService
    from steppe.domain.tariffs.service import TariffService
    from steppe.domain.transactions.sequenced import TransactionEvents


@dataclass(frozen=True, slots=True)
class Services:
    stations: StationService
    tokens: TokenService
    transactions: TransactionService
    bus: EventBus
    clock: Clock
    tariffs: TariffService | None = None
    cdrs: CdrService | None = None
    device_model: DeviceModelService | None = None
    transaction_events: TransactionEvents | None = None
