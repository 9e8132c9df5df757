"""A strict eMSP written from the OCPI 2.2.1 text: it registers with a CPO, pulls, pushes tokens
and sends commands as a client, and as a server receives the CPO's pushes, checking every
request (headers, authorization, each object's fields and lengths) and answering as the
specification says. Each rule broken is recorded in `problems`; tests assert there are none."""

from __future__ import annotations

import asyncio
import base64
import secrets
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from steppe.app.lifespan import bind
from tests.ocpi.spec_rules import Checker

COUNTRY, PARTY = "RU", "EMS"
CPO_COUNTRY, CPO_PARTY = "KZ", "STP"


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def envelope(data: Any = None, code: int = 1000, message: str = "Success") -> dict[str, Any]:
    return {"data": data, "status_code": code, "status_message": message, "timestamp": now()}


def token_body(uid: str, *, whitelist: str = "ALWAYS", valid: bool = True) -> dict[str, Any]:
    return {
        "country_code": COUNTRY,
        "party_id": PARTY,
        "uid": uid,
        "type": "RFID",
        "contract_id": f"RU-EMS-C{uid}"[:36],
        "issuer": "Test eMSP",
        "valid": valid,
        "whitelist": whitelist,
        "last_updated": now(),
    }


class StrictEmsp:
    """Both sides of an eMSP; `mode` makes its server misbehave ("ok", "down", "garbage",
    "slow")."""

    def __init__(self, *, party_id: str = PARTY) -> None:
        self.party_id = party_id
        self.token_b = secrets.token_urlsafe(24)  # what the CPO calls us with
        self.token_c: str | None = None  # what we call the CPO with
        # a token A we hand the CPO for it to register with us (POST /2.2.1/credentials)
        self.token_a: str | None = None
        self.credential_calls: Counter[str] = Counter()
        self.checker = Checker()
        self.mode = "ok"
        self.locations: dict[str, dict[str, Any]] = {}
        self.sessions: dict[str, dict[str, Any]] = {}
        self.cdrs: dict[str, dict[str, Any]] = {}
        self.cdr_posts: Counter[str] = Counter()
        self.session_puts: Counter[str] = Counter()
        self.location_calls: Counter[str] = Counter()
        self.tariffs: dict[str, dict[str, Any]] = {}
        self.results: dict[str, list[dict[str, Any]]] = {}
        self.authorizations: dict[str, str] = {}  # uid -> allowed answer
        self.asked: Counter[str] = Counter()
        self.tokens: list[dict[str, Any]] = []
        self.role = "EMSP"
        self.unregistered = False
        self.requests = 0
        self.refused = 0
        self.port = 0
        self._server: uvicorn.Server | None = None

    @property
    def problems(self) -> list[str]:
        return self.checker.problems

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- server side --------------------------------------------------------------------------

    @staticmethod
    def _authorization(token: str) -> str:
        return "Token " + base64.b64encode(token.encode()).decode()

    def _check_headers(self, request: Request) -> bool:
        allowed = {self._authorization(self.token_b)}
        if self.token_a is not None:
            allowed.add(self._authorization(self.token_a))
        if request.headers.get("Authorization") not in allowed:
            self.checker.fail(f"{request.method} {request.url.path}", "wrong Authorization")
            return False
        for name in ("X-Request-ID", "X-Correlation-ID"):
            value = request.headers.get(name)
            if not value or len(value) > 36:
                self.checker.fail(f"{request.method} {request.url.path}", f"{name} missing")
        if request.headers.get("OCPI-from-country-code") != CPO_COUNTRY:
            self.checker.fail(request.url.path, "OCPI-from-country-code missing")
        if request.headers.get("OCPI-from-party-id") != CPO_PARTY:
            self.checker.fail(request.url.path, "OCPI-from-party-id missing")
        registering = request.method == "POST" and request.url.path.endswith("/credentials")
        if (
            request.method in ("PUT", "PATCH", "POST")
            and not registering  # the CPO knows nothing of our parties before the handshake
            and request.headers.get("OCPI-to-party-id") != self.party_id
        ):
            self.checker.fail(request.url.path, "OCPI-to-party-id missing")
        return True

    async def _misbehave(self) -> JSONResponse | None:
        if self.mode == "down":
            self.refused += 1
            return JSONResponse(envelope(None, 3000, "down for maintenance"), 503)
        if self.mode == "garbage":
            self.refused += 1
            return JSONResponse(["not", "an", "envelope"], 200)
        if self.mode == "slow":
            self.refused += 1
            await asyncio.sleep(30)
        return None

    async def versions(self, request: Request) -> JSONResponse:
        self._check_headers(request)
        return JSONResponse(envelope([{"version": "2.2.1", "url": f"{self.url}/2.2.1"}]))

    async def details(self, request: Request) -> JSONResponse:
        self._check_headers(request)
        base = f"{self.url}/2.2.1"
        endpoints = [
            {"identifier": "credentials", "role": "RECEIVER", "url": f"{base}/credentials"},
            {"identifier": "locations", "role": "RECEIVER", "url": f"{base}/locations"},
            {"identifier": "tariffs", "role": "RECEIVER", "url": f"{base}/tariffs"},
            {"identifier": "sessions", "role": "RECEIVER", "url": f"{base}/sessions"},
            {"identifier": "cdrs", "role": "RECEIVER", "url": f"{base}/cdrs"},
            {"identifier": "tokens", "role": "SENDER", "url": f"{base}/tokens"},
            {"identifier": "commands", "role": "SENDER", "url": f"{base}/commands"},
        ]
        return JSONResponse(envelope({"version": "2.2.1", "endpoints": endpoints}))

    async def push(self, request: Request) -> JSONResponse:
        self.requests += 1
        if not self._check_headers(request):
            return JSONResponse(envelope(None, 2000, "unauthorized"), 401)
        bad = await self._misbehave()
        if bad is not None:
            return bad
        module = request.path_params["module"]
        parts = [p for p in request.path_params.get("rest", "").split("/") if p]
        body = await request.json() if request.method != "DELETE" else None
        where = f"{request.method} {module}/{'/'.join(parts)}"
        if module in ("locations", "sessions", "tariffs"):
            if parts[:2] != [CPO_COUNTRY, CPO_PARTY]:
                self.checker.fail(where, "URL lacks the CPO's country code and party id")
                return JSONResponse(envelope(None, 2001, "bad URL"), 400)
            parts = parts[2:]
        if module == "locations":
            return self._location(request.method, parts, body, where)
        if module == "sessions":
            return self._session(request.method, parts, body, where)
        if module == "tariffs":
            if request.method == "PUT":
                self.checker.tariff(body, where, CPO_COUNTRY, CPO_PARTY)
                self.tariffs[parts[0]] = body
            return JSONResponse(envelope())
        if module == "cdrs" and request.method == "POST":
            self.checker.cdr(body, where, CPO_COUNTRY, CPO_PARTY)
            self.cdr_posts[body["id"]] += 1
            self.cdrs[body["id"]] = body
            return JSONResponse(envelope(), headers={"Location": f"{self.url}/cdrs/{body['id']}"})
        if module == "commands" and request.method == "POST":
            self.checker.command_result(body, where)
            self.results.setdefault("/".join(parts), []).append(body)
            return JSONResponse(envelope())
        self.checker.fail(where, "unexpected request")
        return JSONResponse(envelope(None, 2000, "unexpected"), 404)

    def _location(self, method: str, parts: list[str], body: Any, where: str) -> JSONResponse:
        self.location_calls[method] += 1
        if method == "PUT" and len(parts) == 1:
            self.checker.location(body, where, CPO_COUNTRY, CPO_PARTY)
            self.locations[parts[0]] = body
            return JSONResponse(envelope())
        if method == "PATCH" and len(parts) == 2:
            self.checker.time(body, "last_updated", where)
            location = self.locations.get(parts[0])
            evse = next(
                (e for e in (location or {}).get("evses", []) if e["uid"] == parts[1]), None
            )
            if evse is None:
                return JSONResponse(envelope(None, 2003, "unknown location"), 404)
            evse.update(body)
            return JSONResponse(envelope())
        self.checker.fail(where, "unexpected locations request")
        return JSONResponse(envelope(None, 2001, "unexpected"), 400)

    def _session(self, method: str, parts: list[str], body: Any, where: str) -> JSONResponse:
        if len(parts) != 1:
            self.checker.fail(where, "a session URL ends with its id")
            return JSONResponse(envelope(None, 2001, "bad URL"), 400)
        if method == "PUT":
            self.checker.session(body, where, CPO_COUNTRY, CPO_PARTY)
            self.session_puts[parts[0]] += 1
            self.sessions[parts[0]] = body
            return JSONResponse(envelope())
        if method == "PATCH":
            self.checker.session_patch(body, where)
            if parts[0] not in self.sessions:
                return JSONResponse(envelope(None, 2001, "unknown session"), 404)
            self.sessions[parts[0]].update(body)
            return JSONResponse(envelope())
        self.checker.fail(where, "unexpected sessions request")
        return JSONResponse(envelope(None, 2001, "unexpected"), 400)

    async def credentials(self, request: Request) -> JSONResponse:
        """Only DELETE reaches here: the CPO ends the registration."""
        self._check_headers(request)
        self.unregistered = True
        return JSONResponse(envelope())

    async def exchange_credentials(self, request: Request) -> JSONResponse:
        """POST: the CPO registers with the token A we gave it; PUT: it renews, calling with the
        token it has. Either way we keep its new token and answer with a new one of ours."""
        misbehaving = await self._misbehave()
        if misbehaving is not None:
            return misbehaving
        expected = self.token_a if request.method == "POST" else self.token_b
        if expected is None or request.headers.get("Authorization") != self._authorization(
            expected
        ):
            return JSONResponse(envelope(None, 2000, "unknown token"), 401)
        self._check_headers(request)
        body = await request.json()
        self.credential_calls[request.method] += 1
        self.token_c = body["token"]
        if request.method == "POST":
            self.token_a = None  # used once
        self.token_b = secrets.token_urlsafe(24)
        return JSONResponse(envelope(self.credentials_object()))

    async def authorize(self, request: Request) -> JSONResponse:
        self._check_headers(request)
        uid = request.path_params["uid"]
        self.asked[uid] += 1
        allowed = self.authorizations.get(uid, "NOT_ALLOWED")
        info = {
            "allowed": allowed,
            "token": token_body(uid, whitelist="NEVER"),
            "authorization_reference": f"REF-{uid}"[:36],
        }
        return JSONResponse(envelope(info))

    async def token_list(self, request: Request) -> JSONResponse:
        self._check_headers(request)
        offset = int(request.query_params.get("offset", 0))
        limit = min(int(request.query_params.get("limit", 2)), 2)
        page = self.tokens[offset : offset + limit]
        headers = {"X-Total-Count": str(len(self.tokens)), "X-Limit": str(limit)}
        if offset + limit < len(self.tokens):
            headers["Link"] = (
                f'<{self.url}/2.2.1/tokens?offset={offset + limit}&limit={limit}>; rel="next"'
            )
        return JSONResponse(envelope(page), headers=headers)

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/versions", self.versions),
                Route("/2.2.1", self.details),
                Route("/2.2.1/tokens", self.token_list),
                Route("/2.2.1/credentials", self.credentials, methods=["DELETE"]),
                Route("/2.2.1/credentials", self.exchange_credentials, methods=["POST", "PUT"]),
                Route("/2.2.1/tokens/{uid}/authorize", self.authorize, methods=["POST"]),
                Route(
                    "/2.2.1/{module}/{rest:path}",
                    self.push,
                    methods=["PUT", "PATCH", "POST", "DELETE"],
                ),
                Route("/2.2.1/{module}", self.push, methods=["POST"]),
            ]
        )

    @asynccontextmanager
    async def serving(self) -> AsyncIterator[StrictEmsp]:
        sock = bind("127.0.0.1", 0)
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(self.app(), log_config=None, access_log=False, lifespan="off")
        server = uvicorn.Server(config)
        task = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started:
            await asyncio.sleep(0.01)
        try:
            yield self
        finally:
            server.should_exit = True
            await task

    def credentials_object(self) -> dict[str, Any]:
        """Our credentials: the token the CPO calls us with, our versions URL, our role."""
        role = {
            "role": self.role,
            "party_id": self.party_id,
            "country_code": COUNTRY,
            "business_details": {"name": "Test eMSP"},
        }
        return {"token": self.token_b, "url": f"{self.url}/versions", "roles": [role]}

    # --- client side --------------------------------------------------------------------------

    def headers(self, token: str | None = None) -> dict[str, str]:
        value = token if token is not None else self.token_c
        assert value is not None
        request_id = secrets.token_hex(8)
        return {
            "Authorization": "Token " + base64.b64encode(value.encode()).decode(),
            "X-Request-ID": request_id,
            "X-Correlation-ID": request_id,
            "OCPI-from-country-code": COUNTRY,
            "OCPI-from-party-id": self.party_id,
            "OCPI-to-country-code": CPO_COUNTRY,
            "OCPI-to-party-id": CPO_PARTY,
        }

    async def register(self, versions_url: str, token_a: str) -> dict[str, str]:
        """The credentials handshake with token A; returns the CPO's endpoints by module."""
        async with httpx.AsyncClient(timeout=10) as http:
            versions = (await http.get(versions_url, headers=self.headers(token_a))).json()
            assert versions["status_code"] == 1000, versions
            (v221,) = [v for v in versions["data"] if v["version"] == "2.2.1"]
            details = (await http.get(v221["url"], headers=self.headers(token_a))).json()
            endpoints = {
                (e["identifier"], e["role"]): e["url"] for e in details["data"]["endpoints"]
            }
            answer = await http.post(
                endpoints[("credentials", "SENDER")],
                json=self.credentials_object(),
                headers=self.headers(token_a),
            )
            body = answer.json()
            assert answer.status_code == 200 and body["status_code"] == 1000, body
            self.token_c = body["data"]["token"]
            assert body["data"]["roles"][0]["role"] == "CPO"
        return {f"{k[0]}:{k[1]}": v for k, v in endpoints.items()}

    async def pull(self, url: str, *, limit: int | None = None) -> list[dict[str, Any]]:
        """Every object of a paginated list, following the Link headers."""
        found: list[dict[str, Any]] = []
        params: dict[str, Any] | None = {"limit": limit} if limit else None
        next_url: str | None = url
        async with httpx.AsyncClient(timeout=10) as http:
            while next_url:
                response = await http.get(next_url, params=params, headers=self.headers())
                body = response.json()
                assert response.status_code == 200 and body["status_code"] == 1000, body
                assert "X-Total-Count" in response.headers and "X-Limit" in response.headers
                found.extend(body["data"])
                link = response.headers.get("Link", "")
                next_url = link[link.index("<") + 1 : link.index(">")] if link else None
                params = None
        return found
