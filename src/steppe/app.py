"""Composition root: settings -> database -> services -> OCPP gateway + HTTP API, one lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import socket
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta

import uvicorn

from steppe import operator_api
from steppe.api.app import create_api
from steppe.api.context import ApiContext
from steppe.config import Settings
from steppe.domain.cdrs.service import CdrService
from steppe.domain.device_model.service import DeviceModelService
from steppe.domain.events import EventBus
from steppe.domain.ports import Clock, SystemClock
from steppe.domain.security.service import SecurityService
from steppe.domain.services import Services
from steppe.domain.stations.service import StationService
from steppe.domain.tariffs.service import TariffService
from steppe.domain.tokens.service import TokenService
from steppe.domain.transactions.sequenced import TransactionEvents
from steppe.domain.transactions.service import TransactionService
from steppe.gateway.registry import ConnectionRegistry
from steppe.gateway.server import LISTEN_BACKLOG, OcppServer
from steppe.ocpp.dispatcher import VersionHandlers
from steppe.ocpp.v16.handlers import V16Handlers
from steppe.ocpp.v16.security import CertificateDelivery, Routable, V16Security
from steppe.ocpp.v201.handlers import V201Handlers
from steppe.ocpp.v201.security import V201Security
from steppe.ocpp.validation import SchemaRegistry
from steppe.ocpp.versions import OcppVersion
from steppe.pki.files import load_authority
from steppe.storage import migrator
from steppe.storage.db import Database
from steppe.storage.group_commit import GroupCommitter

log = logging.getLogger("steppe")
# Allocations (less frees) of container objects between two passes over the young generation.
GC_YOUNG_THRESHOLD = 20_000


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket (port 0 picks a free one)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(LISTEN_BACKLOG)
    sock.setblocking(False)
    return sock


class _EmbeddedUvicorn(uvicorn.Server):
    """Uvicorn inside Steppe's loop: Steppe, not uvicorn, owns the process signals."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@dataclass
class Steppe:
    """A running instance: what tests, the CLI and benchmarks start and stop."""

    settings: Settings
    db: Database
    committer: GroupCommitter
    services: Services
    registry: ConnectionRegistry
    ocpp: OcppServer
    api_context: ApiContext
    ocpp_port: int = 0
    http_port: int = 0

    @property
    def http_url(self) -> str:
        return f"http://{self.settings.host}:{self.http_port}"

    @property
    def ocpp_url(self) -> str:
        scheme = "wss" if self.ocpp.tls is not None else "ws"
        return f"{scheme}://{self.settings.host}:{self.ocpp_port}/ocpp"


def build(
    settings: Settings, *, clock: Clock | None = None, schemas: SchemaRegistry | None = None
) -> Steppe:
    """Wire every part together; nothing runs yet."""
    clock = clock or SystemClock()
    db = Database(settings.database_url, timeout=settings.database_timeout)
    committer = GroupCommitter(db, max_batch=settings.commit_max_batch)
    bus = EventBus()
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
    transactions = TransactionService(db, committer, bus, clock, tokens)
    tariffs = TariffService(db, clock)
    cdrs = CdrService(db, committer, clock, tariffs)
    transactions.on_ended = cdrs.transaction_ended
    transactions.running_cost = cdrs.running_cost
    services = Services(
        stations,
        tokens,
        transactions,
        bus,
        clock,
        tariffs=tariffs,
        cdrs=cdrs,
        device_model=DeviceModelService(db, committer, clock),
        transaction_events=TransactionEvents(committer, bus, clock, tokens, transactions),
    )
    schemas = schemas or SchemaRegistry()
    handlers: dict[OcppVersion, VersionHandlers] = {
        OcppVersion.V16: V16Handlers(services),
        OcppVersion.V201: V201Handlers(services),
    }
    registry = ConnectionRegistry()
    ocpp = OcppServer(settings, services, handlers, schemas, registry)
    api_context = ApiContext(settings=settings, services=services, commands=registry, db=db)
    api_context.extras["security"] = _security(settings, services, db, committer, handlers, ocpp)
    operator_api.install(settings, services, db, committer, ocpp, schemas, api_context)
    return Steppe(settings, db, committer, services, registry, ocpp, api_context)


def _security(
    settings: Settings,
    services: Services,
    db: Database,
    committer: GroupCommitter,
    handlers: dict[OcppVersion, VersionHandlers],
    ocpp: OcppServer,
) -> SecurityService:
    """The security service, and its OCPP messages added to each version's handlers."""
    authority = None
    if settings.tls_ca_file is not None and settings.tls_ca_key_file is not None:
        authority = load_authority(settings.tls_ca_file, settings.tls_ca_key_file)
    security = SecurityService(
        db,
        committer,
        services.bus,
        services.clock,
        services.stations,
        authority=authority,
        organization=settings.operator_name,
    )
    delivery = CertificateDelivery(security, ocpp.registry, ocpp.spawn)
    for version, version_handlers in handlers.items():
        if not isinstance(version_handlers, Routable):
            continue
        if version is OcppVersion.V16:
            V16Security(services, security, delivery).install(version_handlers)
        else:
            V201Security(security, delivery).install(version_handlers)
    return security


@asynccontextmanager
async def running(steppe: Steppe) -> AsyncIterator[Steppe]:
    """Migrate, listen on both ports, serve; on exit close sockets (1001) and finish commits."""
    settings = steppe.settings
    if settings.migrate_on_start:
        await migrator.upgrade(steppe.db.engine)
    ocpp_sock = bind(settings.host, settings.ocpp_port)
    plain_port = settings.ocpp_plain_port if steppe.ocpp.wants_plain_port else None
    plain_sock = bind(settings.host, plain_port) if plain_port is not None else None
    http_sock = bind(settings.host, settings.http_port)
    steppe.ocpp_port = ocpp_sock.getsockname()[1]
    steppe.http_port = http_sock.getsockname()[1]
    api = create_api(steppe.api_context)
    config = uvicorn.Config(
        api, log_config=None, access_log=False, lifespan="off", timeout_graceful_shutdown=3
    )
    http = _EmbeddedUvicorn(config)
    async with asyncio.TaskGroup() as group:
        committer_task = group.create_task(steppe.committer.run(), name="group-commit")
        webhook_task = group.create_task(operator_api.background(steppe.api_context), name="hooks")
        stale_task = group.create_task(_close_stale(steppe), name="stale-transactions")
        cdrs = steppe.services.cdrs
        pricing_task = (
            group.create_task(cdrs.pricing.run(), name="pricing") if cdrs is not None else None
        )
        await steppe.ocpp.start(ocpp_sock, plain_sock)
        http_task = group.create_task(http.serve(sockets=[http_sock]), name="http")
        while not http.started and not http_task.done():  # noqa: ASYNC110 - uvicorn has no event
            await asyncio.sleep(0.01)
        steppe.api_context.ready = True
        demo_task = group.create_task(_demo(steppe), name="demo") if settings.demo else None
        log.info(
            "Steppe listening: OCPP on ws://%s:%d/ocpp/{station_id}, HTTP on http://%s:%d",
            settings.host,
            steppe.ocpp_port,
            settings.host,
            steppe.http_port,
        )
        try:
            yield steppe
        finally:
            steppe.api_context.ready = False
            if demo_task is not None:
                demo_task.cancel()
            await steppe.ocpp.close()
            http.should_exit = True
            await http_task
            webhook_task.cancel()
            stale_task.cancel()
            if pricing_task is not None:  # what it has not priced stays queued for the next start
                pricing_task.cancel()
            committer_task.cancel()  # it commits what is still queued before it ends
    await steppe.db.close()


async def _demo(steppe: Steppe) -> None:
    """Simulated chargers against this server (`--demo`); a failure never stops the server."""
    from steppe.simulator import demo

    host = steppe.settings.host
    local = "127.0.0.1" if host in ("0.0.0.0", "") else ("::1" if host == "::" else host)
    url = f"ws://{local}:{steppe.ocpp_port}/ocpp"
    versions = {v.value for v in steppe.ocpp.dispatcher.versions}
    try:
        report = await demo.run(steppe.services, url, steppe.settings.demo_stations, versions)
    except Exception:
        log.exception("the demo chargers stopped")
        return
    log.info("demo finished: %s", report.summary())


async def _close_stale(steppe: Steppe) -> None:
    """Every `stale_check_interval`, close transactions silent for `stale_transaction_after`."""
    after = steppe.settings.stale_transaction_after
    if after <= 0:
        return
    while True:
        await asyncio.sleep(steppe.settings.stale_check_interval)
        try:
            closed = await steppe.services.transactions.close_stale(
                older_than=timedelta(seconds=after)
            )
        except Exception:  # the next round tries again; a database outage must not stop the server
            log.exception("closing stale transactions failed")
            continue
        if closed:
            log.warning("closed %d stale transactions: %s", len(closed), ", ".join(closed[:20]))


async def serve(settings: Settings) -> int:
    """Run until SIGTERM or SIGINT, then shut down cleanly."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with running(build(settings)):
        # What start-up made (modules, tables, compiled schemas) lives as long as the process:
        # leave it out of the collector's full passes, which would otherwise walk it each time
        # and pause every connection for tens of milliseconds.
        gc.freeze()
        # Each message makes a few dozen short-lived containers, nearly all freed by reference
        # counting at once. With the default threshold (700) the young generation was collected
        # every 20 or so messages; at GC_YOUNG_THRESHOLD most of them are gone before a pass.
        gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])
        await stop.wait()
        log.info("shutting down")
    return 0
