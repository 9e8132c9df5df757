"""A TCP proxy a test controls: forwards bytes to a server until told to cut every connection
and refuse new ones, then to resume. Stands in for a database that restarts or a network that
drops, without touching the real server."""

from __future__ import annotations

import asyncio
import contextlib


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target_host = target_host
        self.target_port = target_port
        self.port = 0
        self.connections = 0
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.Task[None]] = set()
        self._transports: set[asyncio.WriteTransport] = set()
        self._flowing = asyncio.Event()
        self._flowing.set()

    async def start(self) -> int:
        """Listen on 127.0.0.1 (the same port again after a cut) and return the port."""
        self._server = await asyncio.start_server(
            self._accept, "127.0.0.1", self.port, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def cut(self) -> None:
        """Stop listening (new connections are refused) and abort every open connection."""
        if self._server is not None:
            self._server.close()
            self._server = None
        for transport in tuple(self._transports):
            transport.abort()
        await asyncio.gather(*self._pipes, return_exceptions=True)

    async def resume(self) -> None:
        await self.start()

    def stall(self) -> None:
        """Keep every connection open but forward nothing: a network that drops packets."""
        self._flowing.clear()

    def flow(self) -> None:
        """Forward again what a stall held back."""
        self._flowing.set()

    async def close(self) -> None:
        await self.cut()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(self.target_host, self.target_port)
        except OSError:
            writer.transport.abort()
            return
        self.connections += 1
        for w in (writer, up_writer):
            self._transports.add(w.transport)
        task = asyncio.current_task()
        assert task is not None
        self._pipes.add(task)
        try:
            await asyncio.gather(self._copy(reader, up_writer), self._copy(up_reader, writer))
        finally:
            self._pipes.discard(task)
            for w in (writer, up_writer):
                self._transports.discard(w.transport)
                w.transport.abort()

    async def _copy(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            while data := await reader.read(65536):
                await self._flowing.wait()
                writer.write(data)
                await writer.drain()
        writer.transport.abort()
