"""`steppe serve --workers N`: N node processes on one machine, sharing the OCPP and HTTP ports.

Each worker is a whole `steppe serve` of its own (its own event loop, sockets and file limit),
one node of the cluster (`STEPPE_CLUSTER_URL`) with the node id `<node>-w<i>`; all of them
listen on the same ports with SO_REUSEPORT, and the kernel spreads new connections between
them. This process only migrates the database once, starts the workers, starts again one that
dies, and passes SIGTERM and SIGINT on to them.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys

from steppe.cluster.names import default_node_id
from steppe.config import Settings
from steppe.errors import ConfigurationError
from steppe.storage import migrator
from steppe.storage.db import Database

log = logging.getLogger("steppe")
RESTART_PAUSE = 1.0  # seconds before a worker that died is started again
STOP_GRACE = 30.0  # seconds the workers have to shut down cleanly before they are killed


def check(settings: Settings, workers: int) -> None:
    """Refuse what cannot work: workers need PostgreSQL, a cluster URL and fixed ports."""
    if settings.cluster_url is None:
        raise ConfigurationError(
            "--workers needs cluster mode: set STEPPE_CLUSTER_URL=nats://host:4222 (the "
            "workers are nodes of one cluster and route commands to each other over NATS)"
        )
    if settings.http_port == 0 or settings.ocpp_port == 0:
        raise ConfigurationError("--workers needs fixed ports (not 0) for the workers to share")
    if workers < 1:
        raise ConfigurationError("--workers takes a number of at least 1")


async def supervise(settings: Settings, workers: int, argv: list[str]) -> int:
    """Migrate, run `workers` worker processes until SIGTERM or SIGINT, then stop them."""
    check(settings, workers)
    if settings.migrate_on_start:
        db = Database(settings.database_url, timeout=settings.database_timeout)
        try:
            await migrator.upgrade(db.engine)
        finally:
            await db.close()
    base = settings.node_id or default_node_id()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with asyncio.TaskGroup() as group:
        for number in range(1, workers + 1):
            env = {
                **os.environ,
                "STEPPE_NODE_ID": f"{base}-w{number}",
                "STEPPE_REUSE_PORT": "true",
                "STEPPE_MIGRATE_ON_START": "false",  # done above, once
            }
            group.create_task(_keep_running(number, argv, env, stop))
    log.info("all workers stopped")
    return 0


async def _keep_running(
    number: int, argv: list[str], env: dict[str, str], stop: asyncio.Event
) -> None:
    while not stop.is_set():
        proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "steppe", *argv, env=env)
        log.info("worker %d started (pid %d)", number, proc.pid)
        ended = asyncio.ensure_future(proc.wait())
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait({ended, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if stop.is_set():
            stopping.cancel()
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    async with asyncio.timeout(STOP_GRACE):
                        await ended
                except TimeoutError:
                    proc.kill()
                    await ended
            return
        stopping.cancel()
        log.warning("worker %d ended with code %s; starting it again", number, proc.returncode)
        try:
            async with asyncio.timeout(RESTART_PAUSE):
                await stop.wait()
        except TimeoutError:
            pass
