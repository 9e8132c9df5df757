"""OCPP 2.1 messages from charging stations.

Every action whose payload 2.1 kept as in 2.0.1 (boot, status, authorization, transaction
events, reports, security) is answered by the 2.0.1 handler itself, registered here; 2.1's own
actions get their handlers below. A 2.1 TransactionEvent is a transaction like any other.
"""

from __future__ import annotations

from steppe.domain.services import Services
from steppe.ocpp.certificates import CertificateDelivery
from steppe.ocpp.dispatcher import Handler
from steppe.ocpp.v201.handlers import V201Handlers


class V21Handlers(V201Handlers):
    """The 2.0.1 routes, and one method per action 2.1 adds."""

    def __init__(self, services: Services, certificates: CertificateDelivery) -> None:
        super().__init__(services, certificates)
        self._routes.update(self._own_routes())

    def _own_routes(self) -> dict[str, Handler]:
        return {}
