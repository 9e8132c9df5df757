"""What one Steppe instance is made of, and `build`, which makes each part with what it needs.

Every part gets its collaborators through its constructor, here and nowhere else; nothing is
attached to a part after it is built. The order below is the order of need: storage, the live
connections (the domain's way to reach a station), the domain services, the protocol handlers,
the gateway, then what the HTTP side reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from steppe.api.auth import Authenticator, FailedAttempts
from steppe.api.context import ApiContext
from steppe.app.drivers import build_drivers
from steppe.app.metrics import MetricsEndpoint
from steppe.app.presence import RegistryPresence
from steppe.config import Settings
from steppe.domain.audit.service import AuditTrail
from steppe.domain.cdrs.pricing_queue import PricingQueue
from steppe.domain.cdrs.service import CdrService, MadeCdrsToAll
from steppe.domain.charging_profiles.restore import ProfileRestorer
from steppe.domain.charging_profiles.service import ChargingProfileService
from steppe.domain.commands.audit import AuditLog
from steppe.domain.commands.service import CommandRecorder, CommandService
from steppe.domain.customer_information.service import CustomerInformationService
from steppe.domain.data_transfer.service import DataTransferService, vendor_registry
from steppe.domain.device_model.service import DeviceModelService
from steppe.domain.display_messages.service import DisplayMessageService
from steppe.domain.events import EventBus
from steppe.domain.firmware.rollouts import RolloutService
from steppe.domain.firmware.service import FirmwareJobs
from steppe.domain.keys.service import KeyService
from steppe.domain.local_lists.service import LocalListService
from steppe.domain.local_lists.sync import LocalListSync
from steppe.domain.monitoring.service import MonitoringService
from steppe.domain.payments.costs import ChargerCosts
from steppe.domain.payments.settlements import Settlements
from steppe.domain.plug_and_charge.local import LocalContractCertificates
from steppe.domain.ports import Changes, Clock, CommandSender, NoOtherNodes, SystemClock
from steppe.domain.reports.service import NetworkReport
from steppe.domain.reservations.service import ReservationService
from steppe.domain.roaming.catalogue import Catalogue as RoamingCatalogue
from steppe.domain.roaming.models import Identity, PartnerLink
from steppe.domain.roaming.outbox import Outbox
from steppe.domain.roaming.partners import PartnerService
from steppe.domain.roaming.service import RoamingService
from steppe.domain.roaming.tokens import RoamingTokens
from steppe.domain.security.service import SecurityService
from steppe.domain.services import Services
from steppe.domain.smart_charging.manager import SiteLoadManager
from steppe.domain.smart_charging.readings import CurrentReadings
from steppe.domain.smart_charging.sites import SiteStore
from steppe.domain.station_notices.service import NoticeService
from steppe.domain.stations.connectors import ConnectorLayout
from steppe.domain.stations.hash_queue import QueueLimits
from steppe.domain.stations.registrations import RegistrationLimits
from steppe.domain.stations.service import StationService
from steppe.domain.tariffs.pricer import Pricer
from steppe.domain.tariffs.service import TariffService
from steppe.domain.tokens.service import TokenService
from steppe.domain.transactions.reconcile import OpenTransactionCheck
from steppe.domain.transactions.sequenced import TransactionEvents
from steppe.domain.transactions.service import TransactionService
from steppe.domain.users.service import SignInRules, UserService
from steppe.domain.vehicles.models import Catalogue
from steppe.domain.vehicles.service import VehicleGuide
from steppe.domain.webhooks.destinations import DestinationPolicy
from steppe.domain.webhooks.sender import WebhookSender
from steppe.domain.webhooks.service import WebhookService
from steppe.gateway.metrics import GatewayMetrics
from steppe.gateway.registry import ConnectionRegistry
from steppe.gateway.server import OcppServer
from steppe.gateway.tasks import TaskSet
from steppe.ocpi.client import HttpPartnerLink
from steppe.ocpi.commands import CommandRelay
from steppe.ocpi.context import OcpiContext
from steppe.ocpi.mapping import Party
from steppe.ocpi.objects import ObjectSource
from steppe.ocpi.worker import PushWorker
from steppe.ocpp.certificates import CertificateDelivery
from steppe.ocpp.codecs import command_encoders
from steppe.ocpp.dispatcher import VersionHandlers
from steppe.ocpp.v16.cost_messages import CostDisplay
from steppe.ocpp.v16.handlers import V16Handlers
from steppe.ocpp.v21.handlers import V21Handlers
from steppe.ocpp.v201.handlers import V201Handlers
from steppe.ocpp.validation import SchemaRegistry
from steppe.ocpp.versions import OcppVersion
from steppe.pki.files import load_authority, load_v2g_chain
from steppe.storage.db import Database
from steppe.storage.group_commit import GroupCommitter
from steppe.web.context import Presence, WebContext

if TYPE_CHECKING:  # cluster mode's modules import `nats`, loaded only when it is on
    from steppe.app.cluster import Cluster, Membership


@dataclass(frozen=True, slots=True)
class Steppe:
    """A built instance: what tests, the CLI and benchmarks start (`running`) and stop."""

    settings: Settings
    db: Database
    committer: GroupCommitter
    services: Services
    registry: ConnectionRegistry
    ocpp: OcppServer
    webhook_sender: WebhookSender
    api_context: ApiContext
    web_context: WebContext
    ports: Ports
    ocpi: Roaming
    cluster: Cluster | None = None  # set in cluster mode (STEPPE_CLUSTER_URL)

    @property
    def ocpp_port(self) -> int:
        return self.ports.ocpp

    @property
    def http_port(self) -> int:
        return self.ports.http

    @property
    def http_url(self) -> str:
        return f"http://{self.settings.host}:{self.http_port}"

    @property
    def ocpp_url(self) -> str:
        scheme = "wss" if self.ocpp.tls is not None else "ws"
        return f"{scheme}://{self.settings.host}:{self.ocpp_port}/ocpp"


@dataclass(frozen=True, slots=True)
class Roaming:
    """The OCPI side: the endpoints' context, the push worker, the command relay, the link."""

    context: OcpiContext
    worker: PushWorker
    relay: CommandRelay
    link: HttpPartnerLink


class Ports:
    """The ports an instance listens on, known once `running` has bound them (0 before)."""

    __slots__ = ("http", "ocpp")

    def __init__(self) -> None:
        self.ocpp = 0
        self.http = 0


def build(
    settings: Settings, *, clock: Clock | None = None, schemas: SchemaRegistry | None = None
) -> Steppe:
    """Make every part and wire it to the others; nothing runs yet."""
    clock = clock or SystemClock()
    schemas = schemas or SchemaRegistry()
    db = Database(settings.database_url, timeout=settings.database_timeout)
    committer = GroupCommitter(db, max_batch=settings.commit_max_batch)
    membership: Membership | None = None
    if settings.cluster_url is not None:
        from steppe.app.cluster import join

        membership = join(settings)
    bus = EventBus(relay=membership.events if membership is not None else None)
    # the live connections here: how the domain reaches a station (through the cluster's router
    # in cluster mode, which tells the others of each connection through the presence board)
    registry = ConnectionRegistry(membership.presence if membership is not None else None)
    cluster: Cluster | None = None
    connections: CommandSender = registry
    presence: Presence = RegistryPresence(registry)
    if membership is not None:
        from steppe.app.cluster import route

        cluster = route(membership, registry, db, settings)
        connections = presence = cluster.sender
    tasks = TaskSet()
    ports = Ports()
    identity = Identity(
        settings.ocpi_country_code,
        settings.ocpi_party_id,
        settings.operator_name,
        lambda: settings.public_url or f"http://{settings.host}:{ports.http}",
    )
    link = HttpPartnerLink(identity)
    services = build_services(
        settings,
        db,
        committer,
        bus,
        clock,
        connections,
        schemas,
        link=link,
        identity=identity,
        changes=membership.news if membership is not None else NoOtherNodes(),
    )
    certificates = CertificateDelivery(
        services.security, services.plug_and_charge, connections, tasks.spawn
    )
    handlers: dict[OcppVersion, VersionHandlers] = {
        OcppVersion.V16: V16Handlers(
            services,
            certificates,
            cost_display=CostDisplay(services, tasks.spawn)
            if settings.california_pricing
            else None,
        ),
        OcppVersion.V201: V201Handlers(services, certificates),
        OcppVersion.V21: V21Handlers(services, certificates),
    }
    known_actions = {action for version in handlers for action in schemas.actions(version)}
    gateway_metrics = GatewayMetrics(known_actions)
    ocpp = OcppServer(
        settings, services, handlers, schemas, registry, metrics=gateway_metrics, tasks=tasks
    )
    sender = WebhookSender(services.webhooks, bus, timeout=settings.webhook_timeout)
    metrics = MetricsEndpoint(gateway_metrics, registry, committer, services, sender)
    failures = FailedAttempts(settings.api_auth_failures, settings.api_auth_lockout_seconds)
    authenticator = Authenticator(settings.admin_token, services.keys, failures)
    api_context = ApiContext(settings, services, connections, metrics, authenticator)
    web_context = WebContext(settings, services, presence, api_context.readiness)
    relay = CommandRelay(services, connections)
    party = Party(settings.ocpi_country_code, settings.ocpi_party_id)
    roaming = Roaming(
        OcpiContext(services, connections, relay, identity, settings.call_timeout + 5),
        PushWorker(services, link, ObjectSource(services, party)),
        relay,
        link,
    )
    return Steppe(
        settings,
        db,
        committer,
        services,
        registry,
        ocpp,
        sender,
        api_context,
        web_context,
        ports,
        roaming,
        cluster,
    )


def build_services(
    settings: Settings,
    db: Database,
    committer: GroupCommitter,
    bus: EventBus,
    clock: Clock,
    connections: CommandSender,
    schemas: SchemaRegistry,
    *,
    link: PartnerLink,
    identity: Identity,
    changes: Changes,
) -> Services:
    """The domain services, each given the others it relies on; `changes` tells the other nodes
    of a cluster of what they keep in memory and must read again."""
    partners = PartnerService(db, clock, link, identity, changes=changes)
    outbox = Outbox(db, clock, partners)
    roaming_tokens = RoamingTokens(
        db, clock, link, partners, timeout=settings.ocpi_authorize_timeout
    )
    roaming = RoamingService(partners, roaming_tokens, outbox, RoamingCatalogue(db))
    tokens = TokenService(db, clock, foreign=roaming_tokens)
    stations = StationService(
        db,
        committer,
        bus,
        clock,
        accept_unknown=settings.accept_unknown_stations,
        heartbeat_interval=settings.heartbeat_interval,
        hash_cost=settings.password_hash_cost,
        hash_queue=QueueLimits(
            per_client=settings.auth_queued_checks_per_ip, total=settings.auth_queued_checks
        ),
        registrations=RegistrationLimits(
            per_minute=settings.registrations_per_minute,
            max_pending=settings.max_pending_stations,
        ),
        changes=outbox,
    )
    # Pricing runs on worker threads in two lanes, so that viewers' estimates never delay billing.
    tariffs = TariffService(db, clock, Pricer(budget=settings.pricing_budget), changes=outbox)
    charger_costs = ChargerCosts(db, committer, clock)
    cdrs = CdrService(
        db,
        committer,
        clock,
        tariffs,
        Pricer(budget=settings.pricing_budget),
        made=MadeCdrsToAll(outbox, charger_costs),
    )
    pricing = PricingQueue(db, committer, clock, cdrs)
    reservations = ReservationService(db, committer, bus, clock)
    readings = CurrentReadings()  # measured currents of managed sites, noted off the hot path
    transactions = TransactionService(
        db,
        committer,
        bus,
        clock,
        tokens,
        ended=pricing,
        costs=cdrs,
        reservations=reservations,
        roaming=outbox,
        readings=readings,
    )
    local_lists = LocalListService(db, clock, tokens)
    firmware_jobs = FirmwareJobs(db, committer, bus, clock)
    profiles = ChargingProfileService(db, committer, bus, clock)
    displays = DisplayMessageService(db, committer, clock)
    monitoring = MonitoringService(db, committer, clock)
    # The services that keep the state a command implies, by the commands they record.
    recorders: dict[str, CommandRecorder] = {}
    notices = NoticeService(db, committer, clock)
    for recorder in (
        reservations,
        local_lists,
        firmware_jobs,
        profiles,
        displays,
        monitoring,
        notices,
    ):
        recorders.update(dict.fromkeys(recorder.commands, recorder))
    audit = AuditLog(db, bus, clock)
    authority = None
    if settings.tls_ca_file is not None and settings.tls_ca_key_file is not None:
        authority = load_authority(settings.tls_ca_file, settings.tls_ca_key_file)
    commands = CommandService(
        audit,
        connections,
        command_encoders(schemas),
        stations,
        tokens,
        recorders=recorders,
        costs=transactions,
        tariffs=tariffs,
    )
    vehicles = VehicleGuide(Catalogue.load(), stations, tariffs, clock)
    v2g = None
    if settings.v2g_root_file and settings.v2g_ca_file and settings.v2g_ca_key_file:
        v2g = load_v2g_chain(settings.v2g_root_file, settings.v2g_ca_file, settings.v2g_ca_key_file)
    return Services(
        clock=clock,
        bus=bus,
        stations=stations,
        connectors=ConnectorLayout(db, clock, changes=outbox),
        tokens=tokens,
        tariffs=tariffs,
        transactions=transactions,
        transaction_events=TransactionEvents(
            committer, bus, clock, tokens, transactions, ended=pricing
        ),
        cdrs=cdrs,
        pricing=pricing,
        device_model=DeviceModelService(db, committer, clock),
        security=SecurityService(
            db,
            committer,
            bus,
            clock,
            stations,
            connections,
            audit,
            authority=authority,
            organization=settings.operator_name,
        ),
        commands=commands,
        keys=KeyService(db, clock),
        webhooks=WebhookService(
            db,
            clock,
            DestinationPolicy(settings.webhook_networks),
            max_attempts=settings.webhook_max_attempts,
            retry_delay=settings.webhook_retry_delay,
            changes=changes,
        ),
        reservations=reservations,
        local_lists=local_lists,
        local_list_sync=LocalListSync(
            local_lists,
            commands,
            connections,
            bus,
            chunk=settings.local_list_chunk,
            interval=settings.local_list_interval,
        ),
        firmware_jobs=firmware_jobs,
        rollouts=RolloutService(db, clock, bus, commands, tick=settings.rollout_tick),
        charging_profiles=profiles,
        profile_restorer=ProfileRestorer(profiles, commands, connections, bus),
        sites=SiteLoadManager(
            SiteStore(db, clock),
            commands,
            connections,
            transactions,
            profiles,
            readings,
            bus,
            clock,
            interval=settings.site_allocation_interval,
            threshold_a=Decimal(str(settings.site_limit_threshold_a)),
            changes=changes,
        ),
        display_messages=displays,
        monitoring=monitoring,
        customer_information=CustomerInformationService(db, committer, clock),
        data_transfers=DataTransferService(
            db, committer, bus, clock, vendors=vendor_registry(settings.data_transfer_vendors)
        ),
        plug_and_charge=LocalContractCertificates(
            db, committer, clock, v2g, organization=settings.operator_name
        ),
        open_transactions=OpenTransactionCheck(transactions, commands, connections, bus),
        users=UserService(db, clock, sign_in_rules(settings)),
        audit=AuditTrail(db, clock),
        reports=NetworkReport(db, clock),
        roaming=roaming,
        vehicles=vehicles,
        drivers=build_drivers(settings, db, clock, bus, connections, commands, vehicles),
        charger_costs=charger_costs,
        settlements=Settlements(db, committer, clock),
        notices=notices,
    )


def sign_in_rules(settings: Settings) -> SignInRules:
    """How staff sign in to the console: password hash cost, session lengths, lockouts."""
    return SignInRules(
        hash_cost=settings.user_password_hash_cost,
        idle_timeout=timedelta(seconds=settings.console_idle_timeout),
        max_age=timedelta(seconds=settings.console_session_max_age),
        lockout_failures=settings.console_lockout_failures,
        lockout=timedelta(seconds=settings.console_lockout_seconds),
    )
