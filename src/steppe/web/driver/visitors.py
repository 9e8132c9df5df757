"""Who is looking at a driver page: the signed-in driver (if any), the language, the car chosen
in this browser, and the form token every form carries.

Cookies, all on `/`: `steppe_driver` holds a driver's session token (HttpOnly, SameSite=Lax,
Secure over HTTPS); `steppe_driver_pre` a random value given before sign-in, so the sign-in and
sign-up forms carry a token too; `steppe_lang` the language (`?lang=ru` on any page sets it);
`steppe_car` the catalogue id of the car picked with "my car", kept in the browser only. The
form token is an HMAC of the session (or pre-session) value, as on the console.
"""

from __future__ import annotations

import gzip
import hmac
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from fastapi import Request
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from steppe.domain.drivers.models import Account, SignedInDriver
from steppe.domain.vehicles.models import Vehicle
from steppe.errors import Forbidden, NotFound, SteppeError
from steppe.web.console.visitors import form_token, is_secure, same_origin
from steppe.web.driver.site import DriverSite, site
from steppe.web.i18n import LANGUAGES, Language, Translator, pick_language

SESSION_COOKIE = "steppe_driver"
PRE_COOKIE = "steppe_driver_pre"
LANGUAGE_COOKIE = "steppe_lang"
CAR_COOKIE = "steppe_car"
YEAR = 365 * 86400
GZIP_FROM = 1024  # bytes: smaller pages go as they are


class DriverSignInNeeded(SteppeError):
    """A driver page that needs a signed-in driver: the browser is sent to sign in."""


class DriverFormRefused(Forbidden):
    """A driver form without its token, with a wrong one, or posted from another site."""


@dataclass(slots=True)
class DriverVisitor:
    signed_in: SignedInDriver | None
    translator: Translator
    secure: bool
    token: str | None
    pre: str
    car: Vehicle | None
    new_cookies: dict[str, tuple[str, int | None]] = field(default_factory=dict)

    @property
    def account(self) -> Account | None:
        return None if self.signed_in is None else self.signed_in.account

    @property
    def language(self) -> Language:
        return self.translator.language

    @property
    def csrf(self) -> str:
        return form_token(self.token or self.pre)

    def _(self, message: str, **values: object) -> str:
        return self.translator.gettext(message, **values)

    def set_cookie(self, name: str, value: str, max_age: int | None = YEAR) -> None:
        self.new_cookies[name] = (value, max_age)


async def visitor(request: Request) -> DriverVisitor:
    """The visitor of this request (a FastAPI dependency; signed in or not)."""
    here = site(request)
    token = request.cookies.get(SESSION_COOKIE)
    signed_in = await here.services.drivers.accounts.session(token) if token else None
    pre = request.cookies.get(PRE_COOKIE) or ""
    new: dict[str, tuple[str, int | None]] = {}
    if signed_in is None and len(pre) < 20:
        pre = secrets.token_urlsafe(24)
        new[PRE_COOKIE] = (pre, YEAR)
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        new[LANGUAGE_COOKIE] = (asked, YEAR)
    language = pick_language(
        asked,
        request.cookies.get(LANGUAGE_COOKIE),
        signed_in.account.language if signed_in else None,
        accept=request.headers.get("accept-language"),
    )
    return DriverVisitor(
        signed_in=signed_in,
        translator=here.pages.catalogues[language],
        secure=is_secure(request),
        token=token if signed_in else None,
        pre=pre,
        car=car_of(here, request),
        new_cookies=new,
    )


def car_of(here: DriverSite, request: Request) -> Vehicle | None:
    chosen = request.query_params.get("car", request.cookies.get(CAR_COOKIE))
    if not chosen:
        return None
    try:
        return here.services.vehicles.catalogue.get(chosen[:80])
    except NotFound:
        return None


async def driver(request: Request) -> DriverVisitor:
    """A signed-in driver (a FastAPI dependency); others are sent to sign in."""
    found = await visitor(request)
    if found.signed_in is None:
        raise DriverSignInNeeded("sign in first")
    return found


async def checked_form(request: Request, who: DriverVisitor) -> FormData:
    """The posted form, once its token matches and it came from these pages."""
    form = await request.form()
    sent = form.get("csrf")
    if not isinstance(sent, str) or not hmac.compare_digest(sent, who.csrf):
        raise DriverFormRefused("the form's token is missing or wrong")
    if not same_origin(request):
        raise DriverFormRefused("the form was posted from another site")
    return form


def text(form: FormData, name: str, limit: int = 300) -> str:
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def local_path(target: str | None, default: str = "/") -> str:
    """`target` if it is a path on this site (never another site), else `default`."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return default
    return target


def respond(who: DriverVisitor, response: Response) -> Response:
    for name, (value, max_age) in who.new_cookies.items():
        if value == "":
            response.delete_cookie(name, path="/", secure=who.secure, httponly=True)
            continue
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            path="/",
            secure=who.secure,
            httponly=True,
            samesite="lax",
        )
    return response


def redirect(who: DriverVisitor, to: str) -> Response:
    return respond(who, RedirectResponse(to, status_code=303))


def sign_in_url(request: Request) -> str:
    path = request.url.path + (("?" + request.url.query) if request.url.query else "")
    return f"/account/sign-in?next={quote(path, safe='')}"


def render(
    request: Request, who: DriverVisitor, template: str, *, status: int = 200, **values: Any
) -> Response:
    here = site(request)
    notice = values.pop("notice", None)
    code = request.query_params.get("notice")
    if notice is None and code is not None and code in here.notices:
        notice = who._(here.notices[code])
    path = request.url.path
    query = "&".join(
        f"{k}={quote(v, safe='')}" for k, v in request.query_params.items() if k != "lang"
    )
    html = here.pages.render(
        template,
        who.translator,
        {
            "account": who.account,
            "csrf": who.csrf,
            "car": who.car,
            "path": path + ("?" + query if query else ""),
            "lang_base": path + "?" + (query + "&" if query else ""),
            "notice": notice,
            "title": values.pop("title", "Steppe"),
            **values,
        },
        status=status,
        headers={"Cache-Control": "no-store"} if who.account is not None else None,
    )
    return respond(who, compressed(request, html))


def compressed(request: Request, response: Response) -> Response:
    """The page gzipped when the browser takes it (a slow phone line is the case to serve)."""
    body = bytes(response.body)
    if len(body) < GZIP_FROM or "gzip" not in request.headers.get("accept-encoding", ""):
        return response
    packed = gzip.compress(body, compresslevel=6)
    response.body = packed
    response.headers["content-length"] = str(len(packed))
    response.headers["content-encoding"] = "gzip"
    response.headers["vary"] = "Accept-Encoding"
    return response
