"""`steppe serve | migrate | simulate | keys | users | certs | assets | i18n | plan`: thin entry
points over the application."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from steppe import __version__


def _settings(args: argparse.Namespace) -> Any:
    from steppe.config import Settings

    overrides = {
        key: value
        for key, value in (
            ("host", getattr(args, "host", None)),
            ("http_port", getattr(args, "http_port", None)),
            ("ocpp_port", getattr(args, "ocpp_port", None)),
            ("database_url", getattr(args, "database_url", None)),
            ("log_level", getattr(args, "log_level", None)),
        )
        if value is not None
    }
    if getattr(args, "demo", False):
        overrides["demo"] = True
    return Settings(**overrides)


def _run(coro: Coroutine[Any, Any, int], *, uvloop: bool) -> int:
    if uvloop:
        try:
            import uvloop as _uvloop

            return _uvloop.run(coro)
        except ImportError:
            pass
    return asyncio.run(coro)


def cmd_serve(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from steppe import logging as steppe_logging
    from steppe.app import serve
    from steppe.errors import ConfigurationError

    try:
        settings = _settings(args)
    except ValidationError as exc:
        for error in exc.errors():
            where = ".".join(str(part) for part in error["loc"])
            print(f"steppe: {where + ': ' if where else ''}{error['msg']}", file=sys.stderr)
        return 2
    steppe_logging.configure(settings.log_level, frames=settings.log_frames)
    workers = getattr(args, "workers", None)
    if workers is not None:
        from steppe.app.workers import supervise

        argv = ["serve"]
        for flag, value in (
            ("--host", args.host),
            ("--http-port", args.http_port),
            ("--ocpp-port", args.ocpp_port),
            ("--database-url", args.database_url),
            ("--log-level", args.log_level),
        ):
            if value is not None:
                argv += [flag, str(value)]
        try:
            return asyncio.run(supervise(settings, workers, argv))
        except ConfigurationError as exc:
            print(f"steppe: {exc}", file=sys.stderr)
            return 2
    try:
        return _run(serve(settings), uvloop=settings.use_uvloop)
    except ConfigurationError as exc:  # what the settings name cannot be reached or used
        print(f"steppe: {exc}", file=sys.stderr)
        return 2


def cmd_migrate(args: argparse.Namespace) -> int:
    from steppe.storage import migrator
    from steppe.storage.db import Database

    settings = _settings(args)

    async def migrate() -> int:
        db = Database(settings.database_url)
        try:
            await migrator.upgrade(db.engine)
            print(f"database at revision {await migrator.current_revision(db.engine)}")
        finally:
            await db.close()
        return 0

    return asyncio.run(migrate())


def cmd_certs(args: argparse.Namespace) -> int:
    from pathlib import Path

    from steppe.errors import SteppeError
    from steppe.pki import files

    directory = Path(args.dir)
    try:
        if args.certs_command == "init":
            layout = files.init_directory(
                directory,
                names=args.name or files.DEFAULT_SERVER_NAMES,
                organization=args.organization,
                force=args.force,
            )
            print(f"CA certificate:     {layout.ca_cert}\nCA key (secret):    {layout.ca_key}")
            print(
                f"server certificate: {layout.server_cert}\nserver key:         {layout.server_key}"
            )
            print("settings for `steppe serve`:")
            for variable, value in layout.settings().items():
                print(f"  {variable}={value}")
        else:
            cert, key = files.issue_station_files(
                directory, args.station_id, organization=args.organization
            )
            print(f"station certificate: {cert}\nstation key:         {key}")
            print("install both on the charger with the CA certificate; set its security profile")
            print(f"to 3 with PATCH /api/v1/stations/{args.station_id}")
    except SteppeError as exc:
        print(f"steppe certs: {exc}", file=sys.stderr)
        return 1
    return 0


def cmd_keys(args: argparse.Namespace) -> int:
    from steppe.app import keys as key_commands

    return asyncio.run(
        key_commands.run(
            _settings(args),
            args.keys_command,
            name=getattr(args, "name", None),
            role=getattr(args, "role", None),
            key_id=getattr(args, "key_id", None),
            include_revoked=getattr(args, "all", False),
            err=lambda line: print(line, file=sys.stderr),
        )
    )


def cmd_users(args: argparse.Namespace) -> int:
    import getpass

    from steppe.app import users as user_commands

    password = getattr(args, "password", None)
    if args.users_command in ("create", "password") and password is None:
        password = getpass.getpass("password: ")
    return asyncio.run(
        user_commands.run(
            _settings(args),
            args.users_command,
            email=getattr(args, "email", None),
            password=password,
            role=getattr(args, "role", None),
            name=getattr(args, "name", None),
            language=getattr(args, "language", None),
            err=lambda line: print(line, file=sys.stderr),
        )
    )


def cmd_assets(args: argparse.Namespace) -> int:
    from steppe.web import assets

    try:
        fetched = assets.install(registry=args.registry, force=args.force)
    except assets.AssetError as exc:
        print(f"steppe assets: {exc}", file=sys.stderr)
        return 1
    print("fetched " + ", ".join(fetched) if fetched else "front-end libraries are in place")
    return 0


def cmd_i18n(args: argparse.Namespace) -> int:
    from steppe.web import translations

    if args.i18n_command == "extract":
        for domain in translations.DOMAINS:
            catalog = translations.extract(domain)
            print(f"{domain}: {len(catalog)} messages in the template")
        return 0
    if args.i18n_command == "update":
        for domain in translations.DOMAINS:
            for language, missing in translations.update(domain=domain).items():
                print(f"{domain} {language}: {missing} untranslated")
        return 0
    gaps = {
        (domain, lang): translations.untranslated(lang, domain)
        for domain in translations.DOMAINS
        for lang in ("kk", "ru")
    }
    for (domain, language), messages in gaps.items():
        for message in messages:
            print(f"{domain} {language}: {message}")
    return 1 if any(gaps.values()) else 0


def _add_server_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", help="address to listen on (STEPPE_HOST, 127.0.0.1)")
    parser.add_argument("--http-port", type=int, help="HTTP API port (STEPPE_HTTP_PORT, 8000)")
    parser.add_argument("--ocpp-port", type=int, help="OCPP port (STEPPE_OCPP_PORT, 9000)")
    parser.add_argument(
        "--database-url", help="STEPPE_DATABASE_URL (sqlite+aiosqlite:///./steppe.db)"
    )
    parser.add_argument("--log-level", choices=["DEBUG", "INFO", "WARNING", "ERROR"])


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="steppe", description="Steppe charging network back office")
    top.add_argument("--version", action="version", version=f"steppe {__version__}")
    sub = top.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the OCPP server and the HTTP API")
    _add_server_options(serve)
    serve.add_argument("--demo", action="store_true", help="also run a few simulated chargers")
    serve.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="run N node processes sharing the ports (needs STEPPE_CLUSTER_URL and PostgreSQL)",
    )
    serve.set_defaults(func=cmd_serve)

    migrate = sub.add_parser("migrate", help="bring the database to the newest schema")
    migrate.add_argument("--database-url")
    migrate.set_defaults(func=cmd_migrate)

    certs = sub.add_parser("certs", help="a local CA, server and station certificates for TLS")
    certs_sub = certs.add_subparsers(dest="certs_command", required=True)
    init = certs_sub.add_parser("init", help="create a CA and a server certificate in --dir")
    init.add_argument("--name", action="append", help="server DNS name or IP (repeatable)")
    init.add_argument("--force", action="store_true", help="replace an existing CA")
    station = certs_sub.add_parser("station", help="issue a station's client certificate")
    station.add_argument("station_id")
    for command in (init, station):
        command.add_argument("--dir", required=True, help="folder of the CA files")
        command.add_argument("--organization", default="Steppe", help="O= of the certificates")
    certs.set_defaults(func=cmd_certs)

    keys = sub.add_parser("keys", help="API keys: create, list, revoke")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    create = keys_sub.add_parser("create", help="create a key and print it (shown once)")
    create.add_argument("--role", required=True, choices=["admin", "operator", "viewer"])
    create.add_argument("--name", required=True, help="who or what uses the key")
    listing = keys_sub.add_parser("list", help="list keys")
    listing.add_argument("--all", action="store_true", help="include revoked keys")
    revoke = keys_sub.add_parser("revoke", help="revoke a key by its id")
    revoke.add_argument("key_id")
    for command in (create, listing, revoke):
        command.add_argument("--database-url")
    keys.set_defaults(func=cmd_keys)

    _add_users(sub)
    assets = sub.add_parser("assets", help="fetch the pinned front-end libraries of the pages")
    assets.add_argument("--registry", help="an npm registry mirror (default: the public one)")
    assets.add_argument("--force", action="store_true", help="fetch even if in place")
    assets.set_defaults(func=cmd_assets)
    i18n = sub.add_parser("i18n", help="the pages' translation catalogues")
    i18n.add_argument("i18n_command", choices=["extract", "update", "check"])
    i18n.set_defaults(func=cmd_i18n)

    _add_simulate(sub)
    _add_plan(sub)
    return top


def _add_plan(sub: Any) -> None:
    plan = sub.add_parser("plan", help="simulate a network's growth: queues, energy, revenue")
    plan.add_argument("scenario", help="scenario file (TOML, see docs/planning.md)")
    plan.add_argument("--out", required=True, help="folder for summary.json and report.html")
    plan.add_argument("--replications", type=int, help="override the scenario's replications")
    plan.add_argument("--seed", type=int, help="override the scenario's seed")
    plan.add_argument("--workers", type=int, help="parallel processes (default: one per core)")
    plan.add_argument("--database-url", help='for network = "current" (STEPPE_DATABASE_URL)')
    plan.add_argument("--no-recommend", action="store_true", help="skip the optimiser")
    plan.add_argument("--quiet", action="store_true", help="no progress bar")
    plan.add_argument(
        "--lang", choices=["en", "ru", "kk"], default="en", help="the report's language"
    )
    plan.set_defaults(func=cmd_plan)


def cmd_plan(args: argparse.Namespace) -> int:
    from pathlib import Path

    from steppe.planning import extras

    absent = extras.missing()
    if absent:
        print(
            f"steppe plan needs the `{extras.EXTRA}` extra ({', '.join(absent)} missing): "
            f"{extras.INSTALL}",
            file=sys.stderr,
        )
        return 2
    from steppe.planning.command import Options, run

    options = Options(
        scenario=Path(args.scenario),
        out=Path(args.out),
        replications=args.replications,
        seed=args.seed,
        workers=args.workers,
        recommend=not args.no_recommend,
        progress=not args.quiet,
        database_url=args.database_url,
        language=args.lang,
    )
    return run(options)


def _add_users(sub: Any) -> None:
    users = sub.add_parser("users", help="console users: create, list, password")
    users_sub = users.add_subparsers(dest="users_command", required=True)
    create = users_sub.add_parser("create", help="create a user who signs in to /console/")
    create.add_argument("--email", required=True)
    create.add_argument("--password", help="asked for when not given")
    create.add_argument("--role", required=True, choices=["admin", "operator", "viewer"])
    create.add_argument("--name", help="the name the console shows")
    create.add_argument("--language", choices=["kk", "ru", "en"])
    password = users_sub.add_parser("password", help="set a user's password")
    password.add_argument("--email", required=True)
    password.add_argument("--password", help="asked for when not given")
    listing = users_sub.add_parser("list", help="list users")
    for command in (create, password, listing):
        command.add_argument("--database-url")
    users.set_defaults(func=cmd_users)


def _add_simulate(sub: Any) -> None:
    sim = sub.add_parser("simulate", help="run simulated chargers against a Steppe (or any CSMS)")
    sim.add_argument("--url", default="ws://127.0.0.1:9000/ocpp", help="OCPP endpoint base URL")
    sim.add_argument("--stations", type=int, default=1, help="how many chargers")
    sim.add_argument(
        "--ocpp", choices=["1.6", "2.0.1", "2.1"], default="1.6", help="protocol version"
    )
    sim.add_argument("--prefix", default="SIM-", help="station ids are PREFIX00001, ...")
    sim.add_argument("--password", help="Basic auth password shared by the chargers")
    sim.add_argument("--id-token", action="append", help="id token to charge with (repeatable)")
    sim.add_argument("--sessions", type=int, help="sessions per charger (default: run forever)")
    sim.add_argument("--connectors", type=int, default=2)
    sim.add_argument("--power-kw", type=float, default=22.0)
    sim.add_argument("--meter-interval", type=float, default=10.0, help="seconds")
    sim.add_argument("--session-seconds", type=float, default=60.0, help="mean session length")
    sim.add_argument("--time-scale", type=float, default=1.0, help="charging speed-up factor")
    sim.add_argument("--cafile", help="CA bundle to trust for wss://")
    sim.add_argument(
        "--durable",
        action="store_true",
        help="keep each message until acknowledged: reconnect and resend after a lost link",
    )
    sim.add_argument(
        "--register",
        metavar="API_URL",
        help="first create the stations and id tokens through this API (uses STEPPE_ADMIN_TOKEN)",
    )
    sim.set_defaults(func=cmd_simulate)


def cmd_simulate(args: argparse.Namespace) -> int:
    import logging
    import os

    from steppe.simulator.launcher import FleetOptions, simulate

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    length = float(args.session_seconds)
    options = FleetOptions(
        url=args.url,
        stations=args.stations,
        ocpp_version=args.ocpp,
        prefix=args.prefix,
        password=args.password,
        id_tokens=tuple(args.id_token or ["SIM-TOKEN"]),
        sessions=args.sessions,
        connectors=args.connectors,
        power_kw=args.power_kw,
        meter_interval=args.meter_interval,
        session_seconds=(length * 0.5, length * 1.5),
        time_scale=args.time_scale,
        cafile=args.cafile,
        durable=args.durable,
    )
    token = os.environ.get("STEPPE_ADMIN_TOKEN")
    if args.register and not token:
        print("--register needs STEPPE_ADMIN_TOKEN in the environment", file=sys.stderr)
        return 2

    async def go() -> int:
        report = await simulate(options, api_url=args.register, admin_token=token)
        print(report.summary())
        return 1 if report.failed or report.refused else 0

    try:
        return asyncio.run(go())
    except KeyboardInterrupt:
        return 130


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    return func(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
