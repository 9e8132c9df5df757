"""A Russian eMSP's driver charges at a Kazakh station through OCPI, end to end."""

from __future__ import annotations

from decimal import Decimal

import httpx
from ocpp.v16 import call

from steppe.app import Steppe
from tests.e2e import v201_steps as v201
from tests.e2e.charger import connect_v16, connect_v201
from tests.ocpi.emsp import StrictEmsp, token_body
from tests.ocpi.roaming_setup import (
    PASSWORD,
    STATION,
    ObedientCharger,
    at,
    eventually,
    station_with_tariff,
)


async def test_emsp_registers_pulls_starts_and_gets_session_and_cdr(
    steppe: Steppe, api: httpx.AsyncClient
) -> None:
    """Token A from the API, registration, pulls, a pushed token, START_SESSION, the session
    pushed and PATCHed, the CDR POSTed once with the total our tariff engine billed in KZT."""
    await station_with_tariff(api)
    created = await api.post("/api/v1/ocpi/partners", json={"name": "RU eMSP"})
    assert created.status_code == 201, created.text
    partner = created.json()
    async with StrictEmsp().serving() as emsp:
        endpoints = await emsp.register(partner["versions_url"], partner["token_a"])
        locations = await emsp.pull(endpoints["locations:SENDER"], limit=1)
        (location,) = [loc for loc in locations if loc["id"] == STATION]
        emsp.checker.location(location, "pulled", "KZ", "STP")
        assert location["country"] == "KAZ"
        standards = {c["standard"] for e in location["evses"] for c in e["connectors"]}
        assert standards == {"GBT_DC", "IEC_62196_T2_COMBO"}
        assert location["evses"][0]["connectors"][0]["tariff_ids"] == ["kzt-dc"]
        tariffs = await emsp.pull(endpoints["tariffs:SENDER"])
        assert [t["id"] for t in tariffs] == ["kzt-dc"]
        emsp.checker.tariff(tariffs[0], "pulled", "KZ", "STP")

        token = token_body("04RU0001", whitelist="ALLOWED")
        async with httpx.AsyncClient(timeout=10) as http:
            put = await http.put(
                f"{endpoints['tokens:RECEIVER']}/RU/EMS/04RU0001",
                params={"type": "RFID"},
                json=token,
                headers=emsp.headers(),
            )
            assert put.status_code == 200 and put.json()["status_code"] == 1000, put.text
            async with connect_v16(steppe.ocpp_url, STATION, PASSWORD, cls=ObedientCharger) as cp:
                await cp.call(
                    call.BootNotification(charge_point_model="DC60", charge_point_vendor="Test")
                )
                command = await http.post(
                    f"{endpoints['commands:RECEIVER']}/START_SESSION",
                    json={
                        "response_url": f"{emsp.url}/2.2.1/commands/START_SESSION/c1",
                        "token": token,
                        "location_id": STATION,
                        "evse_uid": f"{STATION}-1",
                        "authorization_reference": "AUTH-REF-1",
                    },
                    headers=emsp.headers(),
                )
                assert command.json()["data"]["result"] == "ACCEPTED", command.text
                remote = await cp.starts.get()
                assert remote["id_tag"] == "04RU0001" and remote["connector_id"] == 1
                result = await eventually(lambda: emsp.results.get("START_SESSION/c1"))
                assert result[0]["result"] == "ACCEPTED"

                start = await cp.call(
                    call.StartTransaction(
                        connector_id=1, id_tag="04RU0001", meter_start=1000, timestamp=at(0)
                    )
                )
                assert start.id_tag_info["status"] == "Accepted"
                session_id = str(start.transaction_id)
                session = await eventually(lambda: emsp.sessions.get(session_id))
                assert session["status"] == "ACTIVE"
                assert session["auth_method"] == "COMMAND"
                assert session["authorization_reference"] == "AUTH-REF-1"
                assert session["cdr_token"]["uid"] == "04RU0001"
                await cp.call(
                    call.MeterValues(
                        connector_id=1,
                        transaction_id=start.transaction_id,
                        meter_value=[
                            {
                                "timestamp": at(10),
                                "sampledValue": [
                                    {
                                        "value": "6000",
                                        "measurand": "Energy.Active.Import.Register",
                                        "unit": "Wh",
                                    }
                                ],
                            }
                        ],
                    )
                )
                await eventually(lambda: emsp.sessions[session_id]["kwh"] == 5.0)
                stop = await http.post(
                    f"{endpoints['commands:RECEIVER']}/STOP_SESSION",
                    json={
                        "response_url": f"{emsp.url}/2.2.1/commands/STOP_SESSION/c2",
                        "session_id": session_id,
                    },
                    headers=emsp.headers(),
                )
                assert stop.json()["data"]["result"] == "ACCEPTED", stop.text
                assert (await cp.stops.get())["transaction_id"] == start.transaction_id
                stopped = await eventually(lambda: emsp.results.get("STOP_SESSION/c2"))
                assert stopped[0]["result"] == "ACCEPTED"
                await cp.call(
                    call.StopTransaction(
                        meter_stop=11000,
                        timestamp=at(20),
                        transaction_id=start.transaction_id,
                        reason="Remote",
                    )
                )
                cdr = await eventually(lambda: next(iter(emsp.cdrs.values()), None))
        await eventually(lambda: emsp.sessions[session_id]["status"] == "COMPLETED")

    billed = (await api.get("/api/v1/cdrs", params={"station_id": STATION})).json()["items"][0]
    assert cdr["id"] == billed["id"] and cdr["currency"] == "KZT"
    assert Decimal(str(cdr["total_cost"]["excl_vat"])) == Decimal(billed["total_cost"]["excl_vat"])
    assert Decimal(str(cdr["total_cost"]["incl_vat"])) == Decimal("928.00")  # 10 kWh x 80 + 16 %
    assert cdr["total_energy"] == 10.0
    assert emsp.cdr_posts == {cdr["id"]: 1}
    assert emsp.session_puts[session_id] == 1
    assert emsp.sessions[session_id]["total_cost"]["incl_vat"] == 928.0
    assert emsp.problems == []
    tx = (await api.get(f"/api/v1/transactions/{session_id}")).json()
    assert tx["roaming_partner_id"] == partner["id"]


async def test_a_roaming_charge_on_a_201_charger(steppe: Steppe, api: httpx.AsyncClient) -> None:
    """A partner's token on an OCPP 2.0.1 charger: the session is PUT at Started, PATCHed with
    the energy of each Updated, COMPLETED at Ended, and its CDR POSTed once."""
    await station_with_tariff(api)
    partner = (await api.post("/api/v1/ocpi/partners", json={"name": "RU"})).json()
    async with StrictEmsp().serving() as emsp:
        endpoints = await emsp.register(partner["versions_url"], partner["token_a"])
        async with httpx.AsyncClient(timeout=10) as http:
            put = await http.put(
                f"{endpoints['tokens:RECEIVER']}/RU/EMS/04RU0201",
                json=token_body("04RU0201"),
                headers=emsp.headers(),
            )
            assert put.json()["status_code"] == 1000
        token = {"idToken": "04RU0201", "type": "ISO14443"}
        async with connect_v201(steppe.ocpp_url, STATION, PASSWORD) as cp:
            await v201.boot(cp)
            started = await cp.call(
                v201.event(
                    "Started",
                    "tx-201",
                    0,
                    0,
                    trigger="Authorized",
                    id_token=token,
                    evse={"id": 2, "connectorId": 1},
                    meter=[v201.register_value(0, 500, "Transaction.Begin")],
                )
            )
            assert started.id_token_info["status"] == "Accepted"
            tx = await v201.transaction(api, "tx-201", STATION)
            assert tx["roaming_partner_id"] == partner["id"]
            await eventually(lambda: emsp.sessions)
            (session_id,) = emsp.sessions
            assert emsp.sessions[session_id]["evse_uid"] == f"{STATION}-2"
            await cp.call(
                v201.event(
                    "Updated",
                    "tx-201",
                    1,
                    10,
                    meter=[v201.register_value(10, 4500, "Sample.Periodic")],
                )
            )
            await eventually(lambda: emsp.sessions[session_id]["kwh"] == 4.0)
            await cp.call(
                v201.event(
                    "Ended",
                    "tx-201",
                    2,
                    20,
                    trigger="StopAuthorized",
                    stoppedReason="Local",
                    meter=[v201.register_value(20, 10500, "Transaction.End")],
                )
            )
            cdr = await eventually(lambda: next(iter(emsp.cdrs.values()), None))
        await eventually(lambda: emsp.sessions[session_id]["status"] == "COMPLETED")
    assert cdr["total_energy"] == 10.0 and cdr["total_cost"]["incl_vat"] == 928.0
    assert cdr["cdr_location"]["connector_standard"] == "IEC_62196_T2_COMBO"
    assert emsp.cdr_posts == {cdr["id"]: 1} and emsp.session_puts == {session_id: 1}
    assert emsp.problems == []
