"""The signed-in person's own account: password, language, sessions, sign-out everywhere."""

from __future__ import annotations

from fastapi import Request
from starlette.responses import Response

from steppe.web.console.visitors import (
    SESSION_COOKIE,
    Staff,
    Visitor,
    checked_form,
    console_router,
    redirect,
    render,
    web,
)

router = console_router()


async def _page(
    request: Request, who: Visitor, errors: dict[str, str], status: int = 200
) -> Response:
    assert who.user is not None and who.signed_in is not None
    sessions = await web(request).services.users.sessions(who.user.id)
    return render(
        request,
        who,
        "console/account.html",
        status=status,
        section="account",
        title=who._("My account"),
        errors=errors,
        sessions=sessions,
        current=who.signed_in.session_id,
    )


@router.get("/account")
async def account(request: Request, who: Staff) -> Response:
    return await _page(request, who, {})


@router.post("/account/password")
async def change_password(request: Request, who: Staff) -> Response:
    form = await checked_form(request, who)
    assert who.user is not None
    users = web(request).services.users
    current = str(form.get("current") or "")
    new = str(form.get("new") or "")
    repeat = str(form.get("repeat") or "")
    errors: dict[str, str] = {}
    if not current:
        errors["current"] = who._("Enter your current password.")
    if len(new) < 10:
        errors["new"] = who._("Use at least 10 characters.")
    elif new != repeat:
        errors["repeat"] = who._("The two new passwords differ.")
    if not errors and not await users.verify_password(who.user.id, current):
        errors["current"] = who._("Wrong password.")
    if errors:
        return await _page(request, who, errors, status=422)
    await users.set_password(who.user.id, new)
    await web(request).services.audit.record(
        who.user.actor, "user.password", target=f"user {who.user.email}"
    )
    who.new_cookies[SESSION_COOKIE] = ""
    return redirect(who, "/console/sign-in?notice=password-changed")


@router.post("/account/sign-out-everywhere")
async def sign_out_everywhere(request: Request, who: Staff) -> Response:
    await checked_form(request, who)
    assert who.user is not None
    await web(request).services.users.sign_out_everywhere(who.user.id)
    await web(request).services.audit.record(
        who.user.actor, "user.sign_out_everywhere", target=f"user {who.user.email}"
    )
    who.new_cookies[SESSION_COOKIE] = ""
    return redirect(who, "/console/sign-in?notice=signed-out")
