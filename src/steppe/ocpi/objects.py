"""What to send for a queued push: the object as it is now, and where and how to send it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from steppe.domain.roaming import ids
from steppe.domain.roaming.catalogue import Site
from steppe.domain.roaming.models import InterfaceRole, Module, OutboxItem, Partner
from steppe.domain.services import Services
from steppe.errors import NotFound
from steppe.ocpi import mapping
from steppe.ocpi.sender import session_object


@dataclass(frozen=True, slots=True)
class Push:
    method: str
    url: str
    body: Any


class ObjectSource:
    def __init__(self, services: Services, party: mapping.Party) -> None:
        self._services = services
        self._party = party

    async def prefetch(self, items: Sequence[OutboxItem]) -> dict[str, Site]:
        """The locations a round of pushes needs, read at once (EVSE status pushes come in
        hundreds)."""
        wanted = [i.object_id.partition("/")[0] for i in items if i.module is Module.LOCATIONS]
        if not wanted:
            return {}
        return await self._services.roaming.catalogue.sites_of(wanted)

    def _base(self, partner: Partner, module: Module) -> str | None:
        url = partner.endpoint(module, InterfaceRole.RECEIVER)
        if url is None:
            return None
        return f"{url.rstrip('/')}/{self._party.country_code}/{self._party.party_id}"

    async def push_of(
        self, partner: Partner, item: OutboxItem, sites: Mapping[str, Site] | None = None
    ) -> Push | None:
        """The request that delivers `item`; None when there is nothing (left) to send.
        `sites` are locations already read for this round."""
        if item.module is Module.COMMAND_RESULT:
            return Push("POST", item.object_id, item.payload)
        if item.module is Module.SESSIONS:
            return await self._session(partner, item)
        if item.module is Module.CDRS:
            return await self._cdr(partner, item)
        if item.module is Module.LOCATIONS:
            return await self._location(partner, item, sites)
        if item.module is Module.TARIFFS:
            return await self._tariff(partner, item)
        return None

    async def _session(self, partner: Partner, item: OutboxItem) -> Push | None:
        base = self._base(partner, Module.SESSIONS)
        pk = ids.transaction_pk(item.object_id)
        rs = None if pk is None else await self._services.roaming.catalogue.session(pk)
        if base is None or rs is None or rs.partner_id != partner.id:
            return None
        full = await session_object(self._services, rs, self._party)
        url = f"{base}/{item.object_id}"
        if item.full:
            return Push("PUT", url, full)
        return Push("PATCH", url, mapping.session_patch(full))

    async def _cdr(self, partner: Partner, item: OutboxItem) -> Push | None:
        url = partner.endpoint(Module.CDRS, InterfaceRole.RECEIVER)
        catalogue = self._services.roaming.catalogue
        cdr = await catalogue.cdr(item.object_id)
        if url is None or cdr is None:
            return None
        rs = await catalogue.session(cdr.transaction_pk)
        if rs is None or rs.partner_id != partner.id:
            return None
        site = await catalogue.site(rs.transaction.station_id)
        return Push("POST", url, mapping.cdr_json(cdr, rs, site, self._party))

    async def _location(
        self, partner: Partner, item: OutboxItem, sites: Mapping[str, Site] | None
    ) -> Push | None:
        base = self._base(partner, Module.LOCATIONS)
        location, _, evse_uid = item.object_id.partition("/")
        if sites is not None:
            site = sites.get(location)
        else:
            site = await self._services.roaming.catalogue.site(location)
        if base is None or site is None:
            return None
        if item.full or not evse_uid:
            return Push("PUT", f"{base}/{location}", mapping.location_json(site, self._party))
        evse = ids.evse_number(evse_uid)
        if evse is None:
            return None
        return Push("PATCH", f"{base}/{location}/{evse_uid}", mapping.evse_patch(site, evse))

    async def _tariff(self, partner: Partner, item: OutboxItem) -> Push | None:
        base = self._base(partner, Module.TARIFFS)
        if base is None:
            return None
        url = f"{base}/{item.object_id}"
        try:
            tariff = await self._services.tariffs.get(item.object_id)
        except NotFound:
            return Push("DELETE", url, None)
        return Push("PUT", url, mapping.tariff_json(tariff, self._party))
