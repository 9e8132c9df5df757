"""Errors on driver pages are pages in the driver's language, never a trace or JSON: an unknown
station, EVSE or session is a friendly 404 with a way back, a page that needs an account sends
the browser to sign in, a refused form a 403 page, anything unexpected a 500 page (and a logged
trace)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
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
from steppe.web.driver.visitors import (
    DriverFormRefused,
    DriverSignInNeeded,
    render,
    sign_in_url,
    visitor,
)
from steppe.web.i18n import N_

log = logging.getLogger("steppe.web")

TITLES = {
    400: N_("That address is not right"),
    403: N_("Not allowed"),
    404: N_("We could not find that"),
    503: N_("We cannot reach the database just now"),
    500: N_("Something went wrong"),
}
DETAILS = {
    404: N_(
        "The station, charger or session may have been removed, or the link is mistyped. "
        "Find a charger on the map."
    ),
    403: N_("This form has expired or did not come from this site. Reload the page and try again."),
    503: N_("Please try again in a minute."),
    500: N_("Please try again. If it happens again, tell the operator."),
    400: N_("Please check the link and try again."),
}


async def error_page(request: Request, status: int) -> Response:
    who = await visitor(request)
    return render(
        request,
        who,
        "driver/error.html",
        status=status,
        title=who._(TITLES.get(status, TITLES[500])),
        detail=who._(DETAILS.get(status, DETAILS[500])),
    )


def status_of(error: Exception) -> int:
    if isinstance(error, NotFound | RequestValidationError):
        return 404  # a malformed id in a path is a page that does not exist
    if isinstance(error, Forbidden):
        return 403
    if isinstance(error, InvalidInput):
        return 400
    if isinstance(error, StorageUnavailable | ClusterUnavailable):
        return 503
    if isinstance(error, StarletteHTTPException):
        return error.status_code
    return 500


class DriverRoute(APIRoute):
    """A driver page route whose errors become pages in the driver's language."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except DriverSignInNeeded:
                if request.url.path.endswith("/events"):
                    return Response(status_code=401)
                return RedirectResponse(sign_in_url(request), status_code=303)
            except DriverFormRefused:
                return await error_page(request, 403)
            except (SteppeError, StarletteHTTPException, RequestValidationError) as exc:
                status = status_of(exc)
                if status >= 500:
                    log.error("driver page %s failed: %s", request.url.path, exc)
                return await error_page(request, status)
            except Exception:
                log.exception("driver page %s failed", request.url.path)
                return await error_page(request, 500)

        return guarded


def driver_router() -> APIRouter:
    return APIRouter(route_class=DriverRoute, include_in_schema=False)
