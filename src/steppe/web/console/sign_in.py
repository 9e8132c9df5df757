"""Signing in and out, and the language switch every page has."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.responses import Response

from steppe.domain.users.service import SignInRefused, SignInThrottled
from steppe.web.console.visitors import (
    LANGUAGE_COOKIE,
    PRE_COOKIE,
    SESSION_COOKIE,
    Visitor,
    checked_form,
    console_router,
    local_path,
    redirect,
    render,
    text,
    visitor,
    web,
)
from steppe.web.i18n import LANGUAGES

router = console_router()
Who = Annotated[Visitor, Depends(visitor)]


def _form(request: Request, who: Who, **values: object) -> Response:
    status = int(values.pop("status", 200))  # type: ignore[call-overload]
    return render(
        request,
        who,
        "console/sign_in.html",
        status=status,
        title=who._("Sign in"),
        **values,
    )


@router.get("/sign-in")
async def sign_in_page(request: Request, who: Who, next: str | None = None) -> Response:
    if who.signed_in is not None:
        return redirect(who, local_path(next))
    return _form(request, who, email="", errors={}, next=local_path(next))


@router.post("/sign-in")
async def sign_in(request: Request, who: Who) -> Response:
    form = await checked_form(request, who)
    email, password = text(form, "email"), str(form.get("password") or "")
    target = local_path(text(form, "next"))
    errors: dict[str, str] = {}
    if not email:
        errors["email"] = who._("Enter your email.")
    if not password:
        errors["password"] = who._("Enter your password.")
    if errors:
        return _form(request, who, email=email, errors=errors, next=target, status=422)
    users = web(request).services.users
    try:
        _, token = await users.sign_in(
            email,
            password,
            address=request.client.host if request.client else None,
            user_agent=request.headers.get("user-agent"),
        )
    except SignInThrottled as exc:
        errors["password"] = who._(
            "Too many failed attempts. Try again in %(seconds)s seconds.", seconds=exc.retry_after
        )
        return _form(request, who, email=email, errors=errors, next=target, status=429)
    except SignInRefused:
        errors["password"] = who._("Wrong email or password.")
        return _form(request, who, email=email, errors=errors, next=target, status=422)
    await users.forget_idle_sessions()
    who.new_cookies[SESSION_COOKIE] = token
    who.new_cookies[PRE_COOKIE] = ""
    return redirect(who, target)


@router.post("/sign-out")
async def sign_out(request: Request, who: Who) -> Response:
    await checked_form(request, who)
    if who.signed_in is not None:
        await web(request).services.users.sign_out(who.signed_in.session_id)
    who.new_cookies[SESSION_COOKIE] = ""
    return redirect(who, "/console/sign-in?notice=signed-out")


@router.post("/language")
async def change_language(request: Request, who: Who) -> Response:
    form = await checked_form(request, who)
    language = text(form, "language")
    if language in LANGUAGES:
        if who.user is not None:
            await web(request).services.users.update(who.user.id, language=language)
        who.new_cookies[LANGUAGE_COOKIE] = language
    return redirect(who, local_path(text(form, "next")))
