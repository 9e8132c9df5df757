"""The OCPP handshake under attack: a burst of wrong passwords sent at once, a burst that would
keep new stations waiting behind it, made-up ids used to lock a real station out, station ids
told apart by the work their refusal costs, and strangers registering themselves in bulk."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx

from steppe.app import Steppe, running
from tests.gateway.rawclient import PASSWORD, register
from tests.security.ocpp_raw import handshake_status

NAT = "127.0.0.1"  # the address an attacker shares with real stations
ELSEWHERE = "127.0.0.2"


async def test_a_burst_of_wrong_passwords_at_once_gets_no_further_than_one_by_one(
    make_steppe: Callable[..., Steppe], api_for: Callable[[Steppe], httpx.AsyncClient]
) -> None:
    """200 handshakes sent at once, the right password 196th: the ten the lockout allows are
    checked, the rest are refused with 429 before any check, and the right one is among them."""
    async with running(make_steppe()) as app:
        async with api_for(app) as api:
            await register(api, "CP-BURST")
        verifier = app.services.stations.verifier
        before = verifier.hashes
        passwords = [f"guess-{n:04d}-wrong" for n in range(200)]
        passwords[195] = PASSWORD
        answers = await asyncio.gather(
            *(handshake_status(app.ocpp_port, "CP-BURST", p) for p in passwords)
        )
        statuses = [status for status, _ in answers]
        assert statuses[195] == 429
        assert statuses.count(401) == 10 and statuses.count(429) == 190
        assert all("retry-after" in headers for status, headers in answers if status == 429)
        assert verifier.hashes - before == 10


async def test_a_burst_from_one_address_does_not_hold_up_a_station_elsewhere(
    make_steppe: Callable[..., Steppe], api_for: Callable[[Steppe], httpx.AsyncClient]
) -> None:
    """150 made-up ids with their own passwords from one address at once: 100 wait for a hash,
    the rest get 503 at once; a new station from another address is checked in one of the next
    turns, not behind the whole queue."""
    settings = {"password_hash_cost": 13, "auth_queued_checks_per_ip": 100}
    async with running(make_steppe(**settings)) as app:
        async with api_for(app) as api:
            await register(api, "CP-NEWCOMER")
        verifier = app.services.stations.verifier
        finished: list[int] = []

        async def attacker(n: int) -> int:
            status, _ = await handshake_status(app.ocpp_port, f"MADE-UP-{n}", f"guess-{n}-pw")
            finished.append(status)
            return status

        burst = [asyncio.create_task(attacker(n)) for n in range(150)]
        try:
            async with asyncio.timeout(20):
                while verifier.waiting < 90 and len(finished) < 150:
                    await asyncio.sleep(0.005)
            status, _ = await handshake_status(
                app.ocpp_port, "CP-NEWCOMER", PASSWORD, source=ELSEWHERE
            )
            checked_before_it = sum(1 for s in finished if s == 401)
            statuses = await asyncio.gather(*burst)
        finally:
            for task in burst:
                task.cancel()
        assert status == 101
        assert statuses.count(401) + statuses.count(503) == 150
        assert statuses.count(503) >= 20  # past the 100 an address may have waiting
        # Of the ~100 waiting when it arrived, a few are checked while it connects and is read;
        # in arrival order it would come after all of them.
        assert checked_before_it < 40


async def test_made_up_ids_cannot_lock_a_real_station_out(
    make_steppe: Callable[..., Steppe], api_for: Callable[[Steppe], httpx.AsyncClient]
) -> None:
    """Behind a shared address, 30 made-up ids and 15 wrong passwords for the real station's id
    from elsewhere: the real station still logs in from its address; from the attacker's
    address a known id and an unknown one now get the same 429."""
    async with running(make_steppe()) as app:
        async with api_for(app) as api:
            await register(api, "CP-REAL", "CP-QUIET")
        port = app.ocpp_port
        assert (await handshake_status(port, "CP-REAL", PASSWORD, source=NAT))[0] == 101
        for n in range(30):
            status, _ = await handshake_status(port, f"NOBODY-{n}", "made-up-password", source=NAT)
            assert status in (401, 429)
        for n in range(15):
            status, _ = await handshake_status(port, "CP-REAL", f"wrong-{n}-pw", source=ELSEWHERE)
            assert status in (401, 429)
        assert (await handshake_status(port, "CP-REAL", PASSWORD, source=NAT))[0] == 101
        assert (await handshake_status(port, "CP-REAL", PASSWORD, source=ELSEWHERE))[0] == 429
        unknown = await handshake_status(port, "NOBODY-X", "made-up-password", source=NAT)
        known = await handshake_status(port, "CP-QUIET", "made-up-password", source=NAT)
        assert unknown[0] == known[0] == 429


async def test_an_unknown_id_costs_the_same_hash_as_a_wrong_password(
    make_steppe: Callable[..., Steppe], api_for: Callable[[Steppe], httpx.AsyncClient]
) -> None:
    """Refusing an unregistered id, a wrong password and a missing one each costs one hash: the
    time of the answer does not tell which ids exist."""
    async with running(make_steppe()) as app:
        async with api_for(app) as api:
            await register(api, "CP-KNOWN")
        verifier = app.services.stations.verifier
        cases = [("CP-KNOWN", "wrong-password-1"), ("CP-UNKNOWN", "wrong-password-1")]
        cases += [("CP-KNOWN", None), ("CP-UNKNOWN", None)]
        for station_id, password in cases:
            before = verifier.hashes
            status, _ = await handshake_status(app.ocpp_port, station_id, password)
            assert status == 401
            assert verifier.hashes - before == 1, (station_id, password)


async def test_strangers_register_at_a_bounded_rate(
    make_steppe: Callable[..., Steppe], api_for: Callable[[Steppe], httpx.AsyncClient]
) -> None:
    """With unknown stations accepted, 30 made-up ids from one address make 10 pending stations
    (then 429 with Retry-After), and all addresses together stop at the pending ceiling."""
    settings = {"accept_unknown_stations": True, "max_pending_stations": 15}
    async with running(make_steppe(**settings)) as app:
        port = app.ocpp_port
        here = [await handshake_status(port, f"NEW-A{n}", "first-password-1") for n in range(30)]
        assert [status for status, _ in here] == [101] * 10 + [429] * 20
        assert all(1 <= int(headers["retry-after"]) <= 60 for _, headers in here[10:])
        there = [
            (await handshake_status(port, f"NEW-B{n}", "first-password-1", source=ELSEWHERE))[0]
            for n in range(10)
        ]
        assert there == [101] * 5 + [429] * 5
        async with api_for(app) as api:
            listed = (await api.get("/api/v1/stations", params={"limit": 100})).json()
        assert len(listed["items"] if isinstance(listed, dict) else listed) == 15


async def test_of_two_first_connections_the_first_committed_password_wins(
    make_steppe: Callable[..., Steppe],
) -> None:
    """Two first connections of one new id at the same moment, with different passwords: one is
    let in and its password is the station's; the other is refused, now and later."""
    async with running(make_steppe(accept_unknown_stations=True)) as app:
        port = app.ocpp_port
        answers = await asyncio.gather(
            handshake_status(port, "CP-TWIN", "password-of-one-1"),
            handshake_status(port, "CP-TWIN", "password-of-two-2"),
        )
        statuses = sorted(status for status, _ in answers)
        assert statuses == [101, 401]
        winner = ("password-of-one-1", "password-of-two-2")[[s for s, _ in answers].index(101)]
        loser = ({"password-of-one-1", "password-of-two-2"} - {winner}).pop()
        assert (await handshake_status(port, "CP-TWIN", winner))[0] == 101
        assert (await handshake_status(port, "CP-TWIN", loser))[0] == 401
