"""The ``shortbreaks`` command: serve, worker, migrate, create-admin, demo-data, makemigrations."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import logging.config
import os
import socket
import sys
from collections.abc import Callable, Coroutine
from typing import Any

from shortbreaks.settings import Settings, SettingsError, load_settings, pass_listen_address


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        print(f"shortbreaks: configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def _run(coro_factory: Callable[[Settings], Coroutine[Any, Any, int | None]]) -> int:
    settings = _settings()
    return asyncio.run(coro_factory(settings)) or 0


def _logging_config(settings: Settings | None) -> dict[str, Any]:
    from shortbreaks.logs import logging_config

    if settings is None:  # the settings are wrong: the command says so, in text
        return logging_config(json_format=False, level="INFO")
    return logging_config(json_format=settings.json_logs, level=settings.log_level)


def gunicorn_command(settings: Settings, *, host: str, port: int, workers: int, access_log: bool) -> list[str]:
    """What ``shortbreaks serve`` runs: gunicorn managing ``workers`` uvicorn worker processes.

    ``--reuse-port``: each worker opens its own ``SO_REUSEPORT`` socket, so the kernel spreads
    connections across them by a hash of their addresses (with one shared socket, connections
    opened together mostly went to one process). ``--no-control-socket``: gunicorn 27 would
    otherwise open a control socket under ``~/.gunicorn/``.
    """
    command = [
        *("gunicorn", "shortbreaks.asgi:app", "-k", "uvicorn_worker.UvicornWorker"),
        *("-w", str(workers), "-b", f"{host}:{port}", "--reuse-port", "--no-control-socket"),
        *("--forwarded-allow-ips", settings.forwarded_allow_ips),
    ]
    if access_log:
        command += ["--access-logfile", "-"]
    return command


def _address_in_use(host: str, port: int) -> OSError | None:
    """Whether something listens on ``host:port``. gunicorn's workers bind with ``SO_REUSEPORT``,
    which a second server's workers would join silently, sharing this one's traffic; a bind
    without it fails on an address anyone holds."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn's bind: TIME_WAIT is no conflict
        try:
            probe.bind((host, port))
        except OSError as exc:
            return exc
    return None


def cmd_serve(args: argparse.Namespace) -> int:
    settings = _settings()
    host = args.host or settings.host
    port = settings.port if args.port is None else args.port
    # The server's processes read their settings again: without BASE_URL, their links name this address.
    pass_listen_address(host, port)
    access_log = args.access_log or not settings.is_production
    if args.reload:
        if settings.is_production:
            print("shortbreaks: --reload is for development only", file=sys.stderr)
            return 2
        import uvicorn

        level = settings.log_level.lower()
        uvicorn.run("shortbreaks.asgi:app", host=host, port=port, reload=True, access_log=access_log, log_level=level)
        return 0
    problem = _address_in_use(host, port) if port else None
    if problem is not None:
        print(f"shortbreaks: Cannot listen on {host}:{port}: {problem.strerror or problem}", file=sys.stderr)
        return 1
    command = gunicorn_command(settings, host=host, port=port, workers=args.workers or settings.web_concurrency, access_log=access_log)
    print("shortbreaks: " + " ".join(command), file=sys.stderr, flush=True)
    # gunicorn takes this process over (same pid), so signals from the platform reach its master.
    os.execv(sys.executable, [sys.executable, "-m", *command])  # noqa: S606 — our own interpreter, a fixed command


def cmd_worker(args: argparse.Namespace) -> int:
    from shortbreaks.jobs import create_worker

    settings = _settings()
    if not settings.redis_url:
        print("shortbreaks: the worker needs REDIS_URL (without Redis, jobs run inside 'shortbreaks serve')", file=sys.stderr)
        return 2
    if settings.worker_nice:
        # Background work yields the CPU to requests: in a booking rush the families' requests come
        # first and their confirmation emails a few seconds later (bench/README.md).
        os.nice(settings.worker_nice)
    worker = create_worker(settings, burst=args.burst)
    worker.run()
    return 0


async def _migrate(settings: Settings) -> int:
    from shortbreaks.db import close_db, migrate

    try:
        await migrate(settings, progress=True)
    finally:
        await close_db()
    print("migrations applied")
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    return _run(_migrate)


def cmd_makemigrations(args: argparse.Namespace) -> int:
    from tortoise.cli.cli import main as tortoise_main

    sys.argv = ["tortoise", "-c", "shortbreaks.tortoise_conf.TORTOISE_ORM", "makemigrations", *args.apps]
    if args.name:
        sys.argv += ["--name", args.name]
    tortoise_main()
    return 0


def cmd_create_admin(args: argparse.Namespace) -> int:
    settings = _settings()
    if settings.admin_password is not None:
        password = settings.admin_password.get_secret_value()
    else:
        password = getpass.getpass("Password (10 characters or more): ")

    async def create(settings: Settings) -> int:
        from shortbreaks.accounts.services import ensure_user
        from shortbreaks.clock import SystemClock
        from shortbreaks.db import close_db, init_db
        from shortbreaks.errors import DomainError

        await init_db(settings)
        try:
            user = await ensure_user(
                email=args.email, password=password, display_name=args.name, is_site_admin=True, now=SystemClock().now()
            )
            if not user.is_site_admin:
                user.is_site_admin = True
                await user.save(update_fields=["is_site_admin", "updated_at"])
        except DomainError as exc:
            print(f"shortbreaks: {exc.message}", file=sys.stderr)
            return 2
        finally:
            await close_db()
        print(f"site administrator {user.email} is ready")
        return 0

    return asyncio.run(create(settings))


def cmd_demo_data(args: argparse.Namespace) -> int:
    async def load(settings: Settings) -> int:
        from shortbreaks.db import close_db, init_db
        from shortbreaks.demo import load_demo_data, print_sign_ins

        await init_db(settings)
        try:
            created = await load_demo_data(settings)
        finally:
            await close_db()
        print("demo data loaded" if created else "demo data already present: nothing changed")
        print_sign_ins()
        return 0

    return _run(load)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="shortbreaks", description="Short breaks for disabled children: find, book, fund.")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser(
        "serve",
        help="serve the web app (gunicorn with uvicorn workers)",
        description="Serve the web app: gunicorn manages --workers uvicorn processes, each on its own SO_REUSEPORT socket. "
        "Without REDIS_URL, jobs run in the server process.",
    )
    serve.add_argument("--host", help="address to listen on (default: HOST, else 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (default: PORT, else 8000)")
    serve.add_argument("--workers", type=int, help="server processes (default: WEB_CONCURRENCY, else 1)")
    serve.add_argument("--reload", action="store_true", help="one uvicorn process that reloads on code changes (development)")
    serve.add_argument("--access-log", action="store_true", help="log every request in production too")
    serve.set_defaults(func=cmd_serve)

    worker = sub.add_parser(
        "worker", help="run the arq worker (needs REDIS_URL)", description="Run background jobs and cron jobs from Redis."
    )
    worker.add_argument("--burst", action="store_true", help="run the jobs queued now, then exit")
    worker.set_defaults(func=cmd_worker)

    migrate = sub.add_parser("migrate", help="apply database migrations", description="Apply every unapplied migration.")
    migrate.set_defaults(func=cmd_migrate)

    make = sub.add_parser(
        "makemigrations", help="write migrations for model changes (developers)", description="Write new migration files for model changes."
    )
    make.add_argument("apps", nargs="*", help="app labels: core, providers, bookings, payments, feeds, entitlements, grants")
    make.add_argument("--name", help="migration name")
    make.set_defaults(func=cmd_makemigrations)

    admin = sub.add_parser(
        "create-admin",
        help="create a site administrator",
        description="Create (or promote) a site administrator. The password comes from SHORTBREAKS_ADMIN_PASSWORD or a prompt.",
    )
    admin.add_argument("email")
    admin.add_argument("--name", default="Site administrator")
    admin.set_defaults(func=cmd_create_admin)

    demo = sub.add_parser(
        "demo-data",
        help="load the demo data set (twice changes nothing)",
        description="Load a deterministic demo data set and print the demo sign-in details.",
    )
    demo.set_defaults(func=cmd_demo_data)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    try:
        settings: Settings | None = load_settings()
    except SettingsError:
        settings = None  # the command itself reports it
    logging.config.dictConfig(_logging_config(settings))
    raise SystemExit(args.func(args))
