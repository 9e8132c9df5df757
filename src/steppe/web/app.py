"""The pages in the HTTP application: static files under /static, the console under /console,
and the drivers' pages at the root (`/`, `/stations/...`, `/charge/...`, `/account/...`).

The console is its own ASGI application mounted beside the API, so its errors are pages and its
routes stay out of the API's OpenAPI document. The drivers' routes are the HTTP application's
own (so `/api/...` keeps its JSON errors), each turning its errors into pages
(`web/driver/errors.py`). Pages call the domain services, never storage.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI
from starlette.middleware.gzip import GZipMiddleware
from starlette.staticfiles import StaticFiles

from steppe.web import assets
from steppe.web.console.app import create_console
from steppe.web.context import WebContext
from steppe.web.driver import account as driver_account
from steppe.web.driver import charging as driver_charging
from steppe.web.driver import pages as driver_pages
from steppe.web.driver.site import DriverSite
from steppe.web.i18n import Catalogues
from steppe.web.templating import Pages, static_dir

log = logging.getLogger("steppe.web")


def install(app: FastAPI, context: WebContext) -> None:
    """Mount the static files and the console on `app`."""
    if not assets.installed():
        log.warning(
            "front-end libraries missing: run `steppe assets` (the map, charts and live updates "
            "need them; the pages work without)"
        )
    static = StaticFiles(directory=static_dir(), check_dir=False)
    # gzipped for browsers that take it: the map library is 150 KB as it is, 45 KB packed
    app.mount("/static", GZipMiddleware(static, minimum_size=1024), name="static")
    app.mount("/console", create_console(context), name="console")
    app.state.driver = DriverSite(context, Pages(Catalogues("driver")))
    for module in (driver_pages, driver_account, driver_charging):
        app.include_router(module.router)
