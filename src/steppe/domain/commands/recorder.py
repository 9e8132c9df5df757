"""A base for the services that keep state only from a command's answer (the station's
display messages, monitors, the profiles Steppe set): nothing to do before the call leaves or
when it fails, so only `record`, called with the answer, is theirs to write (`CommandRecorder`
in `service.py` is the whole protocol)."""

from __future__ import annotations

from typing import Any

from steppe.domain.commands.models import CommandParams
from steppe.errors import SteppeError


class AnswerRecorder:
    async def sending(self, station_id: str, command: str, params: CommandParams) -> None:
        return None

    async def answered(
        self,
        station_id: str,
        command: str,
        params: CommandParams,
        status: str,
        response: dict[str, Any],
    ) -> None:
        await self.record(station_id, params, status, response)

    async def record(
        self, station_id: str, params: CommandParams, status: str, response: dict[str, Any]
    ) -> None:
        """Keep what the station's answer says it now holds."""
        raise NotImplementedError

    async def failed(
        self, station_id: str, command: str, params: CommandParams, error: SteppeError
    ) -> None:
        return None
