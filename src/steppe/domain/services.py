"""The set of domain services one Steppe instance runs, handed to every boundary.

The composition root (`steppe.app`) builds each one with what it needs; every field is always
there, so a boundary never has to ask whether a service exists.
"""

from __future__ import annotations

from dataclasses import dataclass

from steppe.domain.audit.service import AuditTrail
from steppe.domain.cdrs.pricing_queue import PricingQueue
from steppe.domain.cdrs.service import CdrService
from steppe.domain.commands.service import CommandService
from steppe.domain.device_model.service import DeviceModelService
from steppe.domain.drivers.service import DriverServices
from steppe.domain.events import EventBus
from steppe.domain.keys.service import KeyService
from steppe.domain.ports import Clock
from steppe.domain.reports.service import NetworkReport
from steppe.domain.security.service import SecurityService
from steppe.domain.stations.connectors import ConnectorLayout
from steppe.domain.stations.service import StationService
from steppe.domain.tariffs.service import TariffService
from steppe.domain.tokens.service import TokenService
from steppe.domain.transactions.sequenced import TransactionEvents
from steppe.domain.transactions.service import TransactionService
from steppe.domain.users.service import UserService
from steppe.domain.vehicles.service import VehicleGuide
from steppe.domain.webhooks.service import WebhookService


@dataclass(frozen=True, slots=True)
class Services:
    clock: Clock
    bus: EventBus
    stations: StationService
    connectors: ConnectorLayout
    tokens: TokenService
    tariffs: TariffService
    transactions: TransactionService
    transaction_events: TransactionEvents
    cdrs: CdrService
    pricing: PricingQueue
    device_model: DeviceModelService
    security: SecurityService
    commands: CommandService
    keys: KeyService
    webhooks: WebhookService
    users: UserService  # staff accounts of the console and their sessions
    audit: AuditTrail  # changes people make, beside the commands' own audit
    reports: NetworkReport  # network-wide figures and searches for the console
    vehicles: VehicleGuide  # the vehicle catalogue and which connectors fit a car
    drivers: DriverServices  # drivers' accounts, charging from the phone, their mail
