"""A family's first day (issue 18), in Chromium: a forgotten password reset through the emailed
link, a common password refused, and links that follow the server's port.

The emails are read where a person would read them: from a local SMTP server (aiosmtpd) that
the app under test delivers to (``SMTP_URL``). The app is one of this module's own
(``serve_app(..., embedded=True)``), so changing the demo family's password here touches no
other test's server.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from aiosmtpd.controller import Controller
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import expect

from shortbreaks.demo import DEMO_PASSWORD
from tests.browser.conftest import BIN, START_TIMEOUT_S, serve_app
from tests.factories import csrf_from
from tests.waiting import wait_until_sync

pytestmark = pytest.mark.browser

FAMILY = "family@example.com"
NEW_PASSWORD = "otter lantern quietly marches"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]


class Inbox:
    """What the local SMTP server received (aiosmtpd calls ``handle_DATA`` in its own thread)."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # aiosmtpd's hook name
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"

    def links(self, to: str, subject: str) -> list[str]:
        found = []
        for message in self.messages:
            if message["To"] == to and message["Subject"] == subject:
                body = message.get_payload(decode=True)
                assert isinstance(body, bytes)
                found += [line.strip() for line in body.decode().splitlines() if line.startswith(("http://", "https://"))]
        return found

    async def wait_for_link(self, to: str, subject: str, *, count: int = 1) -> str:
        """The newest link in the ``count``-th message to ``to`` with ``subject``."""
        for _ in range(int(START_TIMEOUT_S * 10)):
            links = self.links(to, subject)
            if len(links) >= count:
                return links[-1]
            await asyncio.sleep(0.1)
        raise AssertionError(f"no email {subject!r} to {to} arrived")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def smtp() -> Iterator[tuple[Inbox, str]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, f"smtp://127.0.0.1:{port}"
    finally:
        controller.stop()


@pytest.fixture(scope="module")
def mail_server(tmp_path_factory: pytest.TempPathFactory, smtp: tuple[Inbox, str]) -> Iterator[str]:
    """The app with the demo data, delivering its emails to the local SMTP server."""
    with serve_app(tmp_path_factory.mktemp("family-accounts"), extra_env={"SMTP_URL": smtp[1]}, embedded=True) as base_url:
        yield base_url


@pytest_asyncio.fixture(loop_scope="package")
async def open_page(chromium: Any, mail_server: str) -> AsyncIterator[Any]:
    """``await open_page()``: a page in a fresh browser context (its own cookies) on ``mail_server``."""
    contexts: list[Any] = []

    async def open_one() -> Any:
        context = await chromium.new_context(base_url=mail_server)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return await context.new_page()

    try:
        yield open_one
    finally:
        for context in contexts:
            await context.close()


async def assert_no_wcag_violations(page: Any) -> None:
    results = await Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    assert results.violations_count == 0, f"{page.url}:\n{results.generate_report()}"


async def sign_in(page: Any, email: str, password: str) -> None:
    await page.goto("/sign-in")
    await page.get_by_label("Email address").fill(email)
    await page.get_by_label("Password", exact=True).fill(password)
    await page.get_by_role("button", name="Sign in").click()


async def assert_field_described_by_hint_and_error(page: Any, field: str, message: str) -> None:
    """The GOV.UK error summary, focused, links to the field, whose hint and error it names in ``aria-describedby``."""
    summary = page.locator(".govuk-error-summary")
    await expect(summary).to_be_focused()
    await expect(summary.get_by_role("link", name=message)).to_have_attribute("href", f"#{field}")
    described_by = (await page.locator(f"#{field}").get_attribute("aria-describedby")).split()
    assert f"{field}-hint" in described_by
    assert f"{field}-error" in described_by
    await expect(page.locator(f"#{field}-error")).to_contain_text(message)
    assert (await page.title()).startswith("Error: ")


async def test_a_password_is_reset_through_the_emailed_link_and_the_old_session_stops_working(
    open_page: Any, smtp: tuple[Inbox, str]
) -> None:
    inbox, _ = smtp
    before = await open_page()
    await sign_in(before, FAMILY, DEMO_PASSWORD)
    await expect(before.get_by_role("button", name="Sign out")).to_be_visible()

    page = await open_page()
    await page.goto("/sign-in")
    await page.get_by_role("link", name="Forgotten your password?").click()
    await expect(page.get_by_role("heading", level=1, name="Reset your password")).to_be_visible()
    await assert_no_wcag_violations(page)
    await page.get_by_label("Email address").fill(FAMILY)
    await page.get_by_role("button", name="Send reset link").click()
    await expect(page.get_by_role("heading", level=1, name="Check your email")).to_be_visible()
    await assert_no_wcag_violations(page)

    link = await inbox.wait_for_link(FAMILY, "Reset your shortbreaks password")
    await page.goto(link)
    await expect(page.get_by_role("heading", level=1, name="Choose a new password")).to_be_visible()
    await assert_no_wcag_violations(page)
    # A common password is refused, with the reason, and the link still works.
    await page.get_by_label("New password").fill("password12")
    await page.get_by_role("button", name="Set new password").click()
    await assert_field_described_by_hint_and_error(page, "password", "This password is one of the most common passwords")
    await assert_no_wcag_violations(page)
    await page.get_by_label("New password").fill(NEW_PASSWORD)
    await page.get_by_role("button", name="Set new password").click()
    await expect(page.get_by_text("Your password has been reset. Sign in with your new password.")).to_be_visible()

    # The session from before the reset no longer works.
    await before.goto("/account")
    await expect(before).to_have_url(re.compile(r"/sign-in\?next=%2Faccount$"))
    await expect(before.get_by_role("button", name="Sign out")).to_have_count(0)
    # The old password no longer works; the new one does.
    await sign_in(page, FAMILY, DEMO_PASSWORD)
    await expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a correct email address and password")
    await sign_in(page, FAMILY, NEW_PASSWORD)
    await expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    # The link a second time: a clear page, and nothing changes.
    again = await open_page()
    response = await again.goto(link)
    assert response.status == 400
    await expect(again.get_by_role("heading", level=1)).to_have_text(
        "This link to reset your password is not valid. It may have been used already or have expired"
    )
    await expect(again.get_by_role("link", name="Ask for a new link")).to_be_visible()
    await assert_no_wcag_violations(again)


async def test_an_unknown_address_gets_the_same_page_and_no_email(open_page: Any, smtp: tuple[Inbox, str]) -> None:
    inbox, _ = smtp
    page = await open_page()
    await page.goto("/forgot-password")
    await page.get_by_label("Email address").fill("nobody-here@example.com")
    await page.get_by_role("button", name="Send reset link").click()
    await expect(page.get_by_role("heading", level=1, name="Check your email")).to_be_visible()
    await asyncio.sleep(1.5)  # the batch that would have sent it has run by now
    assert inbox.links("nobody-here@example.com", "Reset your shortbreaks password") == []


async def test_registration_refuses_password12_and_says_why(open_page: Any) -> None:
    page = await open_page()
    await page.goto("/register")
    await page.get_by_label("Your name").fill("Pat Weak")
    await page.get_by_label("Email address").fill("pat.weak@example.org")
    await page.get_by_label("Create a password").fill("password12")
    await page.get_by_label("Your local council").select_option(label="Birmingham City Council")
    await page.get_by_role("button", name="Create account").click()

    await assert_field_described_by_hint_and_error(page, "password", "This password is one of the most common passwords")
    await expect(page.locator("#password-error")).to_contain_text("Choose one that is harder to guess")
    await assert_no_wcag_violations(page)


async def test_a_new_family_confirms_its_email_from_the_emailed_link_before_booking(open_page: Any, smtp: tuple[Inbox, str]) -> None:
    inbox, _ = smtp
    email = "sam.first-day@example.org"
    page = await open_page()
    await page.goto("/register")
    await page.get_by_label("Your name").fill("Sam First")
    await page.get_by_label("Email address").fill(email)
    await page.get_by_label("Create a password").fill(NEW_PASSWORD)
    await page.get_by_label("Your local council").select_option(label="Birmingham City Council")
    await page.get_by_role("button", name="Create account").click()
    await sign_in(page, email, NEW_PASSWORD)
    await page.goto("/account")
    await expect(page.get_by_text("(not confirmed yet)")).to_be_visible()
    await assert_no_wcag_violations(page)

    link = await inbox.wait_for_link(email, "Confirm your email address")
    await page.goto(link)
    await expect(page.get_by_text("Thank you: your email address is confirmed")).to_be_visible()
    await page.goto("/account")
    await expect(page.get_by_text("(not confirmed yet)")).to_have_count(0)


# --- addresses follow the server -------------------------------------------------------------------


@contextlib.contextmanager
def served_on_port(folder: Path, port: int, smtp_url: str) -> Iterator[str]:
    """``shortbreaks serve --port N`` (what ``make run PORT=N`` runs) with no ``BASE_URL``; yields its address."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "BASE_URL", "HOST", "PORT")}
    env |= {
        "SHORTBREAKS_ENV": "test",
        "SHORTBREAKS_VAR_DIR": str(folder / "var"),
        "DATABASE_URL": f"sqlite://{folder / 'port.sqlite3'}",
        "SMTP_URL": smtp_url,
    }
    for command in ("migrate", "demo-data"):
        subprocess.run([str(BIN / "shortbreaks"), command], env=env, check=True, capture_output=True, timeout=START_TIMEOUT_S)
    log = (folder / "serve.log").open("w")
    args = [sys.executable, "-m", "shortbreaks", "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"]
    server = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    address = f"http://127.0.0.1:{port}"
    try:

        def ready() -> bool:
            assert server.poll() is None, (folder / "serve.log").read_text()
            try:
                return httpx.get(address + "/readyz", timeout=2).status_code == 200
            except httpx.TransportError:
                return False

        wait_until_sync(ready, timeout=START_TIMEOUT_S, interval=0.2, what="the server on its port")
        yield address
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
        log.close()


async def test_a_server_started_on_port_n_without_base_url_hands_out_links_on_n(tmp_path: Path, smtp: tuple[Inbox, str]) -> None:
    inbox, smtp_url = smtp
    port = free_port()
    email = "port.family@example.org"
    with served_on_port(tmp_path, port, smtp_url) as address:
        async with httpx.AsyncClient(base_url=address) as client:
            form = await client.get("/register")
            council = re.search(r'<option value="([0-9a-f-]{36})"[^>]*>Birmingham City Council</option>', form.text)
            assert council is not None
            data = {"display_name": "Port Family", "email": email, "password": NEW_PASSWORD, "local_authority_id": council.group(1)}
            registered = await client.post("/register", data={**data, "csrf_token": csrf_from(form.text)})
            assert registered.status_code == 303
            link = await inbox.wait_for_link(email, "Confirm your email address")
            assert link.startswith(f"http://127.0.0.1:{port}/verify-email/")
            assert (await client.get(link)).status_code == 303

            services = (await client.get("/api/v1/services")).json()
            service_id = (services["items"] if isinstance(services, dict) else services)[0]["id"]
            feed = (await client.get(f"/feeds/services/{service_id}.ics")).text
            urls = re.findall(r"^URL[^:]*:(\S+)", feed, re.MULTILINE)
            assert urls
            assert all(url.startswith(f"http://127.0.0.1:{port}/") for url in urls)
