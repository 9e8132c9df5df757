"""Charging profiles sent again to a station that comes back.

A station that reboots, or reconnects after a power cut, may have lost the profiles Steppe set
on it (many keep them only in memory). When a station boots or connects, every profile Steppe
set on it and that it had accepted, or that never got an answer, is sent again (the
`set-charging-profile` or `set-charging-limit` command, audited as `steppe:profiles`). Sending a
profile with the same id replaces it, so a station that kept its profiles is not harmed. A
TxProfile is not sent again: it belonged to a transaction that may be over; nor are the
profiles of site load management (`LOAD_PROFILES`), which sends them again itself. A station
that boots right after it connected is served once.
"""

from __future__ import annotations

import logging
import time
from decimal import Decimal

from steppe.domain.charging_profiles.service import (
    ACCEPTED,
    CSMS,
    FAILED,
    ChargingProfileService,
    StoredProfile,
)
from steppe.domain.commands.models import CommandParams, SetChargingLimit, SetChargingProfile
from steppe.domain.commands.service import CommandService
from steppe.domain.events import EventBus, EventType
from steppe.domain.ports import CommandSender
from steppe.errors import SteppeError

log = logging.getLogger("steppe.domain")
ACTOR = "steppe:profiles"
# The profile ids site load management uses (domain/smart_charging/manager.py): its station
# default, and a TxProfile per EVSE.
LOAD_PROFILES = range(1_900_000_000, 1_900_001_001)
AGAIN_AFTER = 10.0  # seconds: a boot right after a connection is the same return
WANTED = frozenset({EventType.STATION_BOOTED.value, EventType.STATION_CONNECTED.value})


def _shape_version(profile: dict[str, object]) -> str:
    return "1.6" if "chargingProfileId" in profile else "2.0.1"


def command_for(stored: StoredProfile, version: str | None) -> tuple[str, CommandParams] | None:
    """The command that sets this stored profile again on a station speaking `version`."""
    body = stored.profile
    if stored.purpose == "TxProfile" or stored.profile_id in LOAD_PROFILES:
        return None
    if "limit" in body:  # the neutral form: each version writes it in its own shape
        params = SetChargingLimit(
            evse_id=stored.evse_id,
            profile_id=stored.profile_id,
            limit_a=Decimal(str(body["limit"])),
            number_phases=body.get("numberPhases"),
            purpose=body["chargingProfilePurpose"],
            stack_level=stored.stack_level or 0,
        )
        return "set-charging-limit", params
    if version != _shape_version(body):
        return None  # written for the other version: the station switched, the operator must
    return "set-charging-profile", SetChargingProfile(evse_id=stored.evse_id, profile=body)


class ProfileRestorer:
    def __init__(
        self,
        profiles: ChargingProfileService,
        commands: CommandService,
        connections: CommandSender,
        bus: EventBus,
    ) -> None:
        self._profiles = profiles
        self._commands = commands
        self._connections = connections
        self._bus = bus
        self._connected: dict[str, float] = {}  # when each station last connected

    async def run(self) -> None:
        """Until cancelled: restore the profiles of each station that connects, or boots
        other than right after connecting."""
        async with self._bus.subscribe(wants=WANTED.__contains__) as events:
            while True:
                event = await events.queue.get()
                station_id = event.station_id
                if station_id is None:
                    continue
                now = time.monotonic()
                if event.type is EventType.STATION_CONNECTED:
                    self._connected[station_id] = now
                elif now - self._connected.get(station_id, -AGAIN_AFTER) < AGAIN_AFTER:
                    continue  # the boot of a connection just served
                try:
                    await self.restore(station_id)
                except Exception:  # a failure never stops the worker
                    log.exception("[%s] charging profiles not restored", station_id)

    async def restore(self, station_id: str) -> int:
        """Send the station's profiles again; how many it accepted."""
        stored = await self._profiles.profiles(station_id, source=CSMS)
        version = self._connections.version_of(station_id)
        accepted = 0
        for profile in stored:
            if profile.status not in (ACCEPTED, FAILED):
                continue
            command = command_for(profile, version)
            if command is None:
                continue
            if not self._connections.is_connected(station_id):
                break
            try:
                result = await self._commands.send(ACTOR, station_id, *command)
            except SteppeError as exc:
                log.info("[%s] profile %d not restored: %s", station_id, profile.profile_id, exc)
                continue
            accepted += result.status == ACCEPTED
        return accepted
