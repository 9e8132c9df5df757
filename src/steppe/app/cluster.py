"""Cluster mode's parts, built only when `STEPPE_CLUSTER_URL` is set (so that the embedded
default never imports `nats`): the NATS link, the presence board, the command router."""

from __future__ import annotations

from dataclasses import dataclass

from steppe.cluster.events import EventRelay
from steppe.cluster.link import NatsLink
from steppe.cluster.names import default_node_id, node_token
from steppe.cluster.news import ClusterNews
from steppe.cluster.presence import PresenceBoard
from steppe.cluster.router import ClusterSender, LocalStations
from steppe.config import Settings
from steppe.storage.db import Database
from steppe.storage.leadership import AdvisoryLease


@dataclass(frozen=True, slots=True)
class Membership:
    """What a node is before its connections exist: its name, its link, its presence board."""

    node: str
    link: NatsLink
    presence: PresenceBoard
    events: EventRelay  # the bus's relay to the other nodes
    news: ClusterNews  # what the others must read again


@dataclass(frozen=True, slots=True)
class Cluster:
    """A node's cluster parts, run by the lifespan beside the servers."""

    membership: Membership
    sender: ClusterSender
    lease: AdvisoryLease  # who runs the work done once per cluster (pricing, webhooks, ...)

    @property
    def node(self) -> str:
        return self.membership.node


def join(settings: Settings) -> Membership:
    """The node's link and presence board (nothing is connected until the lifespan opens it)."""
    assert settings.cluster_url is not None
    node = node_token(settings.node_id or default_node_id())
    link = NatsLink(settings.cluster_url, node, connect_timeout=settings.cluster_connect_timeout)
    return Membership(
        node,
        link,
        PresenceBoard(link, node, lease=settings.cluster_lease),
        EventRelay(link, node),
        ClusterNews(link, node),
    )


def route(
    membership: Membership, local: LocalStations, db: Database, settings: Settings
) -> Cluster:
    """The command router over this node's own connections, and the background lease."""
    sender = ClusterSender(
        membership.link, membership.presence, local, default_timeout=settings.call_timeout
    )
    return Cluster(membership, sender, AdvisoryLease(db, check_every=settings.cluster_lease / 3))
