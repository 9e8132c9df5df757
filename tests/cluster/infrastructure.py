"""The cluster's surroundings for tests: a NATS server of the test's own (JetStream in a
temporary folder) and HAProxy with a generated configuration, each a child process on loopback."""

from __future__ import annotations

import asyncio
import shutil
import signal
import subprocess
from collections.abc import Sequence
from pathlib import Path

from tests.reliability.process import free_port

NATS_SERVER = shutil.which("nats-server") or (
    "/usr/sbin/nats-server" if Path("/usr/sbin/nats-server").exists() else None
)
HAPROXY = shutil.which("haproxy") or (
    "/usr/sbin/haproxy" if Path("/usr/sbin/haproxy").exists() else None
)


async def wait_for_port(port: int, timeout: float = 10) -> None:
    async with asyncio.timeout(timeout):
        while True:
            try:
                _reader, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                await asyncio.sleep(0.05)
                continue
            writer.close()
            await writer.wait_closed()
            return


class NatsServer:
    """`nats-server -js` on a free port, its JetStream store in `directory`."""

    def __init__(self, directory: Path) -> None:
        assert NATS_SERVER is not None
        self.directory = directory
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    async def start(self) -> None:
        assert NATS_SERVER is not None
        log = (self.directory / "nats.log").open("ab")
        self.proc = subprocess.Popen(
            [
                NATS_SERVER,
                "-js",
                "-a",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-sd",
                str(self.directory),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        await wait_for_port(self.port)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def haproxy_config(
    ocpp_port: int,
    http_port: int,
    ocpp_servers: Sequence[int],
    http_servers: Sequence[int],
    *,
    balance: str = "first",
) -> str:
    """The documented configuration (examples/cluster/haproxy.cfg) at test ports, with
    `balance first` by default so that every station lands on the first node that is up (the
    test knows which one), and health checks twice a second so that a killed node is out within
    a second."""
    ocpp = "\n".join(
        f"    server node{n} 127.0.0.1:{port} check inter 500ms fall 1 rise 1"
        for n, port in enumerate(ocpp_servers, 1)
    )
    http = "\n".join(
        f"    server node{n} 127.0.0.1:{port} check inter 500ms fall 1 rise 1"
        for n, port in enumerate(http_servers, 1)
    )
    return f"""global
    maxconn 2000

defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout tunnel 1h
    retries 3
    option redispatch

frontend ocpp
    bind 127.0.0.1:{ocpp_port}
    default_backend ocpp_nodes

backend ocpp_nodes
    balance {balance}
{ocpp}

frontend api
    bind 127.0.0.1:{http_port}
    default_backend api_nodes

backend api_nodes
    balance roundrobin
    option httpchk GET /health
{http}
"""


class HaProxy:
    """Debian's `haproxy` in the foreground on a generated configuration."""

    def __init__(
        self,
        directory: Path,
        ocpp_servers: Sequence[int],
        http_servers: Sequence[int],
        *,
        balance: str = "first",
    ) -> None:
        self.directory = directory
        self.ocpp_port = free_port()
        self.http_port = free_port()
        self.config = directory / "haproxy.cfg"
        self.config.write_text(
            haproxy_config(
                self.ocpp_port, self.http_port, ocpp_servers, http_servers, balance=balance
            )
        )
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def ocpp_url(self) -> str:
        return f"ws://127.0.0.1:{self.ocpp_port}/ocpp"

    async def start(self) -> None:
        assert HAPROXY is not None
        log = (self.directory / "haproxy.log").open("ab")
        self.proc = subprocess.Popen(
            [HAPROXY, "-db", "-f", str(self.config)], stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        await wait_for_port(self.ocpp_port)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
