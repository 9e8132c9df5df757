"""Staff sign in with email and password; sessions, form tokens and lockouts protect them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from steppe.app import Steppe, build, running
from steppe.app import users as user_commands
from steppe.config import Settings
from steppe.ocpp.validation import SchemaRegistry
from tests.conftest import _settings
from tests.web.console import PASSWORD, browser, form_token, post, sign_in


class Clock:
    def __init__(self) -> None:
        self.at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.at


async def test_a_signed_out_browser_is_sent_to_sign_in(steppe: Steppe) -> None:
    """Any console page without a session answers with a redirect to the sign-in form."""
    async with browser(steppe) as client:
        answer = await client.get("/console/?city=Almaty")
        assert answer.status_code == 303
        assert answer.headers["location"] == "/console/sign-in?next=%2Fconsole%2F%3Fcity%3DAlmaty"
        form = await client.get(answer.headers["location"])
        assert form.status_code == 200
        for label in (">Email", ">Password", ">Sign in</button>"):
            assert label in form.text


async def test_sign_in_sets_a_protected_cookie_and_a_wrong_password_says_so(steppe: Steppe) -> None:
    """The right password opens the dashboard with an HttpOnly, SameSite=Lax cookie; a wrong
    one re-shows the form with a message beside the password field."""
    await steppe.services.users.create("ops@steppe.kz", PASSWORD, "operator")
    async with browser(steppe) as client:
        wrong = await sign_in(client, "ops@steppe.kz", "not-the-password")
        assert wrong.status_code == 422
        assert 'id="f-password-error"' in wrong.text and "Wrong email or password." in wrong.text
        right = await sign_in(client, "OPS@steppe.kz ")
        assert right.status_code == 303 and right.headers["location"] == "/console/"
        cookie = right.headers["set-cookie"]
        assert "steppe_session=" in cookie and "HttpOnly" in cookie
        assert "SameSite=lax" in cookie and "Path=/console" in cookie and "Secure" not in cookie
        dashboard = await client.get("/console/")
        assert dashboard.status_code == 200 and "<h1>Dashboard</h1>" in dashboard.text


async def test_a_form_without_its_token_is_refused(steppe: Steppe) -> None:
    """A post without the form token, or with another browser's, changes nothing: 403."""
    await steppe.services.users.create("ops@steppe.kz", PASSWORD, "operator")
    async with browser(steppe) as client, browser(steppe) as other:
        await sign_in(client, "ops@steppe.kz")
        refused = await client.post(
            "/console/language", data={"language": "ru", "next": "/console/"}
        )
        assert refused.status_code == 403
        assert "This form has expired" in refused.text
        stranger = form_token((await other.get("/console/sign-in")).text)
        refused = await client.post(
            "/console/language", data={"csrf": stranger, "language": "ru", "next": "/console/"}
        )
        assert refused.status_code == 403
        page = await client.get("/console/")
        assert '<html lang="en">' in page.text
        forged = await client.post(
            "/console/language",
            data={"csrf": form_token(page.text), "language": "ru", "next": "/console/"},
            headers={"Origin": "https://evil.example"},
        )
        assert forged.status_code == 403


async def test_the_language_is_kept_per_user(steppe: Steppe) -> None:
    """Switching to Kazakh is remembered for the user, in another browser too."""
    await steppe.services.users.create("ops@steppe.kz", PASSWORD, "viewer")
    async with browser(steppe) as client, browser(steppe) as later:
        await sign_in(client, "ops@steppe.kz")
        switched = await post(
            client, "/console/language", {"language": "kk", "next": "/console/"}, page="/console/"
        )
        assert switched.status_code == 303
        assert '<html lang="kk">' in (await client.get("/console/")).text
        await sign_in(later, "ops@steppe.kz")
        assert '<html lang="kk">' in (await later.get("/console/")).text


async def test_repeated_wrong_passwords_lock_the_account(steppe: Steppe) -> None:
    """After five wrong passwords even the right one waits, and the form says how long."""
    await steppe.services.users.create("ops@steppe.kz", PASSWORD, "operator")
    async with browser(steppe) as client:
        for _ in range(5):
            assert (await sign_in(client, "ops@steppe.kz", "wrong-password")).status_code == 422
        locked = await sign_in(client, "ops@steppe.kz")
        assert locked.status_code == 429
        assert "Too many failed attempts" in locked.text


async def test_signing_out_everywhere_ends_the_other_sessions(steppe: Steppe) -> None:
    """Two browsers signed in; signing out everywhere from one sends both back to sign in."""
    await steppe.services.users.create("ops@steppe.kz", PASSWORD, "operator")
    async with browser(steppe) as first, browser(steppe) as second:
        await sign_in(first, "ops@steppe.kz")
        await sign_in(second, "ops@steppe.kz")
        assert (await second.get("/console/")).status_code == 200
        done = await post(
            first, "/console/account/sign-out-everywhere", {}, page="/console/account"
        )
        assert done.status_code == 303
        assert (await second.get("/console/")).status_code == 303
        assert (await first.get("/console/")).status_code == 303
        entries = await steppe.services.commands.audit(command="user.sign_out_everywhere")
        assert [e.actor for e in entries] == ["user:ops@steppe.kz"]


async def test_an_idle_session_ends(sqlite_url: str, schemas: SchemaRegistry) -> None:
    """Past the idle timeout without a request, the session no longer opens pages."""
    clock = Clock()
    settings = _settings(sqlite_url, user_password_hash_cost=10, console_idle_timeout=600)
    async with running(build(settings, clock=clock, schemas=schemas)) as app:
        await app.services.users.create("ops@steppe.kz", PASSWORD, "operator")
        async with browser(app) as client:
            await sign_in(client, "ops@steppe.kz")
            clock.at += timedelta(minutes=9)
            assert (await client.get("/console/")).status_code == 200
            clock.at += timedelta(minutes=9)  # 9 minutes since the last page: still in time
            assert (await client.get("/console/")).status_code == 200
            clock.at += timedelta(minutes=11)
            assert (await client.get("/console/")).status_code == 303


async def test_the_first_admin_is_created_from_the_shell(sqlite_url: str) -> None:
    """`steppe users create` makes an account that signs in; a taken email is an error."""
    settings = Settings(database_url=sqlite_url, user_password_hash_cost=10)
    lines: list[str] = []
    status = await user_commands.run(
        settings,
        "create",
        email="Boss@Steppe.kz",
        password=PASSWORD,
        role="admin",
        out=lines.append,
        err=lines.append,
    )
    assert status == 0 and "created admin boss@steppe.kz" in lines[0]
    again = await user_commands.run(
        settings,
        "create",
        email="boss@steppe.kz",
        password=PASSWORD,
        role="admin",
        out=lines.append,
        err=lines.append,
    )
    assert again == 1 and "already exists" in lines[-1]
    short = await user_commands.run(
        settings,
        "create",
        email="x@steppe.kz",
        password="short",
        role="viewer",
        out=lines.append,
        err=lines.append,
    )
    assert short == 1 and "10 to 256 characters" in lines[-1]
