"""Partners and the credentials handshake, in both directions (OCPI 2.2.1 credentials module).

A partner registers with us: an operator creates it and hands over its token A; the partner
POSTs its credentials (its token B and versions URL) with token A; we read its versions and
endpoints with token B and answer with token C, which it calls us with from then on. Or we
register with a partner that gave us its token A: we read its versions and endpoints, POST our
credentials (token B, ours to check) and keep the token C it answers with. Either side may later
renew: the partner with a PUT to us, we with a PUT to it (`renew`), each giving the other a new
token and taking the one it answers with.

Tokens we check are stored as SHA-256 digests; the token we call a partner with is kept as is.
"""

from __future__ import annotations

import builtins
import json
import logging
import secrets
import uuid
from collections.abc import Sequence
from typing import Any

from steppe.domain.ports import Cached, Changes, Clock, NoOtherNodes
from steppe.domain.roaming.models import (
    OCPI_VERSION,
    Answer,
    Identity,
    InterfaceRole,
    LinkFailed,
    Module,
    OcpiRequest,
    Partner,
    PartnerLink,
    PartnerState,
    find_endpoint,
)
from steppe.domain.secrets import digest
from steppe.errors import Conflict, InvalidInput, NotFound
from steppe.storage.db import Database
from steppe.storage.repositories import ocpi_outbox as outbox_repo
from steppe.storage.repositories import ocpi_partners as repo
from steppe.types import JsonObject

log = logging.getLogger("steppe.ocpi")
ROLES = frozenset({"CPO", "EMSP", "HUB", "NAP", "NSP", "OTHER", "SCSP"})


def new_token() -> str:
    return secrets.token_urlsafe(32)


class PartnerService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        link: PartnerLink,
        identity: Identity,
        *,
        changes: Changes | None = None,
    ) -> None:
        self._changes = changes or NoOtherNodes()
        self._db = db
        self._clock = clock
        self._link = link
        self.identity = identity
        # Registered partners, for the pushes queued inside commits (which may not read).
        self._registered: dict[str, Partner] = {}

    # --- the operator's side ---------------------------------------------------------------

    async def create(self, name: str, *, raw_token: bool = False) -> tuple[Partner, str]:
        """A partner to be registered; its token A, shown once."""
        token_a = new_token()
        now = self._clock.now()
        values = {
            "id": uuid.uuid4().hex,
            "name": name,
            "state": PartnerState.PENDING.value,
            "token_a_digest": digest(token_a),
            "raw_token": raw_token,
            "created_at": now,
            "updated_at": now,
        }
        async with self._db.begin() as conn:
            await repo.insert(conn, values)
        return await self.get(str(values["id"])), token_a

    async def get(self, partner_id: str) -> Partner:
        async with self._db.connect() as conn:
            row = await repo.get(conn, partner_id)
        if row is None:
            raise NotFound(f"partner {partner_id!r} does not exist")
        return Partner.from_row(row)

    async def list(self) -> builtins.list[Partner]:
        async with self._db.connect() as conn:
            rows = await repo.list_all(conn)
            queued = await repo.queue_sizes(conn)
        return [Partner.from_row(row, queued.get(row["id"], 0)) for row in rows]

    async def refresh(self) -> None:
        """Re-read the registered partners (at start and after every change)."""
        partners = await self.list()
        self._registered = {p.id: p for p in partners if p.state is PartnerState.REGISTERED}

    def registered(self) -> builtins.list[Partner]:
        return list(self._registered.values())

    def cached(self, partner_id: str) -> Partner | None:
        return self._registered.get(partner_id)

    async def by_token(self, token: str) -> tuple[Partner, bool] | None:
        """The partner calling with `token`, and whether that is its token A."""
        async with self._db.connect() as conn:
            row, is_token_a = await repo.by_token(conn, digest(token))
        if row is None:
            return None
        partner = Partner.from_row(row)
        if is_token_a and partner.state is not PartnerState.PENDING:
            return None
        return partner, is_token_a

    async def record_health(self, partner_id: str, *, error: str | None) -> None:
        now = self._clock.now()
        values: dict[str, Any] = (
            {"last_ok_at": now}
            if error is None
            else {"last_error_at": now, "last_error": error[:300]}
        )
        async with self._db.begin() as conn:
            await repo.update(conn, partner_id, values)

    # --- a hub's parties (hubclientinfo) ------------------------------------------------------

    async def put_client_info(
        self, partner: Partner, country_code: str, party_id: str, body: Any
    ) -> None:
        if not isinstance(body, dict):
            raise InvalidInput("client info: an object is expected")
        role, status = body.get("role"), body.get("status")
        if role not in ROLES:
            raise InvalidInput(f"role: one of {', '.join(sorted(ROLES))} is expected")
        if status not in ("CONNECTED", "OFFLINE", "PLANNED", "SUSPENDED"):
            raise InvalidInput("status: CONNECTED, OFFLINE, PLANNED or SUSPENDED is expected")
        if len(country_code) != 2 or len(party_id) != 3:
            raise InvalidInput("country_code and party_id: 2 and 3 characters are expected")
        values = {
            "country_code": country_code.upper(),
            "party_id": party_id.upper(),
            "partner_id": partner.id,
            "role": role,
            "status": status,
            "last_updated": self._clock.now(),
        }
        async with self._db.begin() as conn:
            await repo.put_client_info(conn, values)

    async def client_info(
        self, partner: Partner, country_code: str, party_id: str
    ) -> dict[str, Any] | None:
        async with self._db.connect() as conn:
            row = await repo.get_client_info(conn, country_code.upper(), party_id.upper())
        if row is None or row["partner_id"] != partner.id:
            return None
        return {
            "country_code": row["country_code"],
            "party_id": row["party_id"],
            "role": row["role"],
            "status": row["status"],
            "last_updated": row["last_updated"],
        }

    # --- a partner registers with us ---------------------------------------------------------

    async def register(
        self, partner: Partner, credentials: JsonObject, *, update: bool
    ) -> JsonObject:
        """POST (token A, `update` false) or PUT (token C, `update` true) of the partner's
        credentials: read its endpoints with its new token, answer ours with a new token."""
        if update and partner.state is not PartnerState.REGISTERED:
            raise Conflict("not registered: POST the credentials first")
        if not update and partner.state is PartnerState.REGISTERED:
            raise Conflict("already registered: PUT to update the credentials")
        token_b, url, roles = _parse_credentials(credentials)
        version, endpoints = await self._discover(url, token_b, partner.raw_token)
        token_c = new_token()
        await self._store(
            partner.id,
            token_in=token_c,
            token_out=token_b,
            url=url,
            version=version,
            endpoints=endpoints,
            roles=roles,
        )
        return self.identity.credentials(token_c)

    async def unregister(self, partner: Partner) -> None:
        """DELETE of the credentials: the partner's token stops working, its queue is dropped."""
        now = self._clock.now()
        async with self._db.begin() as conn:
            await repo.update(
                conn,
                partner.id,
                {
                    "state": PartnerState.UNREGISTERED.value,
                    "token_in_digest": None,
                    "token_out": None,
                    "updated_at": now,
                },
            )
            await outbox_repo.drop_partner(conn, partner.id)
        await self.refresh()
        self._changes.changed(Cached.PARTNERS)

    async def disconnect(self, partner_id: str) -> Partner:
        """End the registration from our side: tell the partner (DELETE of its credentials,
        best effort) and stop using and accepting its tokens."""
        partner = await self.get(partner_id)
        url = _credentials_url(partner.endpoints)
        if partner.state is PartnerState.REGISTERED and url and partner.token_out:
            try:
                await self._link.call(
                    OcpiRequest("DELETE", url, partner.token_out, raw_token=partner.raw_token)
                )
            except LinkFailed as exc:
                log.warning("partner %s was not told of its unregistration: %s", partner_id, exc)
        await self.unregister(partner)
        return await self.get(partner_id)

    # --- we register with a partner ----------------------------------------------------------

    async def connect(self, partner_id: str, versions_url: str, token_a: str) -> Partner:
        """Register with a partner that gave us its versions URL and token A."""
        partner = await self.get(partner_id)
        if partner.state is PartnerState.REGISTERED:
            raise Conflict(f"partner {partner_id!r} is already registered")
        version, endpoints = await self._discover(versions_url, token_a, partner.raw_token)
        token_b = new_token()
        answer = await self._send_ours("POST", partner, endpoints, token_a, token_b)
        _require_ok(answer, "credentials")
        token_c, _, roles = _parse_credentials(answer.data)
        await self._store(
            partner.id,
            token_in=token_b,
            token_out=token_c,
            url=versions_url,
            version=version,
            endpoints=endpoints,
            roles=roles,
        )
        return await self.get(partner.id)

    async def renew(self, partner_id: str) -> Partner:
        """Give a registered partner a new token to call us with: PUT our credentials with it
        (OCPI's update of the credentials, from our side) and take the token it answers with.

        The new tokens are stored as soon as the partner has accepted them, before its endpoints
        are read again: a partner that already calls with our new token is let in, and a
        failure to read its endpoints afterwards keeps the old ones (recorded as its last error).
        """
        partner = await self.get(partner_id)
        if partner.state is not PartnerState.REGISTERED or not partner.token_out:
            raise Conflict(f"partner {partner_id!r} is not registered")
        token_b = new_token()
        answer = await self._send_ours(
            "PUT", partner, partner.endpoints, partner.token_out, token_b, _party_of(partner)
        )
        _require_ok(answer, "credentials")
        token_c, versions_url, roles = _parse_credentials(answer.data)
        await self._store(
            partner.id,
            token_in=token_b,
            token_out=token_c,
            url=versions_url,
            version=partner.version or OCPI_VERSION,
            endpoints=list(partner.endpoints),
            roles=roles,
        )
        try:
            version, endpoints = await self._discover(versions_url, token_c, partner.raw_token)
        except LinkFailed as exc:
            log.warning("partner %s: endpoints not read again after renewal: %s", partner_id, exc)
            await self.record_health(partner.id, error=f"after renewal: {exc}")
            return await self.get(partner.id)
        async with self._db.begin() as conn:
            values = {"version": version, "endpoints": json.dumps(endpoints)}
            await repo.update(conn, partner.id, values)
        await self.refresh()
        return await self.get(partner.id)

    async def _send_ours(
        self,
        method: str,
        partner: Partner,
        endpoints: Sequence[JsonObject],
        token: str,
        token_b: str,
        to_party: tuple[str, str] | None = None,
    ) -> Answer:
        """POST (registration) or PUT (renewal) of our credentials, with `token_b` for the
        partner to call us with, to its credentials endpoint."""
        url = _credentials_url(endpoints)
        if url is None:
            raise InvalidInput("the partner offers no credentials endpoint")
        body = self.identity.credentials(token_b)
        request = OcpiRequest(
            method, url, token, raw_token=partner.raw_token, body=body, to_party=to_party
        )
        return await self._link.call(request)

    async def _discover(
        self, versions_url: str, token: str, raw: bool
    ) -> tuple[str, builtins.list[JsonObject]]:
        versions = await self._link.call(OcpiRequest("GET", versions_url, token, raw_token=raw))
        _require_ok(versions, "versions")
        if not isinstance(versions.data, list):
            raise LinkFailed("versions: data is not a list")
        url = next(
            (
                str(v.get("url"))
                for v in versions.data
                if isinstance(v, dict) and v.get("version") == OCPI_VERSION
            ),
            None,
        )
        if url is None:
            raise LinkFailed(f"the partner does not offer OCPI {OCPI_VERSION}")
        details = await self._link.call(OcpiRequest("GET", url, token, raw_token=raw))
        _require_ok(details, "version details")
        endpoints = details.data.get("endpoints") if isinstance(details.data, dict) else None
        if not isinstance(endpoints, list):
            raise LinkFailed("version details: no endpoints")
        return OCPI_VERSION, [e for e in endpoints if isinstance(e, dict)]

    async def _store(
        self,
        partner_id: str,
        *,
        token_in: str,
        token_out: str,
        url: str,
        version: str,
        endpoints: builtins.list[JsonObject],
        roles: builtins.list[JsonObject],
    ) -> None:
        now = self._clock.now()
        async with self._db.begin() as conn:
            await repo.update(
                conn,
                partner_id,
                {
                    "state": PartnerState.REGISTERED.value,
                    "token_a_digest": None,
                    "token_in_digest": digest(token_in),
                    "token_out": token_out,
                    "versions_url": url,
                    "version": version,
                    "endpoints": json.dumps(endpoints),
                    "roles": json.dumps(roles),
                    "last_ok_at": now,
                    "updated_at": now,
                },
            )
        await self.refresh()
        self._changes.changed(Cached.PARTNERS)


def _credentials_url(endpoints: Sequence[JsonObject]) -> str | None:
    return find_endpoint(endpoints, Module.CREDENTIALS, InterfaceRole.RECEIVER) or (
        find_endpoint(endpoints, Module.CREDENTIALS, InterfaceRole.SENDER)
    )


def _party_of(partner: Partner) -> tuple[str, str] | None:
    """The partner's first party (country code, party id), for the OCPI-to-* headers; unknown
    before registration, where the headers are left out."""
    for role in partner.roles:
        country, party = role.get("country_code"), role.get("party_id")
        if isinstance(country, str) and isinstance(party, str):
            return country, party
    return None


def _require_ok(answer: Answer, what: str) -> None:
    if not answer.ok:
        raise LinkFailed(
            f"{what}: HTTP {answer.http_status}, OCPI {answer.status_code}"
            f" {answer.status_message or ''}".strip()
        )


def _parse_credentials(data: Any) -> tuple[str, str, list[JsonObject]]:
    """(token, versions URL, roles) of a credentials object; InvalidInput when malformed."""
    if not isinstance(data, dict):
        raise InvalidInput("credentials: an object is expected")
    token, url, roles = data.get("token"), data.get("url"), data.get("roles")
    if not isinstance(token, str) or not 1 <= len(token) <= 64:
        raise InvalidInput("credentials.token: a string of 1 to 64 characters is expected")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")) or len(url) > 255:
        raise InvalidInput("credentials.url: an http(s) URL of at most 255 characters is expected")
    if not isinstance(roles, list) or not roles:
        raise InvalidInput("credentials.roles: at least one role is expected")
    for i, role in enumerate(roles):
        if not isinstance(role, dict):
            raise InvalidInput(f"credentials.roles[{i}]: an object is expected")
        if role.get("role") not in ROLES:
            raise InvalidInput(f"credentials.roles[{i}].role: one of {', '.join(sorted(ROLES))}")
        cc, pid = role.get("country_code"), role.get("party_id")
        if not isinstance(cc, str) or len(cc) != 2 or not isinstance(pid, str) or len(pid) != 3:
            raise InvalidInput(
                f"credentials.roles[{i}]: country_code (2 letters) and party_id (3) are expected"
            )
    return token, url, roles
