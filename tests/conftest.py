"""Test fixtures: a migrated database (SQLite or PostgreSQL), the app with a frozen clock, clients.

``DATABASE_URL`` picks the database (default: a SQLite file in a temporary folder); on
PostgreSQL the schema is built once by the migrations and every test starts from empty
tables. ``REDIS_URL`` makes the app enqueue through arq.

Two marks choose the run a test belongs to, and skip it (with the reason) on the other one:
``postgres`` for what only PostgreSQL can show (races over several connections, which SQLite
would pass without proving anything, because it runs one transaction at a time; restarts,
backups), ``redis`` for what needs ``REDIS_URL``. CI runs both: SQLite alone, then PostgreSQL
with Redis. Anything else a test needs (a binary, a browser) goes through :func:`need`, which
skips locally and fails in CI (``CI=true``).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from starlette.applications import Starlette

from shortbreaks import jobs
from shortbreaks.app import create_app
from shortbreaks.clock import FrozenClock, utc
from shortbreaks.db import close_db, is_postgres, migrate
from shortbreaks.settings import Settings, load_settings

IN_CI = os.environ.get("CI") == "true"
TEST_NOW = utc(2026, 6, 10, 9, 30)


def need(condition: bool, reason: str) -> None:
    """Skip when something the test needs is missing, except in CI, where that is a failure."""
    if not condition:
        if IN_CI:
            pytest.fail(f"CI must have this: {reason}")
        pytest.skip(reason)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip ``postgres`` tests on the SQLite run and ``redis`` tests without ``REDIS_URL``."""
    on_postgres = is_postgres(os.environ.get("DATABASE_URL", ""))
    with_redis = bool(os.environ.get("REDIS_URL"))
    for item in items:
        if not on_postgres and item.get_closest_marker("postgres") is not None:
            item.add_marker(pytest.mark.skip(reason="PostgreSQL only (the postgres mark): runs with DATABASE_URL=postgres://…"))
        if not with_redis and item.get_closest_marker("redis") is not None:
            item.add_marker(pytest.mark.skip(reason="needs Redis (the redis mark): runs with REDIS_URL=redis://…"))


@dataclasses.dataclass(frozen=True)
class Enqueued:
    """One call of ``Queue.enqueue``, and whether the queue took the job (``False``: its id was taken)."""

    function: str
    job_id: str | None
    defer_by: float | None
    kwargs: dict[str, Any]
    queued: bool = True


class RecordingQueue:
    """A job queue (``shortbreaks.jobs.Queue``) that notes every job enqueued and hands it on to
    ``then``; without ``then`` it keeps the jobs (nothing runs) and, like arq, refuses a job id
    it has seen."""

    def __init__(self, then: jobs.Queue | None = None) -> None:
        self.then = then
        self.enqueued: list[Enqueued] = []

    async def enqueue(self, function: str, *, job_id: str | None, defer_by: float | None, kwargs: dict[str, Any]) -> bool:
        if self.then is not None:
            queued = await self.then.enqueue(function, job_id=job_id, defer_by=defer_by, kwargs=kwargs)
        else:
            queued = job_id is None or all(e.job_id != job_id for e in self.enqueued)
        self.enqueued.append(Enqueued(function, job_id, defer_by, dict(kwargs), queued))
        return queued


@contextlib.contextmanager
def queue_in_use(queue: jobs.Queue) -> Iterator[jobs.Queue]:
    """Jobs enqueued inside the block go to ``queue``, then the app's queue is back.

    ``jobs.set_queue`` is the seam the app's lifespan and the worker's start-up choose their
    queue through; tests use it too, never the module's globals or a queue's insides.
    """
    previous = jobs.get_queue()
    jobs.set_queue(queue)
    try:
        yield queue
    finally:
        jobs.set_queue(previous)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = os.environ.get("DATABASE_URL")
    if url and is_postgres(url):
        yield url
        return
    folder = tmp_path_factory.mktemp("db")
    yield f"sqlite://{folder / 'template.sqlite3'}"


@pytest.fixture(scope="session")
def migrated(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """Run every migration once; returns the URL of the migrated database."""
    var = tmp_path_factory.mktemp("var")
    settings = load_settings({"DATABASE_URL": database_url, "SHORTBREAKS_VAR_DIR": str(var), "SHORTBREAKS_ENV": "test"})

    async def run() -> None:
        if is_postgres(database_url):
            import asyncpg

            conn = await asyncpg.connect(database_url.replace("postgres://", "postgresql://", 1))
            await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
            await conn.close()
        try:
            await migrate(settings)
        finally:
            await close_db()

    asyncio.run(run())
    return database_url


@pytest.fixture
def settings(migrated: str, tmp_path: Path) -> Settings:
    env = {
        "SHORTBREAKS_ENV": "test",
        "SHORTBREAKS_VAR_DIR": str(tmp_path / "var"),
        "SECRET_KEY": "test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "BASE_URL": "http://testserver",
    }
    if is_postgres(migrated):
        env["DATABASE_URL"] = migrated
    else:
        copy = tmp_path / "test.sqlite3"
        shutil.copyfile(urlsplit(migrated).path, copy)
        env["DATABASE_URL"] = f"sqlite://{copy}"
    if os.environ.get("REDIS_URL"):
        env["REDIS_URL"] = os.environ["REDIS_URL"]
    return load_settings(env)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(TEST_NOW)


async def _truncate_all() -> None:
    from tortoise import Tortoise, connections

    tables = sorted({model._meta.db_table for app in Tortoise.apps.values() for model in app.values()})
    await connections.get("default").execute_script(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")


@pytest.fixture(autouse=True)
async def app(settings: Settings, clock: FrozenClock) -> AsyncIterator[Starlette]:
    """The app with its lifespan entered, for every test: the database is open and empty."""
    application = create_app(settings, clock=clock, run_cron=False)
    async with application.router.lifespan_context(application):
        if is_postgres(settings.database_url):
            await _truncate_all()
        if application.state.redis is not None:
            await application.state.redis.flushdb()
        yield application


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
