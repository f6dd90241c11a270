"""Browser tests: the real app in subprocesses, driven by Debian's Chromium through Playwright.

``live_server`` starts, once for the ``tests/browser`` package, what production runs: the
migrations (``shortbreaks migrate``), the demo data (``shortbreaks demo-data``), uvicorn serving
``shortbreaks.asgi:app`` on a free loopback port and, when ``REDIS_URL`` is set, a
``shortbreaks worker``. It has its own database: a fresh SQLite file, or on PostgreSQL a
database named ``<DATABASE_URL's database>_browser``, dropped and created here.

Fixtures for any browser test (put them under ``tests/browser/`` and mark them ``browser``):

- ``live_server`` — the base URL, e.g. ``http://127.0.0.1:41234``
- ``browser_page`` — a page in a fresh Chromium profile (its own cookies), closed afterwards
- ``new_page(**context_options)`` — more pages or other options, e.g. ``java_script_enabled=False``
- ``sign_in_as(page, email)`` — signs in through the real form; demo users are in ``shortbreaks.demo``

A test that needs the server started differently (extra environment) uses ``serve_app(folder,
extra_env=..., embedded=True)`` for a server of its own.

Tests use Playwright's async API. One Chromium serves the package, so this package's async
tests all run in one package-scoped event loop (``pytest_collection_modifyitems`` below marks
them); each test still gets a fresh browser context. Chromium missing skips the tests locally
and fails them in CI.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
import pytest_asyncio
from pytest_asyncio import is_async_test

from shortbreaks.db import is_postgres
from shortbreaks.demo import DEMO_PASSWORD
from tests.conftest import need
from tests.waiting import wait_until_sync

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 10.0
BIN = Path(sys.executable).parent

PageFactory = Callable[..., Awaitable[Any]]


# --- processes -------------------------------------------------------------------------------


@dataclass
class Service:
    name: str
    process: subprocess.Popen[bytes]
    log: Path

    def tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return f"--- last lines of {self.name} ({self.log}) ---\n" + "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        """SIGTERM (uvicorn and arq shut down cleanly on it), then SIGKILL if it hangs."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _run(args: list[str], env: dict[str, str], log: Path) -> None:
    with log.open("ab") as out:
        result = subprocess.run(args, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=START_TIMEOUT_S, check=False)
    if result.returncode != 0:
        pytest.fail(f"{' '.join(args)} exited with {result.returncode}:\n{log.read_text(errors='replace')[-4000:]}")


def _wait_until(condition: Callable[[], bool], *, service: Service, what: str) -> None:
    """Wait for ``condition``; fail at once, with the service's log, if the service exits first."""

    def done() -> bool:
        if service.process.poll() is not None:
            pytest.fail(f"{service.name} exited with {service.process.returncode} before {what}\n{service.tail()}")
        return condition()

    try:
        wait_until_sync(done, timeout=START_TIMEOUT_S, interval=0.1, what=f"{what} from {service.name}")
    except AssertionError as exc:
        pytest.fail(f"{exc}\n{service.tail()}")


def _ready(url: str) -> Callable[[], bool]:
    def check() -> bool:
        try:
            return httpx.get(url, timeout=2.0).status_code == 200
        except httpx.TransportError:
            return False

    return check


def _worker_ready(redis_url: str) -> Callable[[], bool]:
    """arq writes its health-check key on its first poll of the queue."""
    import redis

    client = redis.Redis.from_url(redis_url)

    def check() -> bool:
        try:
            return bool(client.exists("arq:queue:health-check"))
        except redis.ConnectionError:
            return False

    return check


@contextlib.contextmanager
def _postgres_database(base_url: str) -> Iterator[str]:
    """A database ``<name>_browser`` next to ``base_url``'s, empty at the start and dropped at the end."""
    import asyncpg

    parts = urlsplit(base_url)
    name = parts.path.lstrip("/") + "_browser"
    url = urlunsplit(parts._replace(path="/" + name))
    admin_dsn = urlunsplit(parts._replace(scheme="postgresql"))

    async def execute(sql: str) -> None:
        conn = await asyncpg.connect(admin_dsn)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    quoted = '"' + name.replace('"', '""') + '"'
    asyncio.run(execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)"))
    asyncio.run(execute(f"CREATE DATABASE {quoted}"))
    try:
        yield url
    finally:
        asyncio.run(execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)"))


@contextlib.contextmanager
def serve_app(folder: Path, *, extra_env: dict[str, str] | None = None, embedded: bool = False) -> Iterator[str]:
    """Migrate, load the demo data and serve the app (and a worker with Redis); yields the base URL.

    ``extra_env`` is added to the processes' environment (e.g. Stripe settings pointing at a
    local fake). ``embedded`` ignores ``DATABASE_URL``/``REDIS_URL`` and runs as ``make run``
    does: a SQLite file (``folder / "browser.sqlite3"``) and jobs in-process, so a second server
    can run beside ``live_server`` without sharing its queue.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))  # uvicorn takes this very socket (--fd): no race for the port
    sock.listen(128)
    base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"

    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY")}
    env.update(
        SHORTBREAKS_ENV="test",
        SHORTBREAKS_VAR_DIR=str(folder / "var"),
        SECRET_KEY=secrets.token_urlsafe(48),
        BASE_URL=base_url,
        PYTHONUNBUFFERED="1",
    )
    env.update(extra_env or {})
    redis_url = None if embedded else os.environ.get("REDIS_URL") or None
    if redis_url:
        import redis

        # Our Redis database: start from an empty queue, as the in-process tests do.
        redis.Redis.from_url(redis_url).flushdb()
        env["REDIS_URL"] = redis_url

    services: list[Service] = []
    with contextlib.ExitStack() as stack:
        stack.callback(sock.close)
        database_url = "" if embedded else os.environ.get("DATABASE_URL", "")
        if database_url and is_postgres(database_url):
            env["DATABASE_URL"] = stack.enter_context(_postgres_database(database_url))
        else:
            env["DATABASE_URL"] = f"sqlite://{folder / 'browser.sqlite3'}"

        setup_log = folder / "setup.log"
        _run([str(BIN / "shortbreaks"), "migrate"], env, setup_log)
        _run([str(BIN / "shortbreaks"), "demo-data"], env, setup_log)

        def start(name: str, args: list[str], **popen: Any) -> Service:
            log = folder / f"{name}.log"
            out = stack.enter_context(log.open("wb"))
            service = Service(name, subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT, **popen), log)
            services.append(service)
            stack.callback(service.stop)  # ExitStack unwinds in reverse: stopped before the database goes
            return service

        server = start(
            "uvicorn",
            [sys.executable, "-m", "uvicorn", "shortbreaks.asgi:app", "--fd", str(sock.fileno()), "--log-level", "warning"],
            pass_fds=(sock.fileno(),),
        )
        _wait_until(_ready(base_url + "/readyz"), service=server, what="200 from /readyz")
        if redis_url:
            worker = start("worker", [str(BIN / "shortbreaks"), "worker"])
            _wait_until(_worker_ready(redis_url), service=worker, what="arq health check in Redis")
        yield base_url
        for service in services:
            if service.process.poll() is not None:
                pytest.fail(f"{service.name} died during the browser tests\n{service.tail()}")


@contextlib.contextmanager
def serve_with_world(folder: Path, module: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """An embedded server of a test module's own (``serve_app(embedded=True)``: the demo data in a SQLite
    file), with ``python -m <module>`` run against its database first to add what the tests need;
    yields (base URL, the JSON object the module printed on its last line)."""
    with serve_app(folder, embedded=True) as base_url:
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY")}
        env.update(
            SHORTBREAKS_ENV="test",
            SHORTBREAKS_VAR_DIR=str(folder / "var"),
            SECRET_KEY=secrets.token_urlsafe(48),
            DATABASE_URL=f"sqlite://{folder / 'browser.sqlite3'}",
        )
        result = subprocess.run(
            [sys.executable, "-m", module], env=env, cwd=Path(__file__).parents[2], capture_output=True, text=True, timeout=120, check=False
        )
        assert result.returncode == 0, result.stderr[-4000:]
        yield base_url, json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="package")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app as production runs it, with the demo data; yields the base URL.

    Package-scoped so that the worker is gone before other test packages reuse Redis.
    """
    with serve_app(tmp_path_factory.mktemp("live")) as base_url:
        yield base_url


# --- Chromium --------------------------------------------------------------------------------


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run this package's async tests in one event loop, the one the shared Chromium lives in."""
    here = Path(__file__).parent
    package_loop = pytest.mark.asyncio(loop_scope="package")
    for item in items:
        if is_async_test(item) and here in item.path.parents:
            item.add_marker(package_loop, append=False)


@pytest.fixture(scope="package")
def chromium_executable() -> Path:
    need(CHROMIUM.exists(), f"{CHROMIUM} (apt-get install chromium)")
    return CHROMIUM


@pytest_asyncio.fixture(scope="package", loop_scope="package")
async def chromium(chromium_executable: Path) -> AsyncIterator[Any]:
    """One headless Chromium for the package; every test gets its own context (profile, cookies)."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        # launch() gives the browser a fresh temporary --user-data-dir and removes it on close.
        browser = await playwright.chromium.launch(executable_path=str(chromium_executable), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


@pytest_asyncio.fixture(loop_scope="package")
async def new_page(chromium: Any, live_server: str) -> AsyncIterator[PageFactory]:
    """Open pages in new browser contexts: ``await new_page(java_script_enabled=False)``.

    Keyword arguments are Playwright's context options (``viewport``, ``java_script_enabled``…).
    Relative URLs resolve against the live server. Contexts close when the test ends.
    """
    contexts: list[Any] = []

    async def open_page(**context_options: Any) -> Any:
        context = await chromium.new_context(base_url=live_server, **context_options)
        contexts.append(context)
        context.set_default_timeout(10_000)
        return await context.new_page()

    try:
        yield open_page
    finally:
        for context in contexts:
            await context.close()


@pytest_asyncio.fixture(loop_scope="package")
async def browser_page(new_page: PageFactory) -> Any:
    """A page in a fresh browser context, JavaScript on."""
    return await new_page()


# Second-factor secrets of the demo staff, learnt at enrolment (one live server per package),
# and the last 30-second step used for each, since a code is accepted only once.
_totp_secrets: dict[str, str] = {}
_totp_last_step: dict[str, int] = {}


def _totp_code(email: str) -> str:
    import time

    import pyotp

    step = max(int(time.time()) // 30, _totp_last_step.get(email, -1) + 1)
    _totp_last_step[email] = step
    return str(pyotp.TOTP(_totp_secrets[email]).at(step * 30))


async def _sign_in(page: Any, email: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the real form, as a person would, and check it worked.

    Staff set up their second factor the first time (reading the key under the QR code,
    as a person typing it into an authenticator app would) and enter a code afterwards.
    """
    from playwright.async_api import expect

    await page.goto("/sign-in")
    await page.get_by_label("Email address").fill(email)
    await page.get_by_label("Password", exact=True).fill(password)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_load_state()
    if "/account/two-factor" in page.url:
        _totp_secrets[email] = (await page.locator("#totp-secret").inner_text()).strip()
        await page.get_by_label("Security code").fill(_totp_code(email))
        await page.get_by_role("button", name="Turn on second factor").click()
        await expect(page.get_by_role("heading", name="Save your recovery codes")).to_be_visible()
        await page.get_by_role("link", name="Continue").click()
    elif "/sign-in/two-factor" in page.url:
        await page.get_by_label("Security code").fill(_totp_code(email))
        await page.get_by_role("button", name="Continue").click()
    await expect(page.get_by_role("button", name="Sign out")).to_be_visible()


@pytest.fixture
def sign_in_as() -> Callable[..., Awaitable[None]]:
    """``await sign_in_as(page, "family@example.com")`` (password: the demo password)."""
    return _sign_in
