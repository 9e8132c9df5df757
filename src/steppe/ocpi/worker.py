"""The push worker: sends each partner's queued pushes, in order per object, with back-off.

One loop per registered partner, so a partner that is down or slow only delays itself. A loop
reads the partner's due rows (oldest change first), groups them by object family (a session
and its CDR, a location and its EVSEs) and sends up to `PARALLEL` groups at once, one row at a
time within a group; a row that fails stops its group for this round and is due again after a
growing pause (1 s, 2 s, 5 s, 15 s, 1 min, 5 min, then every 15 min). A partner that cannot be
reached at all pauses its whole loop likewise. Delivered rows leave the outbox in one commit
per round, unless their object changed meanwhile (then the newer state is sent next).

What is sent twice after a crash (sent, then killed before the row was removed) is harmless
to a receiver that keys objects as OCPI says: locations, tariffs and sessions are PUT or
PATCHed by id, a CDR is POSTed with the same unique id, and a command result carries the same
result for the same command.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace

from steppe.domain.roaming.catalogue import Site
from steppe.domain.roaming.models import (
    LinkFailed,
    Module,
    OcpiRequest,
    OutboxItem,
    Partner,
    PartnerLink,
)
from steppe.domain.services import Services
from steppe.ocpi.objects import ObjectSource

log = logging.getLogger("steppe.ocpi")
PAGE = 500
PARALLEL = 8
MERGE_AT = 2  # queued changes of one location sent as one PUT of the whole location
IDLE_POLL_S = 0.5
PARTNER_PAUSE_S = (1.0, 2.0, 5.0, 15.0, 60.0)
SCAN_S = 2.0


class PushWorker:
    def __init__(self, services: Services, link: PartnerLink, objects: ObjectSource) -> None:
        self._services = services
        self._link = link
        self._objects = objects
        self.sent = 0
        self.failed = 0

    async def run(self) -> None:
        """Start a loop for every registered partner (and for partners registered later)."""
        partners = self._services.roaming.partners
        loops: dict[str, asyncio.Task[None]] = {}
        async with asyncio.TaskGroup() as group:
            while True:
                current = {p.id for p in partners.registered()}
                for partner_id in current - loops.keys():
                    loops[partner_id] = group.create_task(self._partner_loop(partner_id))
                for partner_id in set(loops) - current:
                    loops.pop(partner_id).cancel()
                await asyncio.sleep(SCAN_S)

    async def _partner_loop(self, partner_id: str) -> None:
        outbox = self._services.roaming.outbox
        outages = 0
        while True:
            partner = self._services.roaming.partners.cached(partner_id)
            if partner is None:
                return
            try:
                due = await outbox.due(partner_id, PAGE)
                if not due:
                    outbox.wake.clear()
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(IDLE_POLL_S):
                            await outbox.wake.wait()
                    continue
                reachable = await self.round(partner, due)
            except Exception:
                log.exception("partner %s: the push round failed", partner_id)
                reachable = False
            if reachable:
                outages = 0
                continue
            await asyncio.sleep(PARTNER_PAUSE_S[min(outages, len(PARTNER_PAUSE_S) - 1)])
            outages += 1

    async def round(self, partner: Partner, due: Sequence[OutboxItem]) -> bool:
        """Send one page of due rows; False when the partner could not be reached at all."""
        groups: dict[str, list[OutboxItem]] = {}
        for item in due:
            groups.setdefault(item.group_key, []).append(item)
        sent: list[OutboxItem] = []
        failed: list[tuple[OutboxItem, str]] = []
        unreachable = [0]
        limit = asyncio.Semaphore(PARALLEL)
        sites = await self._objects.prefetch(due)

        async def send_group(items: list[OutboxItem]) -> None:
            async with limit:
                if len(items) >= MERGE_AT and all(i.module is Module.LOCATIONS for i in items):
                    # several changes of one location: one PUT of it as it is now covers them
                    whole = replace(items[-1], object_id=items[-1].group_key[2:], full=True)
                    error = await self._send(partner, whole, sites)
                    if error is None:
                        sent.extend(items)
                    else:
                        unreachable[0] += error.startswith("unreachable")
                        failed.append((items[0], error))
                        failed.extend((i, "waiting for an earlier push") for i in items[1:])
                    return
                for index, item in enumerate(items):
                    error = await self._send(partner, item, sites)
                    if error is None:
                        sent.append(item)
                        continue
                    if error.startswith("unreachable"):
                        unreachable[0] += 1
                    failed.append((item, error))
                    # the rest of the group waits: order per object is kept
                    failed.extend(
                        (later, "waiting for an earlier push") for later in items[index + 1 :]
                    )
                    return

        async with asyncio.TaskGroup() as group:
            for items in groups.values():
                group.create_task(send_group(items))
        await self._services.roaming.outbox.settle(sent, failed)
        self.sent += len(sent)
        self.failed += len(failed)
        errors = [e for _, e in failed if e != "waiting for an earlier push"]
        if errors or sent:
            with contextlib.suppress(Exception):  # health is shown, never in the way
                await self._services.roaming.partners.record_health(
                    partner.id, error=errors[-1] if errors else None
                )
        return not (unreachable[0] and not sent)

    async def _send(
        self, partner: Partner, item: OutboxItem, sites: Mapping[str, Site]
    ) -> str | None:
        """None when delivered (or nothing is left to deliver); else why not."""
        try:
            push = await self._objects.push_of(partner, item, sites)
        except Exception as exc:
            log.exception(
                "partner %s: %s %s could not be built", partner.id, item.module, item.object_id
            )
            return f"not built: {exc}"[:300]
        if push is None:
            return None  # the object is gone or the partner takes no such push
        if partner.token_out is None:
            return "no token to call the partner with"
        try:
            answer = await self._link.call(
                OcpiRequest(
                    push.method,
                    push.url,
                    partner.token_out,
                    raw_token=partner.raw_token,
                    body=push.body,
                    to_party=_party(partner),
                )
            )
        except LinkFailed as exc:
            return f"unreachable: {exc}"[:300]
        if answer.ok:
            return None
        if push.method == "PATCH" and answer.http_status == 404 and not item.full:
            # the partner does not know the object (it never pulled it): send it whole
            return await self._send(partner, replace(item, full=True), sites)
        return (
            f"refused: HTTP {answer.http_status}, OCPI {answer.status_code}"
            f" {answer.status_message or ''}"
        ).strip()[:300]


def _party(partner: Partner) -> tuple[str, str] | None:
    parties = partner.parties
    return (parties[0].country_code, parties[0].party_id) if parties else None
