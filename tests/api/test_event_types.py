"""Every event type the server publishes can be asked for by name, on the event stream and by a
webhook: one vocabulary from publisher to filter."""

from __future__ import annotations

import asyncio

import httpx
from ocpp.v16 import call as call16
from ocpp.v201 import call as call201

from steppe.app import Steppe
from steppe.domain.events import EventType
from tests.e2e.charger import connect_v16, connect_v201
from tests.e2e.v201_steps import at, boot, register

PASSWORD = "event-types-passw0rd"
EVENT_TYPE_COUNT = len(EventType)


async def test_types_published_by_station_messages_are_accepted_by_every_filter(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    """A 1.6 and a 2.0.1 charger report firmware and log progress, a reservation, a charging
    limit, profiles, a device model report and an event; each type that reaches the bus is then
    accepted as a filter by the event stream and by a webhook."""
    await register(api, "EV-16", PASSWORD, "TAG-1")
    await register(api, "EV-201", PASSWORD, "TAG-1")
    seen: set[str] = set()
    async with steppe.services.bus.subscribe() as subscription:
        async with connect_v16(steppe.ocpp_url, "EV-16", PASSWORD) as cp:
            await cp.call(call16.BootNotification(charge_point_model="M", charge_point_vendor="V"))
            await cp.call(call16.FirmwareStatusNotification(status="Downloading"))
            await cp.call(call16.DiagnosticsStatusNotification(status="Uploading"))
            await cp.call(call16.LogStatusNotification(status="Uploaded", request_id=7))
        async with connect_v201(steppe.ocpp_url, "EV-201", PASSWORD) as cp201:
            await boot(cp201)
            await cp201.call(call201.FirmwareStatusNotification(status="Installed", request_id=3))
            await cp201.call(call201.LogStatusNotification(status="Uploading", request_id=4))
            await cp201.call(
                call201.ReservationStatusUpdate(
                    reservation_id=11, reservation_update_status="Expired"
                )
            )
            await cp201.call(
                call201.NotifyChargingLimit(charging_limit={"chargingLimitSource": "EMS"})
            )
            await cp201.call(
                call201.ReportChargingProfiles(
                    request_id=5,
                    charging_limit_source="CSO",
                    evse_id=1,
                    charging_profile=[
                        {
                            "id": 1,
                            "stackLevel": 0,
                            "chargingProfilePurpose": "TxDefaultProfile",
                            "chargingProfileKind": "Absolute",
                            "chargingSchedule": [
                                {
                                    "id": 1,
                                    "chargingRateUnit": "A",
                                    "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16}],
                                }
                            ],
                        }
                    ],
                )
            )
            await cp201.call(
                call201.NotifyReport(
                    request_id=1,
                    generated_at=at(0),
                    seq_no=0,
                    report_data=[
                        {
                            "component": {"name": "SecurityCtrlr"},
                            "variable": {"name": "SecurityProfile"},
                            "variableAttribute": [{"value": "1"}],
                        }
                    ],
                )
            )
            await cp201.call(
                call201.NotifyEvent(
                    generated_at=at(0),
                    seq_no=0,
                    event_data=[
                        {
                            "eventId": 1,
                            "timestamp": at(0),
                            "trigger": "Delta",
                            "actualValue": "Faulted",
                            "eventNotificationType": "HardWiredNotification",
                            "component": {"name": "Connector"},
                            "variable": {"name": "AvailabilityState"},
                        }
                    ],
                )
            )
        await asyncio.sleep(0.1)  # the disconnects
        while not subscription.queue.empty():
            seen.add(subscription.queue.get_nowait().type)

    expected = {
        "station.connected",
        "station.version",
        "station.booted",
        "station.firmware",
        "station.log",
        "reservation.status",
        "charging.limit",
        "charging.profiles",
        "station.report",
        "station.event",
        "station.disconnected",
    }
    assert expected <= seen, expected - seen
    for event_type in sorted(seen):
        hook = await api.post(
            "/api/v1/webhooks",
            json={"url": "https://example.com/hook", "secret": "s" * 16, "types": [event_type]},
        )
        assert hook.status_code == 201, (event_type, hook.text)
        async with api.stream("GET", "/api/v1/events", params={"types": event_type}) as stream:
            assert stream.status_code == 200, event_type


async def test_every_type_in_the_vocabulary_is_a_valid_filter(api: httpx.AsyncClient) -> None:
    """All types at once are accepted; a made-up one is refused with the list's name in it."""
    everything = [t.value for t in EventType]
    assert len(everything) == EVENT_TYPE_COUNT
    hook = await api.post(
        "/api/v1/webhooks",
        json={"url": "https://example.com/all", "secret": "s" * 16, "types": everything},
    )
    assert hook.status_code == 201, hook.text
    async with api.stream("GET", "/api/v1/events", params={"types": ",".join(everything)}) as ok:
        assert ok.status_code == 200
    bad = await api.get("/api/v1/events", params={"types": "station.teleported"})
    assert bad.status_code == 422 and "station.teleported" in bad.text
    refused = await api.post(
        "/api/v1/webhooks",
        json={"url": "https://example.com/x", "secret": "s" * 16, "types": ["station.teleported"]},
    )
    assert refused.status_code == 422
