"""What one Steppe instance is made of, and `build`, which makes each part with what it needs.

Every part gets its collaborators through its constructor, here and nowhere else; nothing is
attached to a part after it is built. The order below is the order of need: storage, the live
connections (the domain's way to reach a station), the domain services, the protocol handlers,
the gateway, then what the HTTP side reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from steppe.api.context import ApiContext
from steppe.app.drivers import build_drivers
from steppe.app.metrics import MetricsEndpoint
from steppe.app.presence import RegistryPresence
from steppe.config import Settings
from steppe.domain.audit.service import AuditTrail
from steppe.domain.cdrs.pricing_queue import PricingQueue
from steppe.domain.cdrs.service import CdrService
from steppe.domain.commands.service import CommandService
from steppe.domain.device_model.service import DeviceModelService
from steppe.domain.events import EventBus
from steppe.domain.keys.service import KeyService
from steppe.domain.ports import Clock, CommandSender, SystemClock
from steppe.domain.reports.service import NetworkReport
from steppe.domain.security.service import SecurityService
from steppe.domain.services import Services
from steppe.domain.stations.connectors import ConnectorLayout
from steppe.domain.stations.service import StationService
from steppe.domain.tariffs.service import TariffService
from steppe.domain.tokens.service import TokenService
from steppe.domain.transactions.sequenced import TransactionEvents
from steppe.domain.transactions.service import TransactionService
from steppe.domain.users.service import SignInRules, UserService
from steppe.domain.vehicles.models import Catalogue
from steppe.domain.vehicles.service import VehicleGuide
from steppe.domain.webhooks.sender import WebhookSender
from steppe.domain.webhooks.service import WebhookService
from steppe.gateway.metrics import GatewayMetrics
from steppe.gateway.registry import ConnectionRegistry
from steppe.gateway.server import OcppServer
from steppe.gateway.tasks import TaskSet
from steppe.ocpp.certificates import CertificateDelivery
from steppe.ocpp.codecs import command_encoders
from steppe.ocpp.dispatcher import VersionHandlers
from steppe.ocpp.v16.handlers import V16Handlers
from steppe.ocpp.v201.handlers import V201Handlers
from steppe.ocpp.validation import SchemaRegistry
from steppe.ocpp.versions import OcppVersion
from steppe.pki.files import load_authority
from steppe.storage.db import Database
from steppe.storage.group_commit import GroupCommitter
from steppe.web.context import WebContext


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
    bus = EventBus()
    registry = ConnectionRegistry()  # the live connections: how the domain reaches a station
    tasks = TaskSet()
    services = build_services(settings, db, committer, bus, clock, registry, schemas)
    certificates = CertificateDelivery(services.security, registry, tasks.spawn)
    handlers: dict[OcppVersion, VersionHandlers] = {
        OcppVersion.V16: V16Handlers(services, certificates),
        OcppVersion.V201: V201Handlers(services, certificates),
    }
    known_actions = {action for version in handlers for action in schemas.actions(version)}
    gateway_metrics = GatewayMetrics(known_actions)
    ocpp = OcppServer(
        settings, services, handlers, schemas, registry, metrics=gateway_metrics, tasks=tasks
    )
    sender = WebhookSender(services.webhooks, bus, timeout=settings.webhook_timeout)
    metrics = MetricsEndpoint(gateway_metrics, registry, committer, services, sender)
    api_context = ApiContext(settings, services, registry, metrics)
    web_context = WebContext(settings, services, RegistryPresence(registry), api_context.readiness)
    return Steppe(
        settings, db, committer, services, registry, ocpp, sender, api_context, web_context, Ports()
    )


def build_services(
    settings: Settings,
    db: Database,
    committer: GroupCommitter,
    bus: EventBus,
    clock: Clock,
    connections: CommandSender,
    schemas: SchemaRegistry,
) -> Services:
    """The domain services, each given the others it relies on."""
    tokens = TokenService(db, clock)
    stations = StationService(
        db,
        committer,
        bus,
        clock,
        accept_unknown=settings.accept_unknown_stations,
        heartbeat_interval=settings.heartbeat_interval,
        hash_cost=settings.password_hash_cost,
    )
    tariffs = TariffService(db, clock)
    cdrs = CdrService(db, committer, clock, tariffs)
    pricing = PricingQueue(db, committer, clock, cdrs)
    transactions = TransactionService(db, committer, bus, clock, tokens, ended=pricing, costs=cdrs)
    commands = CommandService(
        db, connections, command_encoders(schemas), stations, tokens, bus, clock
    )
    vehicles = VehicleGuide(Catalogue.load(), stations, tariffs, clock)
    authority = None
    if settings.tls_ca_file is not None and settings.tls_ca_key_file is not None:
        authority = load_authority(settings.tls_ca_file, settings.tls_ca_key_file)
    return Services(
        clock=clock,
        bus=bus,
        stations=stations,
        connectors=ConnectorLayout(db, clock),
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
            authority=authority,
            organization=settings.operator_name,
        ),
        commands=commands,
        keys=KeyService(db, clock),
        webhooks=WebhookService(
            db,
            clock,
            max_attempts=settings.webhook_max_attempts,
            retry_delay=settings.webhook_retry_delay,
        ),
        users=UserService(db, clock, sign_in_rules(settings)),
        audit=AuditTrail(db, clock),
        reports=NetworkReport(db, clock),
        vehicles=vehicles,
        drivers=build_drivers(settings, db, clock, bus, connections, commands, vehicles),
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
