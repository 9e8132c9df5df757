"""Commands to stations anywhere in the cluster: the domain's `CommandSender` for cluster mode.

A command for a station held here goes out on its live connection; for one held by another node
it is a NATS request to that node (`steppe.call.<node>`), which makes the call on its connection
and replies with the answer or the error. The command is audited once, on the node whose API was
asked; the node that carries it only relays. What a caller sees is what it sees on one node:
not connected (409), timeout (504), a CALLERROR (502), plus 503 when NATS is down.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Protocol

import nats.errors
import orjson
from nats.aio.msg import Msg

from steppe.cluster.link import NatsLink
from steppe.cluster.names import CALL_SUBJECT, node_token
from steppe.cluster.presence import PresenceBoard
from steppe.domain.ports import CommandSender
from steppe.errors import (
    ClusterUnavailable,
    CommandTimeout,
    StationNotConnected,
    StationRejectedCall,
    SteppeError,
)

log = logging.getLogger("steppe.cluster")
# Seconds a remote node may take beyond the call's own timeout to reply (its hops over NATS).
REPLY_MARGIN = 5.0


class LocalStations(CommandSender, Protocol):
    """The stations connected to this node (the gateway's registry)."""

    async def release(self, station_id: str, reason: str) -> None:
        """Close the station's connection here: it connected again somewhere else."""
        ...


class ClusterSender:
    """Reaches a station through the node that holds it."""

    def __init__(
        self,
        link: NatsLink,
        presence: PresenceBoard,
        registry: LocalStations,
        *,
        default_timeout: float,
    ) -> None:
        self._link = link
        self._presence = presence
        self._registry = registry
        self._default_timeout = default_timeout
        self._serving: set[asyncio.Task[None]] = set()

    def is_connected(self, station_id: str) -> bool:
        return self._registry.is_connected(station_id) or (
            self._presence.where(station_id) is not None
        )

    def version_of(self, station_id: str) -> str | None:
        local = self._registry.version_of(station_id)
        if local is not None:
            return local
        location = self._presence.where(station_id)
        return None if location is None else location.version

    def connected_ids(self) -> frozenset[str]:
        """Every station connected to any live node (for the pages' online marks)."""
        return self._presence.connected_ids()

    async def call(
        self, station_id: str, action: str, payload: dict[str, Any], *, timeout: float | None = None
    ) -> dict[str, Any]:
        if self._registry.is_connected(station_id):
            return await self._registry.call(station_id, action, payload, timeout=timeout)
        location = self._presence.where(station_id)
        if location is None:
            raise StationNotConnected(f"station {station_id!r} is not connected")
        if not self._link.up:
            raise ClusterUnavailable(
                f"station {station_id!r} is on node {location.node}, and NATS cannot be reached"
            )
        wait = self._default_timeout if timeout is None else timeout
        request = {"station_id": station_id, "action": action, "payload": payload, "timeout": wait}
        try:
            reply = await self._link.client.request(
                f"{CALL_SUBJECT}.{node_token(location.node)}",
                orjson.dumps(request),
                timeout=wait + REPLY_MARGIN,
            )
        except nats.errors.NoRespondersError as exc:  # the node is gone: the station with it
            raise StationNotConnected(f"station {station_id!r} is not connected") from exc
        except nats.errors.TimeoutError as exc:
            raise CommandTimeout(
                f"station {station_id!r} did not answer {action} within {wait:g} s"
            ) from exc
        except nats.errors.Error as exc:
            raise ClusterUnavailable(f"NATS failed to carry the command: {exc}") from exc
        return _answer(orjson.loads(reply.data))

    # --- the other side: calls other nodes send for the stations held here --------------------

    async def run(self) -> None:
        """Answer other nodes' calls and close connections taken over elsewhere; until
        cancelled."""
        subject = f"{CALL_SUBJECT}.{node_token(self._presence.node)}"
        subscription = await self._link.client.subscribe(subject, cb=self._on_request)
        try:
            while True:
                station_id = await self._presence.displaced.get()
                await self._registry.release(station_id, "reconnected to another node")
        finally:
            try:
                await subscription.unsubscribe()
            except Exception as exc:  # NATS away: the subscription dies with the connection
                log.debug("call subscription not removed: %s", exc)
            for task in tuple(self._serving):
                task.cancel()

    async def _on_request(self, msg: Msg) -> None:
        # the client hands requests over one at a time: each is answered by a task of its own
        task = asyncio.get_running_loop().create_task(self._serve(msg))
        self._serving.add(task)
        task.add_done_callback(self._serving.discard)

    async def _serve(self, msg: Msg) -> None:
        try:
            request = orjson.loads(msg.data)
            station_id = str(request["station_id"])
            answer = await self._registry.call(
                station_id,
                str(request["action"]),
                dict(request["payload"]),
                timeout=float(request["timeout"]),
            )
            reply: dict[str, Any] = {"ok": answer}
        except StationRejectedCall as exc:
            reply = {"error": "rejected", "code": exc.code, "description": exc.description}
        except StationNotConnected as exc:
            reply = {"error": "not_connected", "message": str(exc)}
        except CommandTimeout as exc:
            reply = {"error": "timeout", "message": str(exc)}
        except (SteppeError, KeyError, TypeError, ValueError) as exc:
            reply = {"error": "failed", "message": str(exc)}
        try:
            await msg.respond(orjson.dumps(reply))
        except Exception as exc:  # the asking node gave up or NATS went away
            log.info("a routed call's answer was not delivered: %s", exc)


def _answer(reply: dict[str, Any]) -> dict[str, Any]:
    """A remote node's reply as the answer, or as the error the local call would raise."""
    error = reply.get("error")
    if error is None:
        return dict(reply["ok"])
    if error == "rejected":
        raise StationRejectedCall(str(reply["code"]), str(reply.get("description", "")))
    if error == "not_connected":
        raise StationNotConnected(str(reply["message"]))
    if error == "timeout":
        raise CommandTimeout(str(reply["message"]))
    raise ClusterUnavailable(f"the node holding the station failed: {reply.get('message')}")
