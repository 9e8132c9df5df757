"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from steppe import __version__
from steppe.api.deps import Context

router = APIRouter(tags=["health"])


@router.get("/health", summary="200 once the database is migrated and the OCPP port listens")
async def health(context: Context) -> JSONResponse:
    if not context.readiness:
        return JSONResponse({"status": "starting", "version": __version__}, 503)
    return JSONResponse({"status": "ok", "version": __version__})
