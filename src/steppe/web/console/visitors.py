"""Who is looking at a page: the signed-in user (from the session cookie), the language, and the
form token that proves a form came from this console.

Cookies: `steppe_session` holds the session token (HttpOnly, SameSite=Lax, Secure over HTTPS);
`steppe_pre` is a random value given before sign-in, so the sign-in form has a token too;
`steppe_lang` keeps the language of a visitor who is not signed in. The form token (CSRF) is an
HMAC of the session's (or pre-session's) token: a page of another site can neither read it nor
make it, and a form without it, or with a wrong one, is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import RedirectResponse, Response

from steppe.api.deps import Role
from steppe.domain.users.models import SignedIn, User
from steppe.errors import Forbidden, SteppeError
from steppe.web.context import WebContext
from steppe.web.i18n import N_, Language, Translator, pick_language
from steppe.web.templating import Pages

SESSION_COOKIE = "steppe_session"
PRE_COOKIE = "steppe_pre"
LANGUAGE_COOKIE = "steppe_lang"
BASE = "/console"
log = logging.getLogger("steppe.web")


class SignInNeeded(SteppeError):
    """The page needs a signed-in user; the browser is sent to sign in."""


class NotAllowed(Forbidden):
    """The user's role does not allow this."""


class FormRefused(Forbidden):
    """A form without its token, with a wrong one, or posted from another site."""


def form_token(secret: str) -> str:
    return hmac.new(secret.encode(), b"steppe-console-form", hashlib.sha256).hexdigest()[:40]


@dataclass(slots=True)
class Visitor:
    """One request's visitor; cookies to set are applied by `respond`."""

    signed_in: SignedIn | None
    translator: Translator
    secure: bool
    token: str | None  # the session token, when signed in
    pre: str  # the pre-session value (kept or new)
    new_cookies: dict[str, str] = field(default_factory=dict)

    @property
    def user(self) -> User | None:
        return None if self.signed_in is None else self.signed_in.user

    @property
    def role(self) -> Role | None:
        return None if self.user is None else Role[self.user.role.upper()]

    @property
    def language(self) -> Language:
        return self.translator.language

    @property
    def csrf(self) -> str:
        return form_token(self.token or self.pre)

    def may(self, role: Role) -> bool:
        return self.role is not None and self.role >= role

    def _(self, message: str, **values: object) -> str:
        return self.translator.gettext(message, **values)


def web(request: Request) -> WebContext:
    context: WebContext = request.app.state.web
    return context


def pages(request: Request) -> Pages:
    rendered: Pages = request.app.state.pages
    return rendered


def is_secure(request: Request) -> bool:
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip()
    return request.url.scheme == "https" or forwarded == "https"


async def visitor(request: Request) -> Visitor:
    """The visitor of this request (a FastAPI dependency; signed in or not)."""
    context = web(request)
    token = request.cookies.get(SESSION_COOKIE)
    signed_in = await context.services.users.session(token) if token else None
    pre = request.cookies.get(PRE_COOKIE) or ""
    new: dict[str, str] = {}
    if signed_in is None and len(pre) < 20:
        pre = secrets.token_urlsafe(24)
        new[PRE_COOKIE] = pre
    language = pick_language(
        signed_in.user.language if signed_in else None,
        request.cookies.get(LANGUAGE_COOKIE),
        accept=request.headers.get("accept-language"),
    )
    return Visitor(
        signed_in=signed_in,
        translator=pages(request).catalogues[language],
        secure=is_secure(request),
        token=token if signed_in else None,
        pre=pre,
        new_cookies=new,
    )


async def staff(request: Request) -> Visitor:
    """A signed-in visitor (a FastAPI dependency); others are sent to sign in."""
    found = await visitor(request)
    if found.signed_in is None:
        raise SignInNeeded("sign in first")
    return found


def require(who: Visitor, role: Role) -> None:
    if not who.may(role):
        raise NotAllowed(f"this needs the {role.name.lower()} role")


def same_origin(request: Request) -> bool:
    """A browser's Origin (or Referer) names this host, or the request has neither."""
    origin = request.headers.get("origin") or request.headers.get("referer")
    if not origin or origin == "null":
        return origin != "null"
    return urlsplit(origin).netloc == request.headers.get("host", "")


async def checked_form(request: Request, who: Visitor) -> FormData:
    """The posted form, once its token matches and it came from this console's own pages."""
    form = await request.form()
    sent = form.get("csrf")
    if not isinstance(sent, str) or not hmac.compare_digest(sent, who.csrf):
        raise FormRefused("the form's token is missing or wrong")
    if not same_origin(request):
        raise FormRefused("the form was posted from another site")
    return form


def text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def local_path(target: str | None, default: str = BASE + "/") -> str:
    """`target` if it is a path inside the console (never another site), else `default`."""
    if not target or not target.startswith(BASE + "/") or target.startswith("//"):
        return default
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return default
    return target


def respond(who: Visitor, response: Response) -> Response:
    """Set (or, given "", delete) the cookies the visit decided on."""
    for name, value in who.new_cookies.items():
        path = "/" if name == LANGUAGE_COOKIE else BASE
        if value == "":
            response.delete_cookie(name, path=path, secure=who.secure, httponly=True)
            continue
        response.set_cookie(
            name,
            value,
            max_age=None if name == SESSION_COOKIE else 365 * 86400,
            path=path,
            secure=who.secure,
            httponly=True,
            samesite="lax",
        )
    return response


def redirect(who: Visitor, to: str) -> Response:
    return respond(who, RedirectResponse(to, status_code=303))


def sign_in_url(request: Request) -> str:
    path = request.url.path
    if request.url.query:
        path += "?" + request.url.query
    return f"{BASE}/sign-in?next={quote(path, safe='')}"


# Short messages a redirect asks the next page to show (`?notice=saved`).
NOTICES = {
    "saved": N_("Saved."),
    "created": N_("Created."),
    "deleted": N_("Deleted."),
    "signed-out": N_("You are signed out."),
    "signed-out-everywhere": N_("You are signed out everywhere else."),
    "password-changed": N_("Password changed. Sign in again."),
}


def page_values(request: Request, who: Visitor, **values: Any) -> dict[str, Any]:
    """What every page template gets besides its own values."""
    notice = values.pop("notice", None)
    code = request.query_params.get("notice")
    if notice is None and code in NOTICES:
        notice = who._(NOTICES[code])
    return {
        "user": who.user,
        "csrf": who.csrf,
        "role": who.role,
        "Role": Role,
        "path": request.url.path + (("?" + request.url.query) if request.url.query else ""),
        "section": values.pop("section", ""),
        "notice": notice,
        **values,
    }


def render(
    request: Request, who: Visitor, template: str, *, status: int = 200, **values: Any
) -> Response:
    html = pages(request).render(
        template, who.translator, page_values(request, who, **values), status=status
    )
    return respond(who, html)


class ConsoleRoute(APIRoute):
    """A console route whose unexpected errors become a 500 page (and a logged trace)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except (SteppeError, StarletteHTTPException, RequestValidationError):
                raise
            except Exception:
                log.exception("console page %s failed", request.url.path)
                who = await visitor(request)
                title = who.translator.gettext("Something went wrong")
                return render(request, who, "console/error.html", status=500, title=title)

        return guarded


# A route parameter: the signed-in person (else the browser is sent to sign in).
Staff = Annotated[Visitor, Depends(staff)]


def console_router() -> APIRouter:
    return APIRouter(route_class=ConsoleRoute, include_in_schema=False)
