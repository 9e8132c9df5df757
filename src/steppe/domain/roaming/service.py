"""The roaming rules as one service: partners, their tokens, the push outbox, what they read."""

from __future__ import annotations

from dataclasses import dataclass

from steppe.domain.roaming.catalogue import Catalogue
from steppe.domain.roaming.outbox import Outbox
from steppe.domain.roaming.partners import PartnerService
from steppe.domain.roaming.tokens import RoamingTokens


@dataclass(frozen=True, slots=True)
class RoamingService:
    partners: PartnerService
    tokens: RoamingTokens
    outbox: Outbox
    catalogue: Catalogue
