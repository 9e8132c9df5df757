"""OCPP 2.1 messages from charging stations.

Every action whose payload 2.1 kept as in 2.0.1 (boot, status, authorization, reports,
security) is answered by the 2.0.1 handler itself, registered here; 2.1's own actions get their
handlers below. A 2.1 TransactionEvent is a transaction like any other; what it adds, the cost
the station worked out (`costDetails`), is kept beside Steppe's CDR.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from steppe.domain.payments.costs import ReportedCost
from steppe.domain.payments.settlements import plausible_vat_number
from steppe.domain.services import Services
from steppe.domain.stations.models import StationContext
from steppe.ocpp.certificates import CertificateDelivery
from steppe.ocpp.dispatcher import Handler
from steppe.ocpp.timestamps import format_timestamp, parse_timestamp
from steppe.ocpp.v201.handlers import V201Handlers
from steppe.types import JsonObject

# Messages kept as notices, answered with an empty object, and the field naming what each is
# about (a control, a request, a transaction).
KEPT = {
    "NotifyDERAlarm": "controlType",
    "NotifyDERStartStop": "controlId",
    "ReportDERControl": "requestId",
    "BatterySwap": "requestId",
    "NotifyPriorityCharging": "transactionId",
}


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
        routes: dict[str, Handler] = {
            action: self.kept(action, ref) for action, ref in KEPT.items()
        }
        routes.update(
            {
                "TransactionEvent": self.transaction_event,
                "OpenPeriodicEventStream": self.open_stream,
                "ClosePeriodicEventStream": self.close_stream,
                "NotifyPeriodicEventStream": self.stream_data,
                "NotifySettlement": self.notify_settlement,
                "VatNumberValidation": self.vat_number_validation,
                "PullDynamicScheduleUpdate": self.pull_dynamic_schedule,
                "GetCertificateChainStatus": self.certificate_chain_status,
            }
        )
        return routes

    def kept(self, action: str, ref_field: str) -> Handler:
        """A message Steppe keeps (DER, battery swap, priority charging) and does not act on."""

        async def handle(ctx: StationContext, payload: JsonObject) -> JsonObject:
            await self._services.notices.received(
                ctx.station_id,
                action,
                payload,
                ref=payload.get(ref_field),
                transaction_id=payload.get("transactionId"),
            )
            return {}

        return handle

    async def open_stream(self, ctx: StationContext, payload: JsonObject) -> JsonObject:
        stream = payload["constantStreamData"]
        params = stream["params"]
        await self._services.notices.stream_opened(
            ctx.station_id,
            stream["id"],
            stream["variableMonitoringId"],
            params.get("interval"),
            params.get("values"),
        )
        return {"status": "Accepted"}

    async def close_stream(self, ctx: StationContext, payload: JsonObject) -> JsonObject:
        await self._services.notices.stream_closed(ctx.station_id, payload["id"])
        return {}

    async def stream_data(self, ctx: StationContext, payload: JsonObject) -> JsonObject:
        await self._services.notices.stream_data(ctx.station_id, payload["id"], payload)
        return {}  # a SEND: never sent

    async def notify_settlement(self, ctx: StationContext, payload: JsonObject) -> JsonObject:
        await self._services.settlements.notified(
            ctx.station_id,
            transaction_id=payload.get("transactionId"),
            psp_ref=payload["pspRef"],
            status=payload["status"],
            amount=Decimal(str(payload["settlementAmount"])),
            settled_at=parse_timestamp(payload["settlementTime"]),
            receipt_id=payload.get("receiptId"),
            receipt_url=payload.get("receiptUrl"),
            vat_number=payload.get("vatNumber"),
            body=payload,
        )
        return {}

    async def vat_number_validation(self, ctx: StationContext, payload: JsonObject) -> JsonObject:
        number = payload["vatNumber"]
        status = "Accepted" if plausible_vat_number(number) else "Rejected"
        await self._services.notices.received(
            ctx.station_id,
            "VatNumberValidation",
            {**payload, "status": status},
            ref=number,
            evse_id=payload.get("evseId"),
        )
        answer: JsonObject = {"vatNumber": number, "status": status}
        if "evseId" in payload:
            answer["evseId"] = payload["evseId"]
        return answer

    async def pull_dynamic_schedule(self, ctx: StationContext, payload: JsonObject) -> JsonObject:
        """The schedule update last sent for the profile (update-dynamic-schedule), if any."""
        profile_id = payload["chargingProfileId"]
        sent = await self._services.notices.last(
            ctx.station_id, "update-dynamic-schedule", profile_id
        )
        if sent is None:
            return {"status": "Rejected", "statusInfo": {"reasonCode": "NoSchedule"}}
        return {"status": "Accepted", "scheduleUpdate": sent.body["params"]["schedule_update"]}

    async def certificate_chain_status(
        self, ctx: StationContext, payload: JsonObject
    ) -> JsonObject:
        """Steppe does not fetch OCSP or CRL answers for a station yet: each is Unknown, to be
        asked again in an hour."""
        next_update = format_timestamp(self._services.clock.now() + timedelta(hours=1))
        return {
            "certificateStatus": [
                {
                    "certificateHashData": request["certificateHashData"],
                    "source": request["source"],
                    "status": "Unknown",
                    "nextUpdate": next_update,
                }
                for request in payload["certificateStatusRequests"]
            ]
        }

    async def transaction_event(self, ctx: StationContext, payload: JsonObject) -> JsonObject:
        answer = await super().transaction_event(ctx, payload)
        # Only the Ended event's cost is the station's bill: a running cost in an Updated (which
        # may be replayed late, after the Ended) is for its display.
        details = payload.get("costDetails") if payload["eventType"] == "Ended" else None
        if details is not None and not details.get("failureToCalculate", False):
            await self._services.charger_costs.reported(
                ctx.station_id, payload["transactionInfo"]["transactionId"], reported_cost(details)
            )
        return answer
