"""The independent eMSP (`extrawest-ocpi` from the package index) in a virtual environment of
its own, made once and kept under .cache/peers, run as a separate process on loopback."""

from __future__ import annotations

import asyncio
import subprocess
import venv
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx

from tests.reliability.process import free_port

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "extrawest-ocpi==2025.7.16"  # MIT licence
REQUIREMENTS = (PACKAGE, "uvicorn>=0.23,<0.31")
SCRIPT = Path(__file__).parent / "peers" / "extrawest_emsp.py"


def peer_python() -> Path:
    """The peer's interpreter, installing it the first time (pip, from the package index)."""
    home = ROOT / ".cache" / "peers" / PACKAGE.replace("==", "-")
    python = home / "bin" / "python"
    stamp = home / ".installed"
    if stamp.exists():
        return python
    venv.EnvBuilder(with_pip=True, clear=True).create(home)
    subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            *REQUIREMENTS,
        ],
        check=True,
        timeout=600,
    )
    stamp.write_text(PACKAGE)
    return python


class Peer:
    def __init__(self, python: Path, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._python = python
        self._log = log
        self.proc: subprocess.Popen[bytes] | None = None

    async def call(self, method: str, path: str, body: Any = None) -> Any:
        async with httpx.AsyncClient(base_url=self.url, timeout=20) as http:
            response = await http.request(method, path, json=body)
            assert response.status_code == 200, f"{path}: {response.status_code} {response.text}"
            return response.json()

    def log(self) -> str:
        return self._log.read_text(errors="replace")[-4000:]


@asynccontextmanager
async def running_peer(python: Path, log: Path) -> AsyncIterator[Peer]:
    peer = Peer(python, log)
    with log.open("wb") as out:
        peer.proc = subprocess.Popen(
            [str(python), str(SCRIPT), "--port", str(peer.port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=str(log.parent),
        )
    try:
        async with httpx.AsyncClient(timeout=2) as http, asyncio.timeout(30):
            while True:
                if peer.proc.poll() is not None:
                    raise RuntimeError(f"the peer exited:\n{peer.log()}")
                try:
                    if (await http.get(f"{peer.url}/control/health")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
        yield peer
    finally:
        peer.proc.terminate()
        peer.proc.wait(10)
