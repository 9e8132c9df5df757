"""The FastAPI application: routers, error mapping, OpenAPI."""

from __future__ import annotations

from fastapi import FastAPI

from steppe import __version__
from steppe.api import errors
from steppe.api.context import ApiContext
from steppe.api.guard import RequestGuard
from steppe.api.routers import cdrs as cdr_routes
from steppe.api.routers import charger_side as charger_side_routes
from steppe.api.routers import charging_profiles as charging_profile_routes
from steppe.api.routers import device_model as device_model_routes
from steppe.api.routers import drivers as driver_routes
from steppe.api.routers import firmware as firmware_routes
from steppe.api.routers import health, id_tokens, stations, transactions
from steppe.api.routers import local_lists as local_list_routes
from steppe.api.routers import operator as operator_routes
from steppe.api.routers import reservations as reservation_routes
from steppe.api.routers import roaming as roaming_routes
from steppe.api.routers import security as security_routes
from steppe.api.routers import sites as site_routes
from steppe.api.routers import station_reports as station_report_routes
from steppe.api.routers import tariffs as tariff_routes
from steppe.api.routers import vehicles as vehicle_routes
from steppe.web import app as pages
from steppe.web.context import WebContext


def create_api(context: ApiContext, web: WebContext) -> FastAPI:
    """The HTTP application: the API under /api/v1 and the console's pages (web/) beside it."""
    app = FastAPI(
        title="Steppe operator API",
        version=__version__,
        description="Stations, id tokens, transactions and commands of a Steppe charging network.",
    )
    app.state.steppe = context
    errors.install(app)
    app.add_middleware(RequestGuard, context=context)
    for module in (health, stations, id_tokens, transactions):
        app.include_router(module.router)
    app.include_router(security_routes.router)
    app.include_router(tariff_routes.router)
    app.include_router(cdr_routes.router)
    for operator_router in operator_routes.ROUTERS:
        app.include_router(operator_router)
    app.include_router(device_model_routes.router)
    app.include_router(reservation_routes.router)
    app.include_router(local_list_routes.router)
    app.include_router(firmware_routes.router)
    app.include_router(station_report_routes.router)
    app.include_router(charging_profile_routes.router)
    app.include_router(site_routes.router)
    app.include_router(roaming_routes.router)
    app.include_router(vehicle_routes.router)
    app.include_router(driver_routes.router)
    app.include_router(charger_side_routes.router)
    pages.install(app, web)
    return app
