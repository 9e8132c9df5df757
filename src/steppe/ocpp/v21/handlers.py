"""OCPP 2.1 messages from charging stations.

Every action whose payload 2.1 kept as in 2.0.1 (boot, status, authorization, reports,
security) is answered by the 2.0.1 handler itself, registered here; 2.1's own actions get their
handlers below. A 2.1 TransactionEvent is a transaction like any other; what it adds, the cost
the station worked out (`costDetails`), is kept beside Steppe's CDR.
"""

from __future__ import annotations

from decimal import Decimal

from steppe.domain.payments.costs import ReportedCost
from steppe.domain.services import Services
from steppe.domain.stations.models import StationContext
from steppe.ocpp.certificates import CertificateDelivery
from steppe.ocpp.dispatcher import Handler
from steppe.ocpp.v201.handlers import V201Handlers
from steppe.types import JsonObject


def reported_cost(details: JsonObject) -> ReportedCost:
    """A TransactionEvent's CostDetailsType as the station's total."""
    total = details["totalCost"]
    price = total.get("total") or {}
    excl, incl = price.get("exclTax"), price.get("inclTax")
    return ReportedCost(
        currency=total["currency"],
        excl_tax=None if excl is None else Decimal(str(excl)),
        incl_tax=None if incl is None else Decimal(str(incl)),
        details=details,
    )


class V21Handlers(V201Handlers):
    """The 2.0.1 routes, and one method per action 2.1 adds."""

    def __init__(self, services: Services, certificates: CertificateDelivery) -> None:
        super().__init__(services, certificates)
        self._routes.update(self._own_routes())

    def _own_routes(self) -> dict[str, Handler]:
        return {"TransactionEvent": self.transaction_event}

    async def transaction_event(self, ctx: StationContext, payload: JsonObject) -> JsonObject:
        answer = await super().transaction_event(ctx, payload)
        details = payload.get("costDetails")
        if details is not None and not details.get("failureToCalculate", False):
            await self._services.charger_costs.reported(
                ctx.station_id, payload["transactionInfo"]["transactionId"], reported_cost(details)
            )
        return answer
