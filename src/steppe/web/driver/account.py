"""Drivers' accounts on the pages: sign up, confirm by the mailed link, sign in and out, reset a
forgotten password, and the account page (cards, cars, language, sessions, data, deletion).
Every form shows what is wrong next to the field it concerns."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import Depends, Path, Request
from starlette.responses import Response

from steppe.domain.drivers.accounts import (
    EMAIL,
    MAX_PASSWORD,
    MIN_PASSWORD,
    DriverSignInRefused,
    DriverSignInThrottled,
    LinkExpired,
)
from steppe.domain.drivers.models import AccountStatus, TokenKind
from steppe.domain.drivers.profile import card_uid
from steppe.errors import AlreadyExists, InvalidInput, NotFound
from steppe.web.driver.errors import driver_router
from steppe.web.driver.pages import car_choices, car_label
from steppe.web.driver.site import site
from steppe.web.driver.visitors import (
    LANGUAGE_COOKIE,
    SESSION_COOKIE,
    DriverVisitor,
    checked_form,
    driver,
    local_path,
    redirect,
    render,
    text,
    visitor,
)
from steppe.web.i18n import LANGUAGES

router = driver_router()
Who = Annotated[DriverVisitor, Depends(visitor)]
Driver = Annotated[DriverVisitor, Depends(driver)]


def _password_errors(who: DriverVisitor, password: str, repeat: str) -> dict[str, str]:
    if len(password) < MIN_PASSWORD:
        return {"password": who._("Use at least %(count)s characters.", count=MIN_PASSWORD)}
    if len(password) > MAX_PASSWORD:
        return {"password": who._("Use at most %(count)s characters.", count=MAX_PASSWORD)}
    if password != repeat:
        return {"repeat": who._("The two passwords differ.")}
    return {}


def _session_cookie(request: Request, who: DriverVisitor, token: str) -> None:
    days = site(request).settings.driver_session_days
    who.set_cookie(SESSION_COOKIE, token, int(days * 86400))


# --- signing up and confirming -------------------------------------------------------------------


@router.get("/account/sign-up")
async def sign_up_page(request: Request, who: Who, next: str | None = None) -> Response:
    return render(
        request,
        who,
        "driver/sign_up.html",
        title=who._("Create an account"),
        email="",
        errors={},
        next=local_path(next),
    )


@router.post("/account/sign-up")
async def sign_up(request: Request, who: Who) -> Response:
    form = await checked_form(request, who)
    email = text(form, "email", 300).lower()
    password, repeat = str(form.get("password") or ""), str(form.get("repeat") or "")
    errors: dict[str, str] = {}
    if not email:
        errors["email"] = who._("Enter your email.")
    elif len(email) > 254 or not EMAIL.match(email):
        errors["email"] = who._("This does not look like an email address.")
    errors.update(_password_errors(who, password, repeat))
    if errors:
        return render(
            request,
            who,
            "driver/sign_up.html",
            status=422,
            title=who._("Create an account"),
            email=email,
            errors=errors,
            next=local_path(text(form, "next")),
        )
    here = site(request)
    await here.services.drivers.accounts.sign_up(
        email, password, language=who.language, base_url=here.base_url(request)
    )
    return render(
        request, who, "driver/check_mail.html", title=who._("Look in your mail"), email=email
    )


@router.get("/account/confirm")
async def confirm(request: Request, who: Who, token: str = "") -> Response:
    accounts = site(request).services.drivers.accounts
    try:
        account = await accounts.confirm(token[:100])
    except LinkExpired:
        return render(
            request,
            who,
            "driver/link_expired.html",
            status=400,
            title=who._("This link does not work any more"),
        )
    session = await accounts.start_session(account.id, request.headers.get("user-agent"))
    _session_cookie(request, who, session)
    return redirect(who, "/account?notice=confirmed")


@router.post("/account/resend")
async def resend(request: Request, who: Driver) -> Response:
    await checked_form(request, who)
    assert who.account is not None
    here = site(request)
    await here.services.drivers.accounts.resend_confirmation(
        who.account.id, base_url=here.base_url(request)
    )
    return redirect(who, "/account?notice=mail-sent")


# --- signing in and out --------------------------------------------------------------------------


def _sign_in_form(
    request: Request,
    who: DriverVisitor,
    *,
    email: str,
    errors: dict[str, str],
    next: str,
    status: int = 200,
) -> Response:
    return render(
        request,
        who,
        "driver/sign_in.html",
        status=status,
        title=who._("Sign in"),
        email=email,
        errors=errors,
        next=next,
    )


@router.get("/account/sign-in")
async def sign_in_page(request: Request, who: Who, next: str | None = None) -> Response:
    if who.account is not None:
        return redirect(who, local_path(next, "/account"))
    return _sign_in_form(request, who, email="", errors={}, next=local_path(next, "/account"))


@router.post("/account/sign-in")
async def sign_in(request: Request, who: Who) -> Response:
    form = await checked_form(request, who)
    email = text(form, "email", 300)
    password = str(form.get("password") or "")
    target = local_path(text(form, "next"), "/account")
    errors: dict[str, str] = {}
    if not email:
        errors["email"] = who._("Enter your email.")
    if not password:
        errors["password"] = who._("Enter your password.")
    if errors:
        return _sign_in_form(request, who, email=email, errors=errors, next=target, status=422)
    accounts = site(request).services.drivers.accounts
    try:
        account, token = await accounts.sign_in(
            email, password, user_agent=request.headers.get("user-agent")
        )
    except DriverSignInThrottled as exc:
        errors["password"] = who._(
            "Too many wrong passwords. Try again in %(seconds)s seconds.", seconds=exc.retry_after
        )
        return _sign_in_form(request, who, email=email, errors=errors, next=target, status=429)
    except DriverSignInRefused:
        errors["password"] = who._("Wrong email or password.")
        return _sign_in_form(request, who, email=email, errors=errors, next=target, status=422)
    _session_cookie(request, who, token)
    if account.language:
        who.set_cookie(LANGUAGE_COOKIE, account.language)
    return redirect(who, target)


@router.post("/account/sign-out")
async def sign_out(request: Request, who: Who) -> Response:
    await checked_form(request, who)
    if who.signed_in is not None:
        await site(request).services.drivers.accounts.sign_out(who.signed_in.session_id)
    who.set_cookie(SESSION_COOKIE, "")
    return redirect(who, "/?notice=signed-out")


# --- a forgotten password ------------------------------------------------------------------------


@router.get("/account/reset")
async def reset_page(request: Request, who: Who, token: str | None = None) -> Response:
    if token is None:
        return render(
            request,
            who,
            "driver/reset.html",
            title=who._("Forgot your password?"),
            errors={},
            email="",
        )
    try:
        await site(request).services.drivers.accounts.check_reset(token[:100])
    except LinkExpired:
        return render(
            request,
            who,
            "driver/link_expired.html",
            status=400,
            title=who._("This link does not work any more"),
        )
    return render(
        request,
        who,
        "driver/reset_new.html",
        title=who._("Choose a new password"),
        token=token[:100],
        errors={},
    )


@router.post("/account/reset")
async def reset_request(request: Request, who: Who) -> Response:
    form = await checked_form(request, who)
    email = text(form, "email", 300).lower()
    if not EMAIL.match(email):
        return render(
            request,
            who,
            "driver/reset.html",
            status=422,
            title=who._("Forgot your password?"),
            email=email,
            errors={"email": who._("This does not look like an email address.")},
        )
    here = site(request)
    await here.services.drivers.accounts.request_reset(email, base_url=here.base_url(request))
    return render(
        request,
        who,
        "driver/check_mail.html",
        title=who._("Look in your mail"),
        email=email,
        reset=True,
    )


@router.post("/account/reset/new")
async def reset_password(request: Request, who: Who) -> Response:
    form = await checked_form(request, who)
    token = text(form, "token", 100)
    password, repeat = str(form.get("password") or ""), str(form.get("repeat") or "")
    errors = _password_errors(who, password, repeat)
    if errors:
        return render(
            request,
            who,
            "driver/reset_new.html",
            status=422,
            title=who._("Choose a new password"),
            token=token,
            errors=errors,
        )
    try:
        await site(request).services.drivers.accounts.reset_password(token, password)
    except LinkExpired:
        return render(
            request,
            who,
            "driver/link_expired.html",
            status=400,
            title=who._("This link does not work any more"),
        )
    who.set_cookie(SESSION_COOKIE, "")
    return redirect(who, "/account/sign-in?notice=password-changed")


# --- the account page ----------------------------------------------------------------------------


async def _account_page(
    request: Request,
    who: DriverVisitor,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    assert who.account is not None
    drivers = site(request).services.drivers
    catalogue = site(request).services.vehicles.catalogue
    tokens = await drivers.profile.tokens(who.account.id)
    vehicles = []
    for v in await drivers.profile.vehicles(who.account.id):
        try:
            vehicles.append((v, car_label(catalogue.get(v.vehicle_id))))
        except NotFound:
            vehicles.append((v, v.vehicle_id))
    sessions = await drivers.charging.sessions(who.account, limit=20)
    costs = await site(request).services.cdrs.costs([s.pk for s in sessions])
    return render(
        request,
        who,
        "driver/account.html",
        status=status,
        title=who._("My account"),
        app_token=next((t for t in tokens if t.kind is TokenKind.APP), None),
        cards=[t for t in tokens if t.kind is TokenKind.CARD],
        vehicles=vehicles,
        sessions=sessions,
        costs=costs,
        cars=car_choices(site(request)),
        errors=errors or {},
        values=values or {},
        unconfirmed=who.account.status is AccountStatus.UNCONFIRMED,
        blocked=who.account.status is AccountStatus.BLOCKED,
        languages=LANGUAGES,
    )


@router.get("/account")
async def account_page(request: Request, who: Driver) -> Response:
    return await _account_page(request, who)


@router.post("/account/language")
async def change_language(request: Request, who: Driver) -> Response:
    form = await checked_form(request, who)
    assert who.account is not None
    language = text(form, "language")
    if language in LANGUAGES:
        await site(request).services.drivers.accounts.set_language(who.account.id, language)
        who.set_cookie(LANGUAGE_COOKIE, language)
    return redirect(who, "/account?notice=saved")


@router.post("/account/cards")
async def add_card(request: Request, who: Driver) -> Response:
    form = await checked_form(request, who)
    assert who.account is not None
    uid, label = text(form, "uid", 60), text(form, "label", 60)
    values = {"uid": uid, "label": label}
    try:
        card_uid(uid)
        await site(request).services.drivers.profile.add_card(who.account, uid, label)
    except AlreadyExists:
        errors = {"uid": who._("This card is already registered. Ask the operator if it is yours.")}
        return await _account_page(request, who, errors=errors, values=values, status=409)
    except InvalidInput as exc:
        message = (
            who._("An account holds at most 10 cards.")
            if "at most" in str(exc)
            else who._("Enter the number printed on the card: 8, 14 or 20 characters 0-9 and A-F.")
        )
        return await _account_page(request, who, errors={"uid": message}, values=values, status=422)
    return redirect(who, "/account?notice=card-added")


@router.post("/account/cards/remove")
async def remove_card(request: Request, who: Driver) -> Response:
    form = await checked_form(request, who)
    assert who.account is not None
    await site(request).services.drivers.profile.remove_card(who.account.id, text(form, "uid", 36))
    return redirect(who, "/account?notice=card-removed")


@router.post("/account/vehicles")
async def add_vehicle(request: Request, who: Driver) -> Response:
    form = await checked_form(request, who)
    assert who.account is not None
    vehicle_id = text(form, "vehicle_id", 80)
    try:
        await site(request).services.drivers.profile.add_vehicle(
            who.account.id, vehicle_id, text(form, "label", 60)
        )
    except (NotFound, InvalidInput):
        errors = {"vehicle_id": who._("Choose your car from the list.")}
        return await _account_page(
            request, who, errors=errors, values={"vehicle_id": vehicle_id}, status=422
        )
    return redirect(who, "/account?notice=car-added")


@router.post("/account/vehicles/{row_id}/remove")
async def remove_vehicle(
    request: Request, who: Driver, row_id: Annotated[int, Path(ge=1)]
) -> Response:
    await checked_form(request, who)
    assert who.account is not None
    await site(request).services.drivers.profile.remove_vehicle(who.account.id, row_id)
    return redirect(who, "/account?notice=car-removed")


@router.get("/account/data.json")
async def download(request: Request, who: Driver) -> Response:
    assert who.account is not None
    data = await site(request).services.drivers.data.export(who.account)
    return Response(
        json.dumps(data, ensure_ascii=False, indent=1),
        media_type="application/json",
        headers={
            "Content-Disposition": 'attachment; filename="steppe-account.json"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/account/delete")
async def delete_page(request: Request, who: Driver) -> Response:
    return render(request, who, "driver/delete.html", title=who._("Delete my account"), errors={})


@router.post("/account/delete")
async def delete_account(request: Request, who: Driver) -> Response:
    form = await checked_form(request, who)
    assert who.account is not None
    drivers = site(request).services.drivers
    password = str(form.get("password") or "")
    if not password or not await drivers.accounts.verify_password(who.account.id, password):
        return render(
            request,
            who,
            "driver/delete.html",
            status=422,
            title=who._("Delete my account"),
            errors={"password": who._("Wrong password.")},
        )
    await drivers.data.delete(who.account)
    who.set_cookie(SESSION_COOKIE, "")
    return redirect(who, "/?notice=deleted")
