"""The metrics endpoint's figures, gathered from the parts that count them, through
prometheus-client.

Counting stays where the work happens (a dict increment per message in each connection, a few
integers in the committer and the webhook sender): nothing on the hot path takes a lock. When
`/metrics` is read, this collector turns those counters into metric families, and the library
writes the exposition format, escaping every label value.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector

from steppe.domain.services import Services
from steppe.domain.webhooks.sender import WebhookSender
from steppe.gateway.metrics import LATENCY_BUCKETS, GatewayMetrics
from steppe.gateway.registry import ConnectionRegistry
from steppe.storage.group_commit import GroupCommitter


class MetricsEndpoint(Collector):
    """Renders `/metrics` (the API's `MetricsSource`) from the instance's own counters."""

    def __init__(
        self,
        gateway: GatewayMetrics,
        connections: ConnectionRegistry,
        committer: GroupCommitter,
        services: Services,
        webhooks: WebhookSender,
    ) -> None:
        self._gateway = gateway
        self._connections = connections
        self._committer = committer
        self._services = services
        self._webhooks = webhooks
        self._active_transactions = 0
        self._registry = CollectorRegistry(auto_describe=False)
        self._registry.register(self)

    async def exposition(self, accept: str | None) -> tuple[bytes, str]:
        # The one figure that needs the database is read first, off the collector's path.
        self._active_transactions = await self._services.transactions.count_active()
        encode, content_type = choose_encoder(accept or "")  # the format the scraper asks for
        return encode(self._registry), content_type

    def collect(self) -> Iterator[Metric]:
        gateway = self._gateway
        yield GaugeMetricFamily(
            "steppe_connected_stations",
            "Stations connected right now.",
            value=len(self._connections),
        )
        messages = CounterMetricFamily(
            "steppe_ocpp_messages",
            "Calls from stations by action and result.",
            labels=("action", "result"),
        )
        for (action, result), count in sorted(gateway.messages.items()):
            messages.add_metric((action, result), count)
        yield messages
        cumulative = 0
        buckets: list[tuple[str, float]] = []
        for bound, count in zip(LATENCY_BUCKETS, gateway.latency_counts, strict=False):
            cumulative += count
            buckets.append((repr(bound), cumulative))
        cumulative += gateway.latency_counts[-1]
        buckets.append(("+Inf", cumulative))
        yield HistogramMetricFamily(
            "steppe_ocpp_handling_seconds",
            "Time to handle a station's call, answer included.",
            buckets=buckets,
            sum_value=gateway.latency_sum,
        )
        errors = CounterMetricFamily(
            "steppe_ocpp_errors", "Calls answered with a CALLERROR, by code.", labels=("code",)
        )
        for code, count in sorted(gateway.errors.items()):
            errors.add_metric((code,), count)
        yield errors
        yield GaugeMetricFamily(
            "steppe_active_transactions",
            "Transactions in progress.",
            value=self._active_transactions,
        )
        commands = CounterMetricFamily(
            "steppe_commands",
            "Operator commands by command and outcome.",
            labels=("command", "outcome"),
        )
        for (command, outcome), count in sorted(self._services.commands.outcomes.items()):
            commands.add_metric((command, outcome.value), count)
        yield commands
        yield CounterMetricFamily(
            "steppe_events_published",
            "Events published on the bus.",
            value=self._services.bus.published,
        )
        yield CounterMetricFamily(
            "steppe_commits", "Group commits of station writes.", value=self._committer.batches
        )
        yield CounterMetricFamily(
            "steppe_committed_writes",
            "Station writes committed.",
            value=self._committer.operations,
        )
        attempts = CounterMetricFamily(
            "steppe_webhook_attempts", "Webhook delivery tries by result.", labels=("result",)
        )
        attempts.add_metric(("delivered",), self._webhooks.sent)
        attempts.add_metric(("failed",), self._webhooks.failed)
        yield attempts
