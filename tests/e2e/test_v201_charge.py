"""Whole OCPP 2.0.1 charges, driven by the `ocpp` library's v201 ChargePoint."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from ocpp.v201 import call

from steppe.app import Steppe, running
from tests.e2e.charger import connect_v201
from tests.e2e.v201_steps import at, boot, event, register, register_value, transaction

PASSWORD = "s3cret-passw0rd-201"
TAG = {"idToken": "TAG-201", "type": "ISO14443"}


@pytest.fixture
async def steppe(database_url: str, make_steppe: Callable[..., Steppe]) -> AsyncIterator[Steppe]:
    """A running Steppe on each database in turn: the event rules live in SQL."""
    async with running(make_steppe(database_url=database_url)) as app:
        yield app


async def test_whole_charge_ends_with_the_right_energy(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    """Boot, status, authorize, Started/Updated/Ended: the API shows energy and version 2.0.1."""
    await register(api, "CS-1", PASSWORD, "TAG-201")
    async with connect_v201(steppe.ocpp_url, "CS-1", PASSWORD) as cp:
        booted = await boot(cp)
        assert booted.status == "Accepted" and booted.interval > 0
        await cp.call(
            call.StatusNotification(
                timestamp=at(0), connector_status="Occupied", evse_id=1, connector_id=1
            )
        )
        for evse_id, connector_id in ((1, 2), (2, 1)):
            await cp.call(
                call.StatusNotification(
                    timestamp=at(0),
                    connector_status="Available",
                    evse_id=evse_id,
                    connector_id=connector_id,
                )
            )
        authorized = await cp.call(call.Authorize(id_token=TAG))
        assert authorized.id_token_info["status"] == "Accepted"
        started = await cp.call(
            event(
                "Started",
                "TX-A",
                0,
                0,
                trigger="Authorized",
                id_token=TAG,
                evse={"id": 1, "connectorId": 1},
                chargingState="EVConnected",
                meter=[register_value(0, 1000, "Transaction.Begin")],
            )
        )
        assert started.id_token_info["status"] == "Accepted"
        for seq, minute, wh in ((1, 5, 2500), (2, 10, 4200)):
            answer = await cp.call(
                event(
                    "Updated",
                    "TX-A",
                    seq,
                    minute,
                    chargingState="Charging",
                    meter=[register_value(minute, wh, "Sample.Periodic")],
                )
            )
            assert answer.id_token_info is None  # no idToken sent, none answered
        live = await transaction(api, "TX-A", "CS-1")
        assert live["status"] == "active" and live["charging_state"] == "Charging"
        station = (await api.get("/api/v1/stations/CS-1")).json()
        assert station["ocpp_version"] == "2.0.1" and station["connected"] is True
        assert station["model"] == "DC60" and station["serial_number"] == "SN-201"
        evses = [
            (evse["id"], [(c["connector_id"], c["status"]) for c in evse["connectors"]])
            for evse in station["evses"]
        ]
        assert evses == [(1, [(1, "Occupied"), (2, "Available")]), (2, [(1, "Available")])]
        ended = await cp.call(
            event(
                "Ended",
                "TX-A",
                3,
                12,
                trigger="EVCommunicationLost",
                id_token=TAG,
                stoppedReason="EVDisconnected",
                chargingState="Idle",
                meter=[register_value(12, 5400, "Transaction.End")],
            )
        )
        assert ended.id_token_info["status"] == "Accepted"

    tx = await transaction(api, "TX-A", "CS-1")
    assert tx["id"] == "TX-A"
    assert tx["energy_wh"] == 4400
    assert tx["meter_start_wh"] == 1000 and tx["meter_stop_wh"] == 5400
    assert tx["status"] == "completed" and tx["stop_reason"] == "EVDisconnected"
    assert tx["evse_id"] == 1 and tx["connector_id"] == 1 and tx["id_token"] == "TAG-201"
    assert tx["offline"] is False and tx["charging_state"] == "Idle"
    assert [s["context"] for s in tx["meter_values"]] == [
        "Transaction.Begin",
        "Sample.Periodic",
        "Sample.Periodic",
        "Transaction.End",
    ]
    station = (await api.get("/api/v1/stations/CS-1")).json()
    assert station["ocpp_version"] == "2.0.1" and station["connected"] is False


async def test_kwh_register_with_multiplier_and_ignored_contexts(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    """kWh and multipliers become Wh; a Sample.Clock reading neither starts nor ends the count."""
    await register(api, "CS-2", PASSWORD, "TAG-201")
    async with connect_v201(steppe.ocpp_url, "CS-2", PASSWORD) as cp:
        await boot(cp)
        await cp.call(
            event(
                "Started",
                "TX-K",
                0,
                0,
                trigger="CablePluggedIn",
                evse={"id": 2, "connectorId": 1},
                meter=[
                    register_value(-1, 9.0, "Sample.Clock", unit="kWh"),
                    register_value(0, 12.5, "Sample.Periodic", unit="kWh"),
                ],
            )
        )
        await cp.call(
            event(
                "Ended",
                "TX-K",
                1,
                30,
                trigger="EVDeparted",
                stoppedReason="EVDisconnected",
                # 1.95 x 10^1 kWh = 19.5 kWh; the clock-aligned reading after it is not the end
                meter=[
                    register_value(30, 1.95, "Transaction.End", unit="kWh", multiplier=1),
                    register_value(31, 99.0, "Sample.Clock", unit="kWh"),
                ],
            )
        )
    tx = await transaction(api, "TX-K", "CS-2")
    assert tx["meter_start_wh"] == 12500 and tx["meter_stop_wh"] == 19500
    assert tx["energy_wh"] == 7000
    assert tx["evse_id"] == 2


async def test_offline_ended_without_started_is_recorded(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    """A charge the station finished while offline arrives as a lone Ended: recorded, offline."""
    await register(api, "CS-3", PASSWORD, "TAG-201")
    async with connect_v201(steppe.ocpp_url, "CS-3", PASSWORD) as cp:
        await boot(cp)
        answer = await cp.call(
            event(
                "Ended",
                "TX-OFF",
                7,
                40,
                trigger="StopAuthorized",
                offline=True,
                id_token=TAG,
                evse={"id": 1, "connectorId": 1},
                stoppedReason="Local",
                meter=[
                    register_value(0, 20000, "Transaction.Begin"),
                    register_value(40, 26500, "Transaction.End"),
                ],
            )
        )
        assert answer.id_token_info["status"] == "Accepted"
    tx = await transaction(api, "TX-OFF", "CS-3")
    assert tx["status"] == "completed" and tx["offline"] is True
    assert tx["energy_wh"] == 6500 and tx["stop_reason"] == "Local"
    assert tx["started_at"].startswith("2026-11-02T08:40")  # the only time the station gave
    assert tx["id_token"] == "TAG-201"


async def test_repeated_seq_no_counts_once(steppe: Steppe, api: httpx.AsyncClient) -> None:
    """A resent event (same seqNo) is answered but applied once, even with other content."""
    await register(api, "CS-4", PASSWORD, "TAG-201")
    async with connect_v201(steppe.ocpp_url, "CS-4", PASSWORD) as cp:
        await boot(cp)
        start = event(
            "Started",
            "TX-R",
            0,
            0,
            trigger="Authorized",
            id_token=TAG,
            evse={"id": 1, "connectorId": 1},
            meter=[register_value(0, 500, "Transaction.Begin")],
        )
        await cp.call(start)
        await cp.call(start)
        update = event(
            "Updated",
            "TX-R",
            1,
            5,
            chargingState="Charging",
            meter=[register_value(5, 900, "Sample.Periodic")],
        )
        await cp.call(update)
        # A different message under an already used number is a resend: it changes nothing.
        await cp.call(
            event(
                "Updated",
                "TX-R",
                1,
                6,
                chargingState="SuspendedEV",
                meter=[register_value(6, 950, "Sample.Periodic")],
            )
        )
        await cp.call(
            event(
                "Ended",
                "TX-R",
                2,
                10,
                trigger="StopAuthorized",
                stoppedReason="Local",
                meter=[register_value(10, 1700, "Transaction.End")],
            )
        )
        await cp.call(
            event(
                "Ended",
                "TX-R",
                2,
                10,
                trigger="StopAuthorized",
                stoppedReason="Local",
                meter=[register_value(10, 1700, "Transaction.End")],
            )
        )
    tx = await transaction(api, "TX-R", "CS-4")
    assert tx["energy_wh"] == 1200 and tx["status"] == "completed"
    assert [s["value"] for s in tx["meter_values"]] == ["500", "900", "1700"]
    page = (await api.get("/api/v1/transactions", params={"station_id": "CS-4"})).json()
    assert len(page["items"]) == 1


async def test_out_of_order_events_give_the_same_transaction(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    """Ended before Updated before Started: the result is as if they had come in seqNo order."""
    await register(api, "CS-5", PASSWORD, "TAG-201")
    async with connect_v201(steppe.ocpp_url, "CS-5", PASSWORD) as cp:
        await boot(cp)
        await cp.call(
            event(
                "Ended",
                "TX-O",
                3,
                20,
                trigger="EVDeparted",
                stoppedReason="EVDisconnected",
                chargingState="Idle",
                meter=[register_value(20, 8000, "Transaction.End")],
            )
        )
        ended = await transaction(api, "TX-O", "CS-5")
        assert ended["status"] == "completed"
        await cp.call(
            event(
                "Updated",
                "TX-O",
                2,
                10,
                chargingState="Charging",
                meter=[register_value(10, 6000, "Sample.Periodic")],
            )
        )
        await cp.call(
            event(
                "Started",
                "TX-O",
                0,
                0,
                trigger="Authorized",
                id_token=TAG,
                evse={"id": 3, "connectorId": 2},
                chargingState="EVConnected",
                meter=[register_value(0, 3000, "Transaction.Begin")],
            )
        )
    tx = await transaction(api, "TX-O", "CS-5")
    assert tx["status"] == "completed"  # the late Updated did not reopen it
    assert tx["meter_start_wh"] == 3000 and tx["meter_stop_wh"] == 8000
    assert tx["energy_wh"] == 5000
    assert tx["charging_state"] == "Idle"  # from seqNo 3, the newest, though it came first
    assert tx["started_at"].startswith("2026-11-02T08:00")
    assert tx["evse_id"] == 3 and tx["connector_id"] == 2 and tx["id_token"] == "TAG-201"
