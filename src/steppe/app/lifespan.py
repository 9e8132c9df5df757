"""An instance's life: migrate, listen on both ports, run the background work, shut down
cleanly; `serve` runs one until SIGTERM or SIGINT."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import socket
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import uvicorn

from steppe.api.app import create_api
from steppe.app.background import (
    close_stale_transactions,
    expire_reservations,
    record_presence,
    run_demo,
)
from steppe.app.http_guard import AddressCounter, guarded_protocol
from steppe.app.parts import Steppe, build
from steppe.config import Settings
from steppe.domain.ports import Cached
from steppe.gateway.server import LISTEN_BACKLOG
from steppe.ocpi.server import create_ocpi_app
from steppe.storage import migrator
from steppe.storage.leadership import AdvisoryLease

log = logging.getLogger("steppe")
# Allocations (less frees) of container objects between two passes over the young generation.
GC_YOUNG_THRESHOLD = 20_000


def bind(host: str, port: int, *, shared: bool = False) -> socket.socket:
    """A listening TCP socket (port 0 picks a free one); `shared`: with SO_REUSEPORT, so that
    the workers of `steppe serve --workers N` listen on the same port and the kernel spreads
    new connections between them."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if shared:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(LISTEN_BACKLOG)
    sock.setblocking(False)
    return sock


def _forgetting(forget: Callable[[], None]) -> Callable[[], Coroutine[Any, Any, None]]:
    async def forgetting() -> None:
        forget()

    return forgetting


async def while_leading(
    lease: AdvisoryLease, jobs: Sequence[tuple[str, Callable[[], Coroutine[Any, Any, None]]]]
) -> None:
    """Run `jobs` whenever this node holds the lease; stop them when it may be lost, and wait
    to hold it again."""
    while True:
        async with lease.holding() as lost, asyncio.TaskGroup() as group:
            running = [group.create_task(job(), name=name) for name, job in jobs]
            await lost.wait()
            for task in running:
                task.cancel()


class _EmbeddedUvicorn(uvicorn.Server):
    """Uvicorn inside Steppe's loop: Steppe, not uvicorn, owns the process signals."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@asynccontextmanager
async def running(steppe: Steppe) -> AsyncIterator[Steppe]:
    """Migrate, listen on both ports, serve; on exit close sockets (1001) and finish commits."""
    settings = steppe.settings
    if settings.migrate_on_start:
        await migrator.upgrade(steppe.db.engine)
    cluster = steppe.cluster
    if cluster is not None:  # join before any station can connect, so each one is announced
        await cluster.membership.link.open()
    shared = settings.reuse_port
    ocpp_sock = bind(settings.host, settings.ocpp_port, shared=shared)
    plain_port = settings.ocpp_plain_port if steppe.ocpp.wants_plain_port else None
    plain_sock = bind(settings.host, plain_port, shared=shared) if plain_port is not None else None
    http_sock = bind(settings.host, settings.http_port, shared=shared)
    # Uvicorn writes a response's head and body separately; without this, Nagle's algorithm
    # holds a small body back until the client's delayed ACK (~40 ms on every page and answer).
    # Accepted connections inherit the option from the listening socket.
    http_sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    steppe.ports.ocpp = ocpp_sock.getsockname()[1]
    steppe.ports.http = http_sock.getsockname()[1]
    api = create_api(steppe.api_context, steppe.web_context)
    api.mount("/ocpi", create_ocpi_app(steppe.ocpi.context))
    protocol = guarded_protocol(
        header_timeout=settings.http_header_timeout,
        connections=AddressCounter(settings.http_max_connections_per_ip),
    )
    config = uvicorn.Config(
        api,
        http=protocol,
        ws="none",
        limit_concurrency=settings.http_max_concurrency,
        log_config=None,
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=3,
    )
    http = _EmbeddedUvicorn(config)
    async with asyncio.TaskGroup() as group:
        committer_task = group.create_task(steppe.committer.run(), name="group-commit")
        presence_task = group.create_task(record_presence(steppe), name="last-seen")
        services = steppe.services
        drivers = services.drivers
        # Work done once for the whole instance, or in a cluster once for the whole cluster: on
        # the node that holds the background lease, and on another as soon as that one dies.
        once: list[tuple[str, Callable[[], Coroutine[Any, Any, None]]]] = [
            ("stale-transactions", lambda: close_stale_transactions(steppe)),
            ("pricing", services.pricing.run),
            ("reservations", lambda: expire_reservations(steppe)),
            ("local-lists", services.local_list_sync.run),
            ("firmware-rollouts", services.rollouts.run),
            ("open-transactions", services.open_transactions.run),
            # in a cluster, the one allocator: it hears every node's events and reaches every
            # station through the command router
            ("profile-restorer", services.profile_restorer.run),
            ("site-load", services.sites.run),
        ]
        background: list[asyncio.Task[None]] = []
        cluster_tasks: list[asyncio.Task[None]] = []
        if cluster is None:
            background.append(group.create_task(steppe.webhook_sender.run(), name="webhooks"))
        else:
            # each node records the webhook deliveries of its own events; one sends them all
            background.append(
                group.create_task(steppe.webhook_sender.record(), name="webhook-record")
            )
            once.append(("webhook-send", steppe.webhook_sender.send))
            membership = cluster.membership
            cluster_tasks = [
                group.create_task(membership.presence.run(), name="cluster-presence"),
                group.create_task(cluster.sender.run(), name="cluster-router"),
                group.create_task(membership.events.run(services.bus), name="cluster-events"),
                group.create_task(
                    membership.news.run(
                        {
                            Cached.WEBHOOKS: _forgetting(services.webhooks.forget),
                            Cached.PARTNERS: services.roaming.partners.refresh,
                            Cached.SITES: services.sites.reload,
                        }
                    ),
                    name="cluster-news",
                ),
            ]
        await services.roaming.outbox.prepare()  # before chargers and partners come in
        background.append(group.create_task(steppe.ocpi.relay.run(), name="ocpi-commands"))
        # what is not pushed stays in the outbox for the next start; unsent mail stays queued,
        # receipts not queued yet stay due
        once += [
            ("ocpi-pushes", steppe.ocpi.worker.run),
            ("driver-mail", drivers.mail.run),
            ("driver-receipts", drivers.receipts.run),
        ]
        if cluster is None:
            background += [group.create_task(job(), name=name) for name, job in once]
        else:
            background.append(
                group.create_task(while_leading(cluster.lease, once), name="cluster-background")
            )
        await steppe.ocpp.start(ocpp_sock, plain_sock)
        http_task = group.create_task(http.serve(sockets=[http_sock]), name="http")
        while not http.started and not http_task.done():  # noqa: ASYNC110 - uvicorn has no event
            await asyncio.sleep(0.01)
        steppe.api_context.readiness.set(True)
        demo_task = group.create_task(run_demo(steppe), name="demo") if settings.demo else None
        log.info(
            "Steppe listening: OCPP on %s/{station_id}, HTTP on %s",
            steppe.ocpp_url,
            steppe.http_url,
        )
        if plain_sock is not None:
            log.info(
                "plain OCPP for security profile 1 on ws://%s:%d/ocpp/{station_id}",
                settings.host,
                plain_sock.getsockname()[1],
            )
        try:
            yield steppe
        finally:
            steppe.api_context.readiness.set(False)
            if demo_task is not None:
                demo_task.cancel()
            await steppe.ocpp.close()
            http.should_exit = True
            await http_task
            if cluster is not None:
                await cluster.membership.presence.leave()  # the others stop routing here now
            for task in cluster_tasks:
                task.cancel()
            presence_task.cancel()  # at most one interval of last_seen_at is not written
            # what pricing has not priced stays queued for the next start
            for task in background:
                task.cancel()
            committer_task.cancel()  # it commits what is still queued before it ends
    await steppe.ocpi.link.close()
    if cluster is not None:
        await cluster.membership.link.close()
    await steppe.db.close()


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
