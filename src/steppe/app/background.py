"""Background work of a running instance that belongs to no single part: closing transactions
that went silent, recording when stations were last seen, and the demo's simulated chargers."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from steppe.app.parts import Steppe

log = logging.getLogger("steppe")


async def close_stale_transactions(steppe: Steppe) -> None:
    """Every `stale_check_interval`, close transactions silent for `stale_transaction_after`."""
    after = steppe.settings.stale_transaction_after
    if after <= 0:
        return
    while True:
        await asyncio.sleep(steppe.settings.stale_check_interval)
        try:
            closed = await steppe.services.transactions.close_stale(
                older_than=timedelta(seconds=after)
            )
        except Exception:  # the next round tries again; a database outage must not stop the server
            log.exception("closing stale transactions failed")
            continue
        if closed:
            log.warning("closed %d stale transactions: %s", len(closed), ", ".join(closed[:20]))


async def record_presence(steppe: Steppe) -> None:
    """Every `last_seen_interval`, store when each station heard from since was last seen."""
    while True:
        await asyncio.sleep(steppe.settings.last_seen_interval)
        try:
            await steppe.services.stations.record_presence()
        except Exception as exc:  # an outage: the next round writes a later time anyway
            log.warning("last_seen_at not recorded: %s", exc)


async def expire_reservations(steppe: Steppe) -> None:
    """Every `reservation_check_interval`, end the reservations whose expiry has passed."""
    while True:
        await asyncio.sleep(steppe.settings.reservation_check_interval)
        try:
            await steppe.services.reservations.expire_due()
        except Exception as exc:  # an outage: the next round finds them still due
            log.warning("expiring reservations failed: %s", exc)


async def run_demo(steppe: Steppe) -> None:
    """Simulated chargers against this server (`--demo`); a failure never stops the server."""
    from steppe.simulator import demo

    host = steppe.settings.host
    local = "127.0.0.1" if host in ("0.0.0.0", "") else ("::1" if host == "::" else host)
    url = f"ws://{local}:{steppe.ocpp_port}/ocpp"
    versions = {v.value for v in steppe.ocpp.dispatcher.versions}
    try:
        report = await demo.run(steppe.services, url, steppe.settings.demo_stations, versions)
    except Exception:
        log.exception("the demo chargers stopped")
        return
    log.info("demo finished: %s", report.summary())
