"""Limits on a live server: failed-login lockout, connections per address, message rate,
handshake timeout; and the limit objects themselves on a fake clock."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import httpx
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus

from steppe.app import Steppe, running
from steppe.gateway.limits import (
    Admission,
    ControlFrames,
    ControlVerdict,
    Lockout,
    MessageThrottle,
    RepeatedLog,
    TokenBucket,
)
from tests.e2e.charger import basic_auth
from tests.gateway.rawclient import exchange, heartbeat_works, raw_station, register
from tests.gateway.test_handshake import refused_status


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def test_failed_logins_lock_out_even_the_right_password(
    make_steppe: Callable[..., Steppe], api_for: Callable[[Steppe], httpx.AsyncClient]
) -> None:
    """After N wrong passwords the station id (and address) gets 429 with Retry-After."""
    async with running(make_steppe(auth_lockout_failures=3, auth_lockout_seconds=30)) as app:
        async with api_for(app) as api:
            await register(api, "CP-LOCK")
        url = f"{app.ocpp_url}/CP-LOCK"
        for _ in range(3):
            status, _ = await refused_status(
                url,
                subprotocols=["ocpp1.6"],
                additional_headers=basic_auth("CP-LOCK", "guess-1234"),
            )
            assert status == 401
        with pytest.raises(InvalidStatus) as locked:
            async with raw_station(app.ocpp_url, "CP-LOCK"):
                pass
        response = locked.value.response
        assert response.status_code == 429
        assert 1 <= int(response.headers["Retry-After"]) <= 30


async def test_connections_per_address_are_capped(
    make_steppe: Callable[..., Steppe], api_for: Callable[[Steppe], httpx.AsyncClient]
) -> None:
    """With a cap of 2, a third connection from the same address is refused until one closes."""
    async with running(make_steppe(max_connections_per_ip=2)) as app:
        async with api_for(app) as api:
            await register(api, "CP-1", "CP-2", "CP-3")
        async with raw_station(app.ocpp_url, "CP-1"), raw_station(app.ocpp_url, "CP-2") as two:
            with pytest.raises(InvalidStatus) as refused:
                async with raw_station(app.ocpp_url, "CP-3"):
                    pass
            assert refused.value.response.status_code == 429
            assert await heartbeat_works(two)
        for _ in range(100):  # the server notices the closes a moment later
            if app.ocpp.connections.count("127.0.0.1") == 0:
                break
            await asyncio.sleep(0.02)
        async with raw_station(app.ocpp_url, "CP-3") as three:
            assert await heartbeat_works(three)


async def test_messages_past_the_rate_limit_are_refused_then_the_station_is_closed(
    make_steppe: Callable[..., Steppe], api_for: Callable[[Steppe], httpx.AsyncClient]
) -> None:
    """Past its burst a station's calls get GenericError; one that keeps pushing is closed (1008)
    while another station carries on."""
    async with running(make_steppe(max_messages_per_second=0.2, message_burst=3)) as app:
        async with api_for(app) as api:
            await register(api, "CP-FLOOD", "CP-CALM")
        async with raw_station(app.ocpp_url, "CP-CALM") as calm:
            async with raw_station(app.ocpp_url, "CP-FLOOD") as flood:
                # The boot took one token; two more heartbeats fit in the burst.
                assert await heartbeat_works(flood, "a")
                assert await heartbeat_works(flood, "b")
                answer = await exchange(flood, '[2,"c","Heartbeat",{}]')
                assert answer[:3] == [4, "c", "GenericError"]
                assert "rate limit" in answer[3]
                with pytest.raises(ConnectionClosed) as closed:
                    for n in range(10):
                        await exchange(flood, f'[2,"x{n}","Heartbeat",{{}}]')
                assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008
            assert await heartbeat_works(calm)


async def test_a_silent_client_is_dropped_after_the_handshake_timeout(
    make_steppe: Callable[..., Steppe],
) -> None:
    """A TCP client that never sends its HTTP upgrade is disconnected by the server."""
    async with running(make_steppe(handshake_timeout=0.3)) as app:
        reader, writer = await asyncio.open_connection("127.0.0.1", app.ocpp_port)
        try:
            assert await asyncio.wait_for(reader.read(), 10) == b""
        finally:
            writer.close()
            await writer.wait_closed()


def test_token_bucket_refills_at_its_rate() -> None:
    """A bucket of 2 at 1/s: two at once, then one per second."""
    clock = FakeClock()
    bucket = TokenBucket(1.0, 2, clock=clock)
    assert [bucket.take() for _ in range(3)] == [True, True, False]
    clock.now += 1.0
    assert [bucket.take() for _ in range(2)] == [True, False]


def test_throttle_closes_only_after_a_burst_of_refusals() -> None:
    """Refusals turn into a close after `burst` more; any admitted message resets the count."""
    clock = FakeClock()
    throttle = MessageThrottle(1.0, 2, clock=clock)
    assert [throttle.admit() for _ in range(2)] == [Admission.ALLOW] * 2
    assert [throttle.admit() for _ in range(3)] == [Admission.REFUSE] * 2 + [Admission.CLOSE]
    clock.now += 1.0
    assert throttle.admit() is Admission.ALLOW
    assert throttle.admit() is Admission.REFUSE


def test_lockout_expires_and_a_success_clears_the_station() -> None:
    """Locked after N failures within the window, open again after it; success resets."""
    clock = FakeClock()
    lockout = Lockout(3, 60.0, clock=clock)
    lockout.failed(["station:A"])
    lockout.failed(["station:A"])
    lockout.succeeded(["station:A"])
    lockout.failed(["station:A"])
    assert lockout.retry_after(["station:A"]) is None
    lockout.failed(["station:A", "ip:1"])
    lockout.failed(["station:A", "ip:1"])
    assert lockout.retry_after(["station:A"]) == pytest.approx(60.0)
    assert lockout.retry_after(["station:B", "ip:1"]) is None  # ip:1 has 2 failures only
    clock.now += 61
    assert lockout.retry_after(["station:A"]) is None


def test_attempts_under_way_count_towards_the_lockout() -> None:
    """Three attempts begun and not ended fill a limit of 3: a fourth waits; a failure among
    them counts once, a success clears the key."""
    clock = FakeClock()
    lockout = Lockout(3, 60.0, clock=clock)
    for _ in range(3):
        assert lockout.retry_after(["pair"]) is None
        lockout.begin(["pair"])
    assert lockout.retry_after(["pair"]) == pytest.approx(1.0)
    lockout.end(["pair"])
    lockout.failed(["pair"])
    assert lockout.retry_after(["pair"]) == pytest.approx(1.0)  # 1 failed + 2 under way
    lockout.end(["pair"])
    lockout.succeeded(["pair"])
    assert lockout.retry_after(["pair"]) is None


def test_control_frames_past_their_rate_fail_and_pings_to_a_deaf_client_are_dropped() -> None:
    """A ping while the write buffer is full gets no pong; past the burst the connection fails."""
    clock = FakeClock()
    controls = ControlFrames(1.0, 3, clock=clock)
    assert controls.admit(ping=True, writing_paused=False) is ControlVerdict.ANSWER
    assert controls.admit(ping=True, writing_paused=True) is ControlVerdict.DROP
    assert controls.admit(ping=False, writing_paused=True) is ControlVerdict.ANSWER  # a pong
    assert controls.admit(ping=True, writing_paused=False) is ControlVerdict.FAIL
    clock.now += 1.0
    assert controls.admit(ping=True, writing_paused=False) is ControlVerdict.ANSWER


def test_a_repeated_line_is_written_once_per_interval_with_the_count_left_out(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = FakeClock()
    logger = logging.getLogger("steppe.test.repeated")
    repeated = RepeatedLog(logger, logging.WARNING, every=60.0, clock=clock)
    with caplog.at_level(logging.WARNING, logger="steppe.test.repeated"):
        for n in range(100):
            repeated("frame %d ignored", n)
        clock.now += 60.0
        repeated("frame %d ignored", 100)
    assert [r.getMessage() for r in caplog.records] == [
        "frame 0 ignored",
        "frame 100 ignored (99 more like it in the last 60 s not logged)",
    ]
