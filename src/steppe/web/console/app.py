"""The console: an ASGI application of server-rendered pages, mounted at /console.

Errors are pages in the visitor's language, never a stack trace: a page that needs a signed-in
user sends the browser to sign in (an htmx request is told with HX-Redirect), a missing role or a
refused form is a 403 page, an unknown thing a 404 page, anything unexpected a 500 page (and a
log line with the trace).
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import RedirectResponse, Response

from steppe.errors import (
    ClusterUnavailable,
    Forbidden,
    InvalidInput,
    NotFound,
    SteppeError,
    StorageUnavailable,
)
from steppe.web.console import (
    account,
    admin,
    dashboard,
    live,
    records,
    sessions,
    sign_in,
    station_actions,
    stations,
    tariffs,
    tokens,
)
from steppe.web.console.visitors import (
    FormRefused,
    NotAllowed,
    SignInNeeded,
    render,
    sign_in_url,
    visitor,
)
from steppe.web.context import WebContext
from steppe.web.i18n import N_, Catalogues
from steppe.web.templating import Pages

log = logging.getLogger("steppe.web")

TITLES = {
    400: N_("The request is not valid"),
    403: N_("Not allowed"),
    404: N_("Not found"),
    405: N_("Not allowed"),
    503: N_("The database is not answering"),
    500: N_("Something went wrong"),
}


def create_console(context: WebContext) -> FastAPI:
    console = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    console.state.web = context
    console.state.pages = Pages(Catalogues())
    for module in (
        sign_in,
        account,
        dashboard,
        stations,
        station_actions,
        sessions,
        tariffs,
        tokens,
        records,
        admin,
        live,
    ):
        console.include_router(module.router)
    _install_errors(console)
    return console


async def error_page(request: Request, status: int, detail: str | None) -> Response:
    who = await visitor(request)
    title = who.translator.gettext(TITLES.get(status, TITLES[500]))
    return render(request, who, "console/error.html", status=status, title=title, detail=detail)


def _install_errors(console: FastAPI) -> None:
    @console.exception_handler(SignInNeeded)
    async def _sign_in(request: Request, _: SignInNeeded) -> Response:
        if request.headers.get("hx-request") or request.url.path.endswith("/events"):
            return Response(status_code=401, headers={"HX-Redirect": sign_in_url(request)})
        return RedirectResponse(sign_in_url(request), status_code=303)

    @console.exception_handler(FormRefused)
    async def _refused(request: Request, _: FormRefused) -> Response:
        who = await visitor(request)
        detail = who.translator.gettext(
            "This form has expired or did not come from this console. "
            "Reload the page and try again."
        )
        return await error_page(request, 403, detail)

    @console.exception_handler(NotAllowed)
    async def _not_allowed(request: Request, _: NotAllowed) -> Response:
        who = await visitor(request)
        return await error_page(
            request, 403, who.translator.gettext("Your role does not allow this.")
        )

    @console.exception_handler(SteppeError)
    async def _domain(request: Request, exc: SteppeError) -> Response:
        if isinstance(exc, NotFound):
            return await error_page(request, 404, str(exc))
        if isinstance(exc, Forbidden):
            return await error_page(request, 403, str(exc))
        if isinstance(exc, InvalidInput):
            return await error_page(request, 400, str(exc))
        if isinstance(exc, StorageUnavailable | ClusterUnavailable):
            return await error_page(request, 503, None)
        log.error("console page %s failed: %s", request.url.path, exc)
        return await error_page(request, 500, None)

    @console.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        fields = ", ".join(
            ".".join(str(p) for p in error["loc"][1:]) or "?" for error in exc.errors()
        )
        return await error_page(request, 400, fields)

    @console.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        return await error_page(request, exc.status_code, None)
