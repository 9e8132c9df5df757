"""One charger's live connection: read frames, answer calls, carry Steppe's own calls out."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from steppe.domain.stations.models import StationContext
from steppe.errors import CommandTimeout, Conflict, StationNotConnected, StationRejectedCall
from steppe.gateway.limits import Admission, MessageThrottle, RepeatedLog
from steppe.gateway.metrics import GatewayMetrics
from steppe.gateway.websocket import SocketClosed, StationSocket
from steppe.ocpp.dispatcher import Dispatcher
from steppe.ocpp.errors import ErrorKind, OcppError
from steppe.ocpp.session import (
    CallAnswered,
    CallFailed,
    Ignored,
    IncomingCall,
    Reply,
    RpcSession,
    SessionBusy,
)
from steppe.ocpp.versions import OcppVersion

log = logging.getLogger("steppe.gateway")
frames = logging.getLogger("steppe.ocpp.frames")
POLICY_VIOLATION = 1008  # a station that keeps sending past its message rate limit


class StationConnection:
    __slots__ = (
        "_ignored_log",
        "_lock",
        "_waiter",
        "ctx",
        "default_timeout",
        "dispatcher",
        "metrics",
        "session",
        "throttle",
        "ws",
    )

    def __init__(
        self,
        ws: StationSocket,
        session: RpcSession,
        ctx: StationContext,
        dispatcher: Dispatcher,
        *,
        default_timeout: float,
        throttle: MessageThrottle,
        metrics: GatewayMetrics,
    ) -> None:
        self.ws = ws
        self.session = session
        self.ctx = ctx
        self.dispatcher = dispatcher
        self.default_timeout = default_timeout
        self.throttle = throttle
        self.metrics = metrics
        self._lock: asyncio.Lock | None = None
        self._waiter: asyncio.Future[dict[str, Any]] | None = None
        self._ignored_log = RepeatedLog(log, logging.INFO)

    @property
    def station_id(self) -> str:
        return self.ctx.station_id

    @property
    def version(self) -> OcppVersion:
        return self.session.version

    async def serve(self) -> None:
        """Handle frames until the socket closes."""
        session = self.session
        ws = self.ws
        debug = frames.isEnabledFor(logging.DEBUG)
        try:
            while True:
                raw = await ws.next_message()
                if debug:
                    frames.debug("[%s] <- %s", self.station_id, raw)
                event = session.receive(raw)
                if type(event) is IncomingCall:
                    if event.send:
                        await self._take(event)
                        continue
                    text = await self._answer(event)
                elif type(event) is Reply:
                    text = event.text
                elif type(event) is Ignored:
                    await self._ignored(event)
                    continue
                elif type(event) is CallFailed and event.reply is not None:
                    self._settle(event)
                    text = event.reply
                else:
                    self._settle(event)
                    continue
                if debug:
                    frames.debug("[%s] -> %s", self.station_id, text)
                await ws.send_text(text)
        except SocketClosed:
            pass
        finally:
            self._abandon()

    async def _answer(self, call: IncomingCall) -> str:
        verdict = self.throttle.admit()
        if verdict is not Admission.ALLOW:
            return await self._refuse(call, verdict)
        metrics = self.metrics
        started = time.perf_counter()
        try:
            payload = await self.dispatcher.handle(
                self.session.version, self.ctx, call.action, call.payload
            )
        except OcppError as error:
            metrics.observe(call.action, error.kind.value, time.perf_counter() - started)
            metrics.error(error.kind.value)
            return self.session.fail(call, error)
        metrics.observe(call.action, "ok", time.perf_counter() - started)
        try:
            return self.session.answer(call, payload)
        except OcppError as error:
            log.error("[%s] invalid answer to %s: %s", self.station_id, call.action, error)
            return self.session.fail(call, error)

    async def _take(self, send: IncomingCall) -> None:
        """A 2.1 SEND: handled like a call, within the message rate, and never answered."""
        verdict = self.throttle.admit()
        if verdict is not Admission.ALLOW:
            self._ignored_log(
                "[%s] %s dropped: past the message rate", self.station_id, send.action
            )
            if verdict is Admission.CLOSE:
                log.warning(
                    "[%s] closed: keeps sending past the message rate limit", self.station_id
                )
                await self.ws.close(POLICY_VIOLATION, "message rate limit exceeded")
            return
        started = time.perf_counter()
        try:
            await self.dispatcher.handle(self.session.version, self.ctx, send.action, send.payload)
        except OcppError as error:
            self.metrics.observe(send.action, error.kind.value, time.perf_counter() - started)
            log.warning("[%s] SEND %s not taken: %s", self.station_id, send.action, error)
            return
        self.metrics.observe(send.action, "ok", time.perf_counter() - started)

    async def _refuse(self, call: IncomingCall, verdict: Admission) -> str:
        """A call past the station's message rate: a CALLERROR, and for a station that keeps
        pushing, the connection closed."""
        if verdict is Admission.CLOSE:
            log.warning("[%s] closed: keeps sending past the message rate limit", self.station_id)
            await self.ws.close(POLICY_VIOLATION, "message rate limit exceeded")
        return self.session.fail(
            call,
            OcppError(
                ErrorKind.GENERIC, "rate limit exceeded: message not processed, send it again later"
            ),
        )

    def _settle(self, event: object) -> None:
        waiter = self._waiter
        if waiter is None or waiter.done():
            return
        if type(event) is CallAnswered:
            waiter.set_result(event.payload)
        elif type(event) is CallFailed:
            waiter.set_exception(StationRejectedCall(event.code, event.description))

    async def _ignored(self, event: Ignored) -> None:
        """A frame that answers nothing: logged once a minute at most, and counted towards the
        message rate, so a station that floods them is closed like one that floods calls."""
        self._ignored_log("[%s] ignored a frame: %s", self.station_id, event.reason)
        if self.throttle.admit() is Admission.CLOSE:
            log.warning("[%s] closed: keeps sending past the message rate limit", self.station_id)
            await self.ws.close(POLICY_VIOLATION, "message rate limit exceeded")

    def _abandon(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_exception(StationNotConnected(f"station {self.station_id!r} went away"))

    async def call(
        self, action: str, payload: dict[str, Any], *, timeout: float | None = None
    ) -> dict[str, Any]:
        """Send one call and wait for its answer; calls queue up, one in flight at a time."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        wait = self.default_timeout if timeout is None else timeout
        async with self._lock:
            try:
                _pending, text = self.session.start_call(action, payload)
            except SessionBusy as exc:  # pragma: no cover - the lock makes this unreachable
                raise Conflict("a call is already in flight") from exc
            loop = asyncio.get_running_loop()
            waiter: asyncio.Future[dict[str, Any]] = loop.create_future()
            self._waiter = waiter
            try:
                if frames.isEnabledFor(logging.DEBUG):
                    frames.debug("[%s] -> %s", self.station_id, text)
                try:
                    await self.ws.send_text(text)
                except SocketClosed as exc:
                    raise StationNotConnected(f"station {self.station_id!r} went away") from exc
                try:
                    async with asyncio.timeout(wait):
                        return await waiter
                except TimeoutError as exc:
                    raise CommandTimeout(
                        f"station {self.station_id!r} did not answer {action} within {wait:g} s"
                    ) from exc
            finally:
                self.session.cancel_pending()
                self._waiter = None

    async def close(self, code: int = 1000, reason: str = "") -> None:
        await self.ws.close(code, reason)
