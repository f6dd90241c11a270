"""Database: one Tortoise configuration for the app, the worker, the CLI and the tests.

Each domain package is a Tortoise app with its own ``migrations`` package; the core's
models form the ``core`` app. Schema changes go only through checked-in migrations
(Tortoise's built-in migration framework), which also create the CHECK constraints,
partial unique indexes and triggers that ``generate_schemas`` would silently skip.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import asyncpg
from tortoise import Tortoise, connections
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.exceptions import DBConnectionError

from shortbreaks.domains import APP_LABELS, CORE_MODEL_MODULES, DOMAIN_PACKAGES
from shortbreaks.settings import Settings

DEFAULT_POOL_MAX = 10


def connection_url(database_url: str) -> str:
    """Normalise a ``DATABASE_URL`` to what Tortoise expects, with sensible pool defaults."""
    parts = urlsplit(database_url)
    scheme = parts.scheme
    query = dict(parse_qsl(parts.query))
    if scheme in ("postgresql", "asyncpg", "postgres"):
        scheme = "postgres"
        query.setdefault("maxsize", str(DEFAULT_POOL_MAX))
    elif scheme == "sqlite":
        query.setdefault("journal_mode", "WAL")
        query.setdefault("busy_timeout", "15000")
    return urlunsplit((scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


def admission_limit(database_url: str) -> int | None:
    """How many requests may work at once in one process (``middleware.AdmissionMiddleware``): the
    PostgreSQL pool's ``maxsize`` less one. ``None`` on SQLite, whose one connection Tortoise
    serialises anyway."""
    url = connection_url(database_url)
    if not is_postgres(url):
        return None
    return max(1, int(dict(parse_qsl(urlsplit(url).query))["maxsize"]) - 1)


def is_postgres(database_url: str) -> bool:
    return urlsplit(database_url).scheme in ("postgres", "postgresql", "asyncpg")


class PooledConnection(asyncpg.Connection):
    """An asyncpg connection that skips the reset query when it goes back to the pool.

    asyncpg's default sends ``SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL``
    on every release, and Tortoise takes a pool connection per query outside a transaction, so
    that doubled the round trips of most requests (measured in bench/README.md). The app sets no
    session state for it to undo: no LISTEN, no session advisory locks (only
    ``pg_advisory_xact_lock``), no cursors, no ``SET``. asyncpg still rolls back a transaction
    left open on release (``Connection._reset``), which is the part that matters.
    """

    def get_reset_query(self) -> str:
        return ""


def _connection(database_url: str, *, production: bool = False) -> str | dict[str, Any]:
    url = connection_url(database_url)
    if not is_postgres(url):
        return url
    config = expand_db_url(url)
    if production and "minsize" not in dict(parse_qsl(urlsplit(url).query)):
        # Open the whole pool at start-up: a booking rush that finds one warm connection per
        # process spends its first second opening the rest (bench/README.md).
        config["credentials"]["minsize"] = config["credentials"]["maxsize"]
    config["credentials"]["connection_class"] = PooledConnection
    return config


def tortoise_config(settings: Settings) -> dict[str, Any]:
    apps: dict[str, Any] = {
        "core": {
            "models": list(CORE_MODEL_MODULES),
            "migrations": "shortbreaks.migrations",
            "default_connection": "default",
        }
    }
    for package in DOMAIN_PACKAGES:
        apps[APP_LABELS[package]] = {
            "models": [f"{package}.models"],
            "migrations": f"{package}.migrations",
            "default_connection": "default",
        }
    return {
        "connections": {"default": _connection(settings.database_url, production=settings.is_production)},
        "apps": apps,
        "use_tz": True,
        "timezone": "UTC",
    }


async def init_db(settings: Settings) -> None:
    """Open connections (for the worker and CLI; the app uses ``RegisterTortoise``)."""
    await Tortoise.init(config=tortoise_config(settings))


async def close_db() -> None:
    await Tortoise.close_connections()


async def migrate(settings: Settings, *, progress: bool = False) -> None:
    """Apply every unapplied migration of every app, in dependency order."""
    from tortoise.migrations.api.migrate import migrate as migrate_api

    def report(event: str, app_label: str, name: str) -> None:
        if progress and event == "apply_done":
            print(f"  applied {app_label}.{name}")

    await migrate_api(config=tortoise_config(settings), progress=report)


async def ping() -> None:
    """Raise if the database does not answer."""
    await connections.get("default").execute_query("SELECT 1")


def is_connection_error(exc: BaseException) -> bool:
    """The database is unreachable, restarting or shutting down (or another service's socket failed).

    Not a bug: the work did not happen (its transaction rolled back) and may be tried again.
    """
    connection_errors = (
        DBConnectionError,
        asyncpg.PostgresConnectionError,  # class 08
        asyncpg.InterfaceError,  # includes ConnectionDoesNotExistError: the socket went away
        asyncpg.exceptions.InternalClientError,  # a connection left mid-protocol by a dropped socket
        ConnectionError,
        TimeoutError,
    )
    if isinstance(exc, connection_errors):
        return True
    # 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now (class 57: operator intervention).
    return isinstance(exc, asyncpg.PostgresError) and str(getattr(exc, "sqlstate", "")).startswith("57")
