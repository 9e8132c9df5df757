"""The operator API's routers: commands and audit, connectors, events, keys, webhooks, metrics."""

from __future__ import annotations

from fastapi import APIRouter

from steppe.api.routers import commands, connectors, events, keys, metrics, webhooks

ROUTERS: tuple[APIRouter, ...] = tuple(
    module.router for module in (commands, connectors, events, keys, webhooks, metrics)
)
