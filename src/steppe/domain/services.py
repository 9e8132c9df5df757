"""The set of domain services one Steppe instance runs, handed to every boundary.

The composition root (`steppe.app`) builds each one with what it needs; every field is always
there, so a boundary never has to ask whether a service exists.
"""

from __future__ import annotations

from dataclasses import dataclass

from steppe.domain.audit.service import AuditTrail
from steppe.domain.cdrs.pricing_queue import PricingQueue
from steppe.domain.cdrs.service import CdrService
from steppe.domain.charging_profiles.restore import ProfileRestorer
from steppe.domain.charging_profiles.service import ChargingProfileService
from steppe.domain.commands.service import CommandService
from steppe.domain.customer_information.service import CustomerInformationService
from steppe.domain.data_transfer.service import DataTransferService
from steppe.domain.device_model.service import DeviceModelService
from steppe.domain.display_messages.service import DisplayMessageService
from steppe.domain.drivers.service import DriverServices
from steppe.domain.events import EventBus
from steppe.domain.firmware.rollouts import RolloutService
from steppe.domain.firmware.service import FirmwareJobs
from steppe.domain.keys.service import KeyService
from steppe.domain.local_lists.service import LocalListService
from steppe.domain.local_lists.sync import LocalListSync
from steppe.domain.monitoring.service import MonitoringService
from steppe.domain.payments.costs import ChargerCosts
from steppe.domain.payments.settlements import Settlements
from steppe.domain.plug_and_charge.ports import ContractCertificates
from steppe.domain.ports import Clock
from steppe.domain.reports.service import NetworkReport
from steppe.domain.reservations.service import ReservationService
from steppe.domain.roaming.service import RoamingService
from steppe.domain.security.service import SecurityService
from steppe.domain.smart_charging.manager import SiteLoadManager
from steppe.domain.station_notices.service import NoticeService
from steppe.domain.stations.connectors import ConnectorLayout
from steppe.domain.stations.service import StationService
from steppe.domain.tariffs.service import TariffService
from steppe.domain.tokens.service import TokenService
from steppe.domain.transactions.reconcile import OpenTransactionCheck
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
    reservations: ReservationService
    local_lists: LocalListService
    local_list_sync: LocalListSync
    firmware_jobs: FirmwareJobs
    rollouts: RolloutService
    charging_profiles: ChargingProfileService
    profile_restorer: ProfileRestorer  # profiles sent again to a station that comes back
    sites: SiteLoadManager  # site load management: sites, allocation, limits sent
    display_messages: DisplayMessageService
    monitoring: MonitoringService
    customer_information: CustomerInformationService
    data_transfers: DataTransferService
    plug_and_charge: ContractCertificates
    open_transactions: OpenTransactionCheck
    users: UserService  # staff accounts of the console and their sessions
    audit: AuditTrail  # changes people make, beside the commands' own audit
    reports: NetworkReport  # network-wide figures and searches for the console
    roaming: RoamingService
    vehicles: VehicleGuide  # the vehicle catalogue and which connectors fit a car
    drivers: DriverServices  # drivers' accounts, charging from the phone, their mail
    charger_costs: ChargerCosts  # what 2.1 stations say a transaction cost, beside our CDR
    settlements: Settlements  # payments taken at 2.1 stations' terminals
    notices: NoticeService  # 2.1 messages kept without acting on them yet, event streams
