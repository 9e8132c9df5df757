"""Id tokens (cards): the list with status and expiry, adding a card, changing one."""

from __future__ import annotations

from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import Query, Request
from starlette.responses import Response

from steppe.api.deps import Role
from steppe.domain.tokens.models import IdToken, TokenStatus
from steppe.errors import AlreadyExists
from steppe.web.console.forms import FormCheck, values_of
from steppe.web.console.visitors import (
    Staff,
    Visitor,
    checked_form,
    console_router,
    redirect,
    render,
    require,
    web,
)
from steppe.web.i18n import N_

router = console_router()
PAGE = 100
STATUSES = tuple(s.value for s in TokenStatus if s is not TokenStatus.CONCURRENT_TX)
TYPES = (
    "ISO14443",
    "ISO15693",
    "Central",
    "eMAID",
    "KeyCode",
    "Local",
    "MacAddress",
    "NoAuthorization",
)
STATUS_WORDS = (N_("Accepted"), N_("Blocked"), N_("Expired"), N_("Invalid"))
FIELDS = ("id_token", "type", "status", "expires_at", "parent_id_token")


@router.get("/tokens")
async def token_list(
    request: Request,
    who: Staff,
    status: Annotated[str | None, Query(max_length=16)] = None,
    after: Annotated[str | None, Query(max_length=36)] = None,
) -> Response:
    filters = {"status": status} if status in STATUSES else {}
    tokens = await web(request).services.tokens.list(after=after, limit=PAGE, filters=filters)
    return render(
        request,
        who,
        "console/tokens.html",
        section="tokens",
        title=who._("Cards"),
        tokens=tokens,
        wanted=status or "",
        statuses=STATUSES,
        more=tokens[-1].id_token if len(tokens) == PAGE else None,
        zone=web(request).settings.console_time_zone,
    )


def _form(
    request: Request,
    who: Visitor,
    values: dict[str, Any],
    errors: dict[str, str],
    *,
    token: IdToken | None,
    status: int = 200,
) -> Response:
    return render(
        request,
        who,
        "console/token_form.html",
        status=status,
        section="tokens",
        title=who._("Card %(id)s", id=token.id_token) if token else who._("Add a card"),
        values=values,
        errors=errors,
        token=token,
        statuses=STATUSES,
        types=TYPES,
    )


@router.get("/tokens/new")
async def new_token(request: Request, who: Staff) -> Response:
    require(who, Role.OPERATOR)
    return _form(request, who, {"type": "ISO14443", "status": "Accepted"}, {}, token=None)


def _read(check: FormCheck, zone: str) -> dict[str, Any]:
    expires = check.local_time("expires_at", zone)
    return {
        "type": check.choice("type", TYPES, required=True),
        "status": check.choice("status", STATUSES, required=True),
        "expires_at": expires,
        "parent_id_token": check.text("parent_id_token", longest=36),
    }


@router.post("/tokens/new")
async def create_token(request: Request, who: Staff) -> Response:
    require(who, Role.OPERATOR)
    form = await checked_form(request, who)
    context = web(request)
    check = FormCheck(form, who.translator)
    token_id = check.text("id_token", required=True, longest=36)
    fields = _read(check, context.settings.console_time_zone)
    if check.ok and token_id is not None:
        try:
            await context.services.tokens.create(token_id, **fields)
        except AlreadyExists:
            check.fail("id_token", who._("This card exists already."))
    if not check.ok or token_id is None:
        return _form(request, who, values_of(form, FIELDS), check.errors, token=None, status=422)
    assert who.user is not None
    await context.services.audit.record(
        who.user.actor, "token.create", target=f"token {token_id}", details=fields
    )
    return redirect(who, "/console/tokens?notice=created")


@router.get("/tokens/{token_id}")
async def token_page(request: Request, who: Staff, token_id: str) -> Response:
    token = await web(request).services.tokens.get(token_id)
    zone = web(request).settings.console_time_zone
    values = {
        "type": token.type,
        "status": token.status.value,
        "expires_at": token.expires_at.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M")
        if token.expires_at
        else "",
        "parent_id_token": token.parent_id_token or "",
    }
    return _form(request, who, values, {}, token=token)


@router.post("/tokens/{token_id}")
async def save_token(request: Request, who: Staff, token_id: str) -> Response:
    require(who, Role.OPERATOR)
    form = await checked_form(request, who)
    context = web(request)
    token = await context.services.tokens.get(token_id)
    check = FormCheck(form, who.translator)
    fields = _read(check, context.settings.console_time_zone)
    if not check.ok:
        return _form(request, who, values_of(form, FIELDS), check.errors, token=token, status=422)
    await context.services.tokens.update(token_id, fields)
    assert who.user is not None
    await context.services.audit.record(
        who.user.actor, "token.update", target=f"token {token_id}", details=fields
    )
    return redirect(who, "/console/tokens?notice=saved")
