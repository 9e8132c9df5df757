"""What the API's handlers are given: the services and the live-connection view."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from steppe.config import Settings
from steppe.domain.ports import CommandSender
from steppe.domain.services import Services

if TYPE_CHECKING:
    from steppe.storage.db import Database


@dataclass(slots=True)
class ApiContext:
    settings: Settings
    services: Services
    commands: CommandSender
    db: Database
    ready: bool = False
    extras: dict[str, object] = field(default_factory=dict)
