"""`steppe serve | migrate | simulate | keys | certs`: thin entry points over the application."""

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

            return _uvloop.run(coro)  # type: ignore[no-any-return]
        except ImportError:
            pass
    return asyncio.run(coro)


def cmd_serve(args: argparse.Namespace) -> int:
    from steppe import logging as steppe_logging
    from steppe.app import serve

    settings = _settings(args)
    steppe_logging.configure(settings.log_level, frames=settings.log_frames)
    return _run(serve(settings), uvloop=settings.use_uvloop)


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
    serve.set_defaults(func=cmd_serve)

    migrate = sub.add_parser("migrate", help="bring the database to the newest schema")
    migrate.add_argument("--database-url")
    migrate.set_defaults(func=cmd_migrate)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    return func(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
