"""Wires the operator API's parts into an instance: keys, commands, audit, webhooks, metrics.

Called from the composition root (`app.build`); `background` is the task `app.running` keeps.
"""

from __future__ import annotations

from dataclasses import dataclass

from steppe.api.context import ApiContext
from steppe.api.deps import Principal, Role
from steppe.config import Settings
from steppe.domain.commands.service import CommandService
from steppe.domain.keys.service import KeyService
from steppe.domain.services import Services
from steppe.domain.webhooks.sender import WebhookSender
from steppe.domain.webhooks.service import WebhookService
from steppe.gateway.metrics import Exposition, GatewayMetrics, write_gateway
from steppe.gateway.registry import ConnectionRegistry
from steppe.gateway.server import OcppServer
from steppe.ocpp.codecs import command_encoders
from steppe.ocpp.validation import SchemaRegistry
from steppe.storage.db import Database
from steppe.storage.group_commit import GroupCommitter
from steppe.storage.repositories import transactions as transaction_rows

ROLES = {"admin": Role.ADMIN, "operator": Role.OPERATOR, "viewer": Role.VIEWER}


@dataclass(slots=True)
class OperatorApi:
    keys: KeyService
    commands: CommandService
    webhooks: WebhookService
    sender: WebhookSender
    metrics: GatewayMetrics
    registry: ConnectionRegistry
    services: Services
    db: Database
    committer: GroupCommitter

    async def resolve_key(self, token: str) -> Principal | None:
        key = await self.keys.resolve(token)
        if key is None:
            return None
        return Principal(key.name, ROLES[key.role], key_id=key.id)

    async def metrics_text(self) -> str:
        out = Exposition()
        write_gateway(out, self.metrics, connected=len(self.registry))
        async with self.db.connect() as conn:
            active = await transaction_rows.count_active(conn)
        out.metric("steppe_active_transactions", "gauge", "Transactions in progress.")
        out.sample("steppe_active_transactions", active)
        out.metric("steppe_commands_total", "counter", "Operator commands by command and outcome.")
        for (command, outcome), count in sorted(self.commands.outcomes.items()):
            out.sample("steppe_commands_total", count, command=command, outcome=outcome)
        out.metric("steppe_events_published_total", "counter", "Events published on the bus.")
        out.sample("steppe_events_published_total", self.services.bus.published)
        out.metric("steppe_commits_total", "counter", "Group commits of station writes.")
        out.sample("steppe_commits_total", self.committer.batches)
        out.metric("steppe_committed_writes_total", "counter", "Station writes committed.")
        out.sample("steppe_committed_writes_total", self.committer.operations)
        out.metric("steppe_webhook_attempts_total", "counter", "Webhook delivery tries by result.")
        out.sample("steppe_webhook_attempts_total", self.sender.sent, result="delivered")
        out.sample("steppe_webhook_attempts_total", self.sender.failed, result="failed")
        return out.text()

    async def background(self) -> None:
        """The webhook sender; runs until cancelled."""
        await self.sender.run()


def install(
    settings: Settings,
    services: Services,
    db: Database,
    committer: GroupCommitter,
    ocpp: OcppServer,
    schemas: SchemaRegistry,
    context: ApiContext,
) -> OperatorApi:
    """Build the parts, count the gateway's messages, and hand the API what it needs."""
    metrics = GatewayMetrics()
    ocpp.metrics = metrics
    keys = KeyService(db, services.clock)
    commands = CommandService(
        db,
        ocpp.registry,
        command_encoders(schemas),
        services.stations,
        services.tokens,
        services.bus,
        services.clock,
    )
    webhooks = WebhookService(
        db,
        services.clock,
        max_attempts=settings.webhook_max_attempts,
        retry_delay=settings.webhook_retry_delay,
    )
    sender = WebhookSender(webhooks, services.bus, timeout=settings.webhook_timeout)
    operator = OperatorApi(
        keys, commands, webhooks, sender, metrics, ocpp.registry, services, db, committer
    )
    context.extras.update(
        {
            "key_resolver": operator.resolve_key,
            "keys": keys,
            "command_service": commands,
            "webhooks": webhooks,
            "metrics_text": operator.metrics_text,
            "operator": operator,
        }
    )
    return operator


async def background(context: ApiContext) -> None:
    """Run the operator API's background work (the webhook sender) of the instance `context`
    belongs to, until cancelled."""
    operator = context.extras.get("operator")
    if isinstance(operator, OperatorApi):
        await operator.background()
