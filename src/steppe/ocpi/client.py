"""The HTTP side of talking to partners: one OCPI request, its headers and its envelope.

Every request carries `Authorization: Token <base64>` (or the raw token for peers that want
it), a fresh `X-Request-ID`, an `X-Correlation-ID` and Steppe's `OCPI-from-*` headers. What
comes back is read into an `Answer`; anything that is not an OCPI envelope, a timeout or a
refused connection is `LinkFailed`, which the worker counts and retries.
"""

from __future__ import annotations

import base64
import re
import uuid

import httpx
import orjson

from steppe.domain.roaming.models import Answer, Identity, LinkFailed, OcpiRequest

NEXT_LINK = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')
DEFAULT_TIMEOUT = 10.0


def authorization(token: str, *, raw: bool) -> str:
    if raw:
        return f"Token {token}"
    return "Token " + base64.b64encode(token.encode()).decode()


class HttpPartnerLink:
    """A `PartnerLink` over httpx; one connection pool for every partner."""

    def __init__(self, identity: Identity, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        self._identity = identity
        self._timeout = timeout
        self._client: httpx.AsyncClient | None = None

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=self._timeout,
                limits=httpx.Limits(max_connections=100, max_keepalive_connections=64),
            )
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def call(self, request: OcpiRequest) -> Answer:
        method, url, body, params, timeout = (
            request.method,
            request.url,
            request.body,
            request.params,
            request.timeout,
        )
        request_id = uuid.uuid4().hex
        headers = {
            "Authorization": authorization(request.token, raw=request.raw_token),
            "X-Request-ID": request_id,
            "X-Correlation-ID": request_id,
            "OCPI-from-country-code": self._identity.country_code,
            "OCPI-from-party-id": self._identity.party_id,
            "Accept": "application/json",
        }
        if request.to_party is not None:
            headers["OCPI-to-country-code"], headers["OCPI-to-party-id"] = request.to_party
        content = None
        if body is not None:
            content = orjson.dumps(body)
            headers["Content-Type"] = "application/json"
        try:
            response = await self._http().request(
                method,
                url,
                headers=headers,
                content=content,
                params=dict(params) if params else None,
                timeout=timeout if timeout is not None else self._timeout,
            )
        except httpx.HTTPError as exc:
            raise LinkFailed(f"{method} {url}: {type(exc).__name__} {exc}".strip()) from exc
        try:
            envelope = orjson.loads(response.content) if response.content else {}
        except orjson.JSONDecodeError as exc:
            raise LinkFailed(f"{method} {url}: HTTP {response.status_code}, not JSON") from exc
        if not isinstance(envelope, dict):
            raise LinkFailed(f"{method} {url}: HTTP {response.status_code}, not an OCPI envelope")
        code = envelope.get("status_code")
        link = NEXT_LINK.search(response.headers.get("Link", ""))
        return Answer(
            http_status=response.status_code,
            status_code=code if isinstance(code, int) else None,
            status_message=str(envelope.get("status_message") or "")[:200] or None,
            data=envelope.get("data"),
            next_url=link.group(1) if link else None,
            headers=dict(response.headers),
        )
