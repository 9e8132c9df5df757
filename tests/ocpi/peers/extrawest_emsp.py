"""An eMSP built on `extrawest-ocpi` (MIT), run in its own virtual environment and process.

The library's eMSP endpoints receive Steppe's pushes (locations, tariffs, sessions, CDRs,
command results) and check them against its own OCPI 2.2.1 models; this script adds only an
in-memory store behind them and a few control routes for the test to drive the client side:
register with token A, pull locations and tariffs (each parsed with the library's models),
push a token (the library's push), send START_SESSION (the library's command model).

Not imported by the test suite: it runs under the peer's interpreter.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import secrets
from collections import Counter
from datetime import UTC, datetime
from typing import Any

PARSER = argparse.ArgumentParser()
PARSER.add_argument("--port", type=int, required=True)
PORT = PARSER.parse_args().port
# The library reads its settings from the environment when it is imported.
os.environ.update(
    {
        "CI_STRING_LOWERCASE_PREFERENCE": "false",
        "TRAILING_SLASH": "true",
        "OCPI_HOST": f"127.0.0.1:{PORT}",
        "PROTOCOL": "http",
        "COUNTRY_CODE": "RU",
        "PARTY_ID": "EXW",
    }
)

import httpx  # noqa: E402
import uvicorn  # noqa: E402
from fastapi import Request  # noqa: E402
from py_ocpi.core.adapter import BaseAdapter  # noqa: E402
from py_ocpi.core.authentication.authenticator import Authenticator  # noqa: E402
from py_ocpi.core.crud import Crud  # noqa: E402
from py_ocpi.core.enums import ModuleID, RoleEnum  # noqa: E402
from py_ocpi.core.push import push_object  # noqa: E402
from py_ocpi.core.schemas import Push, Receiver  # noqa: E402
from py_ocpi.main import get_application  # noqa: E402
from py_ocpi.modules.commands.v_2_2_1.schemas import StartSession  # noqa: E402
from py_ocpi.modules.locations.v_2_2_1.schemas import Location  # noqa: E402
from py_ocpi.modules.tariffs.v_2_2_1.schemas import Tariff  # noqa: E402
from py_ocpi.modules.tokens.v_2_2_1.schemas import Token  # noqa: E402
from py_ocpi.modules.versions.enums import VersionNumber  # noqa: E402

COUNTRY, PARTY = "RU", "EXW"
STATE: dict[str, Any] = {
    "token_b": secrets.token_urlsafe(24),
    "token_c": None,
    "endpoints": {},
    "store": {},
    "posts": Counter(),
    "puts": Counter(),
    "results": {},
    "problems": [],
}


def store(module: str) -> dict[str, Any]:
    return STATE["store"].setdefault(module, {})


def plain(data: Any) -> Any:
    return json.loads(json.dumps(data, default=str))


class MemoryCrud(Crud):
    @classmethod
    async def get(cls, module: ModuleID, role: RoleEnum, id: Any, *args: Any, **kwargs: Any) -> Any:
        return store(module.value).get(str(id))

    @classmethod
    async def list(
        cls, module: ModuleID, role: RoleEnum, filters: dict, *args: Any, **kwargs: Any
    ) -> Any:
        items = list(store(module.value).values())
        return items, len(items), True

    @classmethod
    async def create(
        cls, module: ModuleID, role: RoleEnum, data: dict, *args: Any, **kwargs: Any
    ) -> Any:
        data = plain(data)
        key = str(data.get("id") or data.get("uid"))
        if module == ModuleID.cdrs:
            STATE["posts"][key] += 1
        if module == ModuleID.sessions:
            STATE["puts"][key] += 1
        store(module.value)[key] = data
        return data

    @classmethod
    async def update(
        cls, module: ModuleID, role: RoleEnum, data: dict, id: Any, *args: Any, **kwargs: Any
    ) -> Any:
        data = plain(data)
        if module == ModuleID.commands:
            STATE["results"].setdefault(str(id), []).append(data)
            return data
        if module == ModuleID.sessions and not kwargs.get("partial"):
            STATE["puts"][str(id)] += 1
        merged = {
            **store(module.value).get(str(id), {}),
            **{k: v for k, v in data.items() if v is not None},
        }
        store(module.value)[str(id)] = merged
        return merged

    @classmethod
    async def delete(
        cls, module: ModuleID, role: RoleEnum, id: Any, *args: Any, **kwargs: Any
    ) -> None:
        store(module.value).pop(str(id), None)

    @classmethod
    async def do(
        cls,
        module: ModuleID,
        role: RoleEnum,
        action: Any,
        *args: Any,
        data: Any = None,
        **kwargs: Any,
    ) -> Any:
        return None


class TokenCheck(Authenticator):
    @classmethod
    async def get_valid_token_c(cls) -> list[str]:
        return [STATE["token_b"]]

    @classmethod
    async def get_valid_token_a(cls) -> list[str]:
        return []


def auth(token: str) -> dict[str, str]:
    return {
        "Authorization": "Token " + base64.b64encode(token.encode()).decode(),
        "X-Request-ID": secrets.token_hex(8),
        "X-Correlation-ID": secrets.token_hex(8),
    }


def build(port: int) -> Any:
    modules = [
        ModuleID.credentials_and_registration,
        ModuleID.locations,
        ModuleID.sessions,
        ModuleID.cdrs,
        ModuleID.tariffs,
        ModuleID.tokens,
        ModuleID.commands,
    ]
    app = get_application(
        version_numbers=[VersionNumber.v_2_2_1],
        roles=[RoleEnum.emsp],
        crud=MemoryCrud,
        modules=modules,
        authenticator=TokenCheck,
        adapter=BaseAdapter,
    )
    base = f"http://127.0.0.1:{port}/ocpi"

    @app.get("/control/health")
    async def health() -> dict[str, str]:
        return {"ok": "yes"}

    @app.post("/control/register")
    async def register(request: Request) -> dict[str, Any]:
        body = await request.json()
        async with httpx.AsyncClient(timeout=10) as http:
            versions = (await http.get(body["versions_url"], headers=auth(body["token_a"]))).json()
            url = next(v["url"] for v in versions["data"] if v["version"] == "2.2.1")
            details = (await http.get(url, headers=auth(body["token_a"]))).json()
            STATE["details_url"] = url
            STATE["endpoints"] = {
                f"{e['identifier']}:{e['role']}": e["url"] for e in details["data"]["endpoints"]
            }
            ours = {
                "token": STATE["token_b"],
                "url": f"{base}/versions",
                "roles": [
                    {
                        "role": "EMSP",
                        "party_id": PARTY,
                        "country_code": COUNTRY,
                        "business_details": {"name": "extrawest eMSP"},
                    }
                ],
            }
            answer = (
                await http.post(
                    STATE["endpoints"]["credentials:SENDER"],
                    json=ours,
                    headers=auth(body["token_a"]),
                )
            ).json()
        STATE["token_c"] = answer["data"]["token"]
        return {"status_code": answer["status_code"], "endpoints": STATE["endpoints"]}

    @app.post("/control/pull/{module}")
    async def pull(module: str) -> dict[str, Any]:
        model = {"locations": Location, "tariffs": Tariff}[module]
        found: list[Any] = []
        url: str | None = STATE["endpoints"][f"{module}:SENDER"]
        async with httpx.AsyncClient(timeout=10) as http:
            while url:
                response = await http.get(url, headers=auth(STATE["token_c"]))
                for item in response.json()["data"]:
                    try:
                        found.append(plain(model(**item).dict()))
                    except Exception as exc:  # the library's model refused it
                        STATE["problems"].append(f"{module}: {exc}")
                link = response.headers.get("Link", "")
                url = link[link.index("<") + 1 : link.index(">")] if link else None
        return {"items": found}

    @app.post("/control/token")
    async def push_token(request: Request) -> dict[str, Any]:
        body = await request.json()
        token = Token(
            country_code=COUNTRY,
            party_id=PARTY,
            uid=body["uid"],
            type="RFID",
            contract_id=f"RU-EXW-{body['uid']}"[:36],
            issuer="extrawest eMSP",
            valid=True,
            whitelist="ALWAYS",
            last_updated=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
        store("tokens")[body["uid"]] = plain(token.dict())
        pushed = await push_object(
            VersionNumber.v_2_2_1,
            Push(
                module_id=ModuleID.tokens,
                object_id=body["uid"],
                receivers=[
                    Receiver(endpoints_url=STATE["details_url"], auth_token=STATE["token_c"])
                ],
            ),
            MemoryCrud,
            BaseAdapter,
        )
        return plain(pushed.dict())

    @app.post("/control/start")
    async def start(request: Request) -> dict[str, Any]:
        body = await request.json()
        command = StartSession(
            response_url=f"{base}/emsp/2.2.1/commands/{body['uid']}",
            token=Token(**store("tokens")[body["token_uid"]]),
            location_id=body["location_id"],
            evse_uid=body["evse_uid"],
        )
        async with httpx.AsyncClient(timeout=10) as http:
            url = STATE["endpoints"]["commands:RECEIVER"] + "START_SESSION"
            answer = await http.post(
                url,
                content=json.dumps(plain(command.dict())),
                headers={**auth(STATE["token_c"]), "Content-Type": "application/json"},
            )
        return answer.json()

    @app.get("/control/state")
    async def state() -> dict[str, Any]:
        return plain({k: STATE[k] for k in ("store", "posts", "puts", "results", "problems")})

    return app


def main() -> None:
    uvicorn.run(build(PORT), host="127.0.0.1", port=PORT, log_level="warning")


if __name__ == "__main__":
    main()
