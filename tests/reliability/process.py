"""Steppe as a child process (`python -m steppe serve`), for kill -9 and SIGTERM tests."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx

from tests.conftest import ADMIN_TOKEN


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class ServerProcess:
    """One `steppe serve` at fixed ports, so chargers find it again after a restart."""

    def __init__(self, database_url: str, log_dir: Path, **env: str) -> None:
        self.database_url = database_url
        self.http_port = free_port()
        self.ocpp_port = free_port()
        self.log_dir = log_dir
        self.env = {
            **os.environ,
            "STEPPE_ADMIN_TOKEN": ADMIN_TOKEN,
            "STEPPE_PASSWORD_HASH_COST": "10",
            "STEPPE_LOG_LEVEL": "WARNING",
            **env,
        }
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def ocpp_url(self) -> str:
        return f"ws://127.0.0.1:{self.ocpp_port}/ocpp"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self.http_url, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=30
        )

    async def start(self, timeout: float = 30) -> None:
        """Start the server and wait until /health answers 200."""
        self.starts += 1
        log = (self.log_dir / f"steppe-{self.starts}.log").open("wb")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "steppe",
                "serve",
                "--http-port",
                str(self.http_port),
                "--ocpp-port",
                str(self.ocpp_port),
                "--database-url",
                self.database_url,
            ],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        async with httpx.AsyncClient(base_url=self.http_url, timeout=2) as client:
            async with asyncio.timeout(timeout):
                while True:
                    if self.proc.poll() is not None:
                        raise RuntimeError(f"steppe exited at start-up:\n{self.log()}")
                    try:
                        if (await client.get("/health")).status_code == 200:
                            return
                    except httpx.TransportError:
                        pass
                    await asyncio.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as in a crash or a power cut of the process."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def terminate(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)

    async def wait(self, timeout: float) -> int:
        """The exit code, waiting at most `timeout` seconds."""
        assert self.proc is not None
        proc = self.proc
        async with asyncio.timeout(timeout):
            while proc.poll() is None:
                await asyncio.sleep(0.02)
        return proc.returncode

    def stop(self) -> None:
        """End the process if it still runs (test clean-up)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def log(self) -> str:
        return "\n".join(
            path.read_text(errors="replace")[-4000:]
            for path in sorted(self.log_dir.glob("steppe-*.log"))
        )
