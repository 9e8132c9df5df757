"""Start and stop the servers under test as subprocesses on 127.0.0.1, and read their memory."""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-password-1"  # one password for every station: the verifier cache stays warm
ID_TAG = "BENCHTAG01"
POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
IMPORT_BATCH = 20000
# The whole simulated fleet comes from one loopback address and sends as fast as it is answered:
# lift the per-address and per-station limits meant for the open internet.
UNLIMITED = {
    "STEPPE_MAX_CONNECTIONS_PER_IP": "1000000",
    "STEPPE_MAX_MESSAGES_PER_SECOND": "1000000",
    "STEPPE_MESSAGE_BURST": "1000000",
}


class Unavailable(Exception):
    """A server or database the scenario needs cannot be had here."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    """A server process under test."""

    name: str
    proc: subprocess.Popen[bytes]
    ocpp_url: str
    log_path: Path
    http_url: str | None = None
    admin_token: str | None = None
    database_url: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def _processes(self) -> list[psutil.Process]:
        """The server's process and the processes it started (a writer process, say)."""
        main = psutil.Process(self.proc.pid)
        return [main, *main.children(recursive=True)]

    def rss_bytes(self) -> int:
        total = 0
        for process in self._processes():
            with suppress(psutil.Error):
                total += process.memory_info().rss
        return total

    def cpu_seconds(self) -> float:
        total = 0.0
        for process in self._processes():
            with suppress(psutil.Error):
                times = process.cpu_times()
                total += times.user + times.system
        return total

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self, timeout: float = 30.0) -> int | None:
        """SIGINT (a profiled server writes its profile then), SIGKILL if it lingers."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        return self.proc.returncode

    def kill(self) -> None:
        """SIGKILL: no shutdown and nothing flushed by the process, as a crash or the kernel's
        OOM killer would end it (the kernel's page cache survives, unlike in a power cut)."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


def _spawn(
    args: list[str], log_path: Path, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    with log_path.open("wb") as log:
        return subprocess.Popen(
            args,
            cwd=ROOT,
            env={**os.environ, **(env or {})},
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def _wait_tcp(server: Server, port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not server.alive():
            raise RuntimeError(f"{server.name} exited at start:\n{server.log_tail()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    server.stop()
    raise TimeoutError(f"{server.name} did not listen on {port} within {timeout:.0f} s")


def start_peer(name: str, workdir: Path) -> Server:
    """Start `bench.peers.<name>` (baseline or bare) on a free port."""
    port = free_port()
    log_path = workdir / f"{name}.log"
    proc = _spawn([sys.executable, "-m", f"bench.peers.{name}", "--port", str(port)], log_path)
    server = Server(name, proc, f"ws://127.0.0.1:{port}/ocpp", log_path)
    _wait_tcp(server, port, 30)
    return server


def start_steppe(
    name: str,
    database_url: str,
    workdir: Path,
    *,
    profile_to: Path | None = None,
    source: Path | None = None,
) -> Server:
    """Start `python -m steppe serve` on free ports and wait for /health; `source` is another
    checkout's `src` directory to run instead of the installed one."""
    http_port, ocpp_port = free_port(), free_port()
    token = secrets.token_urlsafe(24)
    serve = [
        "-m",
        "steppe",
        "serve",
        "--host",
        "127.0.0.1",
        "--http-port",
        str(http_port),
        "--ocpp-port",
        str(ocpp_port),
        "--database-url",
        database_url,
        "--log-level",
        "WARNING",
    ]
    prefix = [sys.executable]
    if profile_to is not None:
        prefix += ["-m", "cProfile", "-o", str(profile_to)]
    log_path = workdir / f"{name}.log"
    env = {**UNLIMITED, "STEPPE_ADMIN_TOKEN": token}
    if source is not None:
        env["PYTHONPATH"] = str(source.resolve())
    proc = _spawn(prefix + serve, log_path, env)
    server = Server(
        name,
        proc,
        f"ws://127.0.0.1:{ocpp_port}/ocpp",
        log_path,
        http_url=f"http://127.0.0.1:{http_port}",
        admin_token=token,
        database_url=database_url,
    )
    deadline = time.monotonic() + 60
    with httpx.Client(timeout=2) as client:
        while time.monotonic() < deadline:
            if not server.alive():
                raise RuntimeError(f"{name} exited at start:\n{server.log_tail()}")
            try:
                if client.get(f"{server.http_url}/health").status_code == 200:
                    return server
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
    server.stop()
    raise TimeoutError(f"{name} did not become healthy within 60 s:\n{server.log_tail()}")


def register(server: Server, station_ids: list[str], id_tag: str = ID_TAG) -> None:
    """Register stations (one shared password) and an accepted id token through the API."""
    if server.http_url is None:  # peers accept anyone
        return
    headers = {"Authorization": f"Bearer {server.admin_token}"}
    with httpx.Client(base_url=server.http_url, headers=headers, timeout=300) as client:
        for i in range(0, len(station_ids), IMPORT_BATCH):
            batch = [{"id": sid, "password": PASSWORD} for sid in station_ids[i : i + IMPORT_BATCH]]
            reply = client.post("/api/v1/stations/import", json={"stations": batch})
            if reply.status_code != 201:
                raise RuntimeError(f"station import failed: {reply.status_code} {reply.text}")
        reply = client.get(f"/api/v1/id-tokens/{id_tag}")
        if reply.status_code == 404:
            reply = client.post("/api/v1/id-tokens", json={"id_token": id_tag})
            if reply.status_code != 201:
                raise RuntimeError(f"id token failed: {reply.status_code} {reply.text}")


def station_ids(prefix: str, count: int, first: int = 1) -> list[str]:
    return [f"{prefix}{n:05d}" for n in range(first, first + count)]


async def _admin(statement: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=5)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database for one run, dropped afterwards; Unavailable if none."""
    name = f"bench_{os.getpid()}_{secrets.token_hex(3)}"
    try:
        asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        raise Unavailable(f"PostgreSQL at 127.0.0.1:5432 not reachable ({exc})") from exc
    try:
        yield f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    finally:
        try:
            asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        except Exception as exc:
            print(f"could not drop database {name}: {exc}", file=sys.stderr)


def sqlite_url(workdir: Path, name: str) -> str:
    return f"sqlite+aiosqlite:///{workdir / name}"
