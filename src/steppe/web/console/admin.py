"""Administration: webhooks and their delivery log, users, API keys."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from starlette.responses import Response

from steppe.api.deps import Role
from steppe.domain.events import EventType
from steppe.domain.keys.service import ROLES
from steppe.errors import AlreadyExists, InvalidInput
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
from steppe.web.i18n import LANGUAGES

router = console_router()
EVENT_TYPES = tuple(str(t) for t in EventType if t is not EventType.STREAM_LAGGED)


def _actor(who: Visitor) -> str:
    assert who.user is not None
    return who.user.actor


# --- webhooks ------------------------------------------------------------------------------------


async def _webhooks_page(
    request: Request,
    who: Visitor,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    return render(
        request,
        who,
        "console/webhooks.html",
        status=status,
        section="webhooks",
        title=who._("Webhooks"),
        webhooks=await web(request).services.webhooks.list(),
        values=values,
        errors=errors,
        event_types=EVENT_TYPES,
    )


@router.get("/webhooks")
async def webhooks(request: Request, who: Staff) -> Response:
    require(who, Role.OPERATOR)
    return await _webhooks_page(request, who, {"types": []}, {})


@router.post("/webhooks")
async def create_webhook(request: Request, who: Staff) -> Response:
    require(who, Role.ADMIN)
    form = await checked_form(request, who)
    check = FormCheck(form, who.translator)
    url = check.text("url", required=True, longest=2000)
    secret = str(form.get("secret") or "")
    if len(secret) < 16:
        check.fail("secret", who._("Use at least 16 characters."))
    types = [t for t in form.getlist("types") if isinstance(t, str) and t in EVENT_TYPES]
    values = {**values_of(form, ("url",)), "types": types}
    if check.ok and url is not None:
        try:
            hook = await web(request).services.webhooks.create(
                url, secret, types or None, created_by=_actor(who)
            )
        except InvalidInput as exc:
            name = str(exc).split(":", 1)[0]
            check.fail(name if name in ("url", "secret", "types") else "", str(exc))
        else:
            await web(request).services.audit.record(
                _actor(who),
                "webhook.create",
                target=f"webhook {hook.id}",
                details={"url": url, "types": types, "secret": secret},
            )
            return redirect(who, "/console/webhooks?notice=created")
    return await _webhooks_page(request, who, values, check.errors, status=422)


@router.post("/webhooks/{webhook_id}/delete")
async def delete_webhook(request: Request, who: Staff, webhook_id: str) -> Response:
    require(who, Role.ADMIN)
    await checked_form(request, who)
    hook = await web(request).services.webhooks.get(webhook_id)
    await web(request).services.webhooks.delete(webhook_id)
    await web(request).services.audit.record(
        _actor(who), "webhook.delete", target=f"webhook {webhook_id}", details={"url": hook.url}
    )
    return redirect(who, "/console/webhooks?notice=deleted")


@router.get("/webhooks/{webhook_id}")
async def webhook_deliveries(request: Request, who: Staff, webhook_id: str) -> Response:
    require(who, Role.OPERATOR)
    service = web(request).services.webhooks
    hook = await service.get(webhook_id)
    return render(
        request,
        who,
        "console/webhook.html",
        section="webhooks",
        title=who._("Deliveries to %(url)s", url=hook.url),
        hook=hook,
        deliveries=await service.deliveries(webhook_id, limit=100),
    )


# --- users ---------------------------------------------------------------------------------------


async def _users_page(
    request: Request,
    who: Visitor,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    return render(
        request,
        who,
        "console/users.html",
        status=status,
        section="users",
        title=who._("Users"),
        users=await web(request).services.users.list(),
        values=values,
        errors=errors,
        roles=ROLES,
        user_languages=LANGUAGES,
    )


@router.get("/users")
async def users(request: Request, who: Staff) -> Response:
    require(who, Role.ADMIN)
    return await _users_page(request, who, {"role": "viewer"}, {})


@router.post("/users")
async def create_user(request: Request, who: Staff) -> Response:
    require(who, Role.ADMIN)
    form = await checked_form(request, who)
    check = FormCheck(form, who.translator)
    email = check.text("email", required=True, longest=254)
    password = str(form.get("password") or "")
    if len(password) < 10:
        check.fail("password", who._("Use at least 10 characters."))
    role = check.choice("role", ROLES, required=True)
    language = check.choice("language", LANGUAGES)
    name = check.text("name", longest=100)
    values = values_of(form, ("email", "name", "role", "language"))
    if check.ok and email and role:
        try:
            user = await web(request).services.users.create(
                email, password, role, name=name, language=language
            )
        except AlreadyExists:
            check.fail("email", who._("A user with this email exists already."))
        except InvalidInput as exc:
            field = str(exc).split(":", 1)[0]
            check.fail(field if field in ("email", "password", "role") else "", str(exc))
        else:
            await web(request).services.audit.record(
                _actor(who), "user.create", target=f"user {user.email}", details={"role": role}
            )
            return redirect(who, "/console/users?notice=created")
    return await _users_page(request, who, values, check.errors, status=422)


@router.post("/users/{user_id}")
async def change_user(request: Request, who: Staff, user_id: str) -> Response:
    """Change a user's role, disable or enable them, or give them a new password."""
    require(who, Role.ADMIN)
    form = await checked_form(request, who)
    service = web(request).services.users
    user = await service.get(user_id)
    check = FormCheck(form, who.translator)
    action = check.raw("action")
    details: dict[str, Any] = {}
    if action == "role":
        role = check.choice("role", ROLES, required=True)
        if role and not (user.id == (who.user.id if who.user else "") and role != "admin"):
            await service.update(user_id, role=role)
            details["role"] = role
    elif action in ("disable", "enable") and user.id != (who.user.id if who.user else ""):
        await service.update(user_id, active=action == "enable")
        details["active"] = action == "enable"
    elif action == "password":
        password = str(form.get("password") or "")
        if len(password) < 10:
            check.fail("", who._("Use at least 10 characters."))
        else:
            await service.set_password(user_id, password)
            details["password"] = password
    if not check.ok:
        return await _users_page(request, who, {"role": "viewer"}, check.errors, status=422)
    if details:
        await web(request).services.audit.record(
            _actor(who), f"user.{action}", target=f"user {user.email}", details=details
        )
    return redirect(who, "/console/users?notice=saved")


# --- API keys ------------------------------------------------------------------------------------


async def _keys_page(
    request: Request,
    who: Visitor,
    values: dict[str, Any],
    errors: dict[str, str],
    *,
    secret: str | None = None,
    status: int = 200,
) -> Response:
    return render(
        request,
        who,
        "console/keys.html",
        status=status,
        section="keys",
        title=who._("API keys"),
        keys=await web(request).services.keys.list(include_revoked=True),
        values=values,
        errors=errors,
        roles=ROLES,
        secret=secret,
    )


@router.get("/keys")
async def keys(request: Request, who: Staff) -> Response:
    require(who, Role.ADMIN)
    return await _keys_page(request, who, {"role": "viewer"}, {})


@router.post("/keys")
async def create_key(request: Request, who: Staff) -> Response:
    require(who, Role.ADMIN)
    form = await checked_form(request, who)
    check = FormCheck(form, who.translator)
    name = check.text("name", required=True, longest=100)
    role = check.choice("role", ROLES, required=True)
    if not check.ok or name is None or role is None:
        return await _keys_page(
            request, who, values_of(form, ("name", "role")), check.errors, status=422
        )
    key, secret = await web(request).services.keys.create(name, role, created_by=_actor(who))
    await web(request).services.audit.record(
        _actor(who), "key.create", target=f"key {key.id}", details={"name": name, "role": role}
    )
    return await _keys_page(request, who, {"role": "viewer"}, {}, secret=secret)


@router.post("/keys/{key_id}/revoke")
async def revoke_key(request: Request, who: Staff, key_id: str) -> Response:
    require(who, Role.ADMIN)
    await checked_form(request, who)
    await web(request).services.keys.revoke(key_id)
    await web(request).services.audit.record(_actor(who), "key.revoke", target=f"key {key_id}")
    return redirect(who, "/console/keys?notice=saved")
