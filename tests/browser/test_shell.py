"""The web shell in a real browser: assets under the CSP, sign-in by role, navigation, refusals, axe."""

from __future__ import annotations

import os
from typing import Any

import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import expect

pytestmark = pytest.mark.browser

FORBIDDEN_HEADING = "You do not have permission to see this page"
# The header items the core defines (shortbreaks.navigation.CORE_ITEMS). Packages add their own;
# these tests pin down who sees the core's.
CORE_NAV = {"Families", "Your account", "Administration"}

# (demo user, core navigation items they see, a page another role owns that they are refused)
ROLES = [
    pytest.param("family@example.com", {"Your account"}, "/authority/families", id="family"),
    pytest.param("provider@example.com", {"Your account"}, "/authority/families", id="provider-staff"),
    pytest.param("officer@example.com", {"Families", "Your account"}, "/admin", id="officer"),
    pytest.param("grantee@example.com", {"Your account"}, "/admin", id="grantee"),
    pytest.param("funder@example.com", {"Your account"}, "/authority/families", id="funder"),
    pytest.param("admin@example.com", {"Your account", "Administration"}, None, id="site-admin"),
]


async def nav_links(page: Any) -> dict[str, str]:
    """The header menu's links: label → href."""
    links = page.get_by_role("navigation", name="Menu").get_by_role("link")
    return {(await link.inner_text()).strip(): await link.get_attribute("href") for link in await links.all()}


async def assert_no_axe_violations(page: Any) -> None:
    results = await Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


# --- the harness ---------------------------------------------------------------------------------


async def test_the_live_server_is_ready_with_the_configured_backends(browser_page: Any) -> None:
    response = await browser_page.request.get("/readyz")

    expected = {"database": "ok"} | ({"redis": "ok"} if os.environ.get("REDIS_URL") else {})
    assert await response.json() == {"status": "ok", "checks": expected}


# --- assets -------------------------------------------------------------------------------------


async def test_pages_load_their_assets_and_start_govuk_frontend_under_the_csp(browser_page: Any) -> None:
    problems: list[str] = []
    browser_page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None)
    browser_page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    browser_page.on("requestfailed", lambda r: problems.append(f"failed: {r.url}"))
    browser_page.on("response", lambda r: problems.append(f"{r.status}: {r.url}") if r.status >= 400 else None)

    response = await browser_page.goto("/sign-in")

    assert response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    # init.js ran: it marks the body and starts the components (the password input's Show button).
    await expect(browser_page.locator("body")).to_have_class("govuk-template__body js-enabled govuk-frontend-supported")
    await expect(browser_page.get_by_role("button", name="Show")).to_be_visible()
    # Our stylesheet applied: the system font stack, not GDS Transport.
    font = await browser_page.locator("h1").evaluate("h => getComputedStyle(h).fontFamily")
    assert font.startswith("system-ui")
    await expect(browser_page.get_by_role("link", name="Short breaks", exact=True)).to_have_attribute("href", "/")
    assert problems == []


# --- signing in, navigation, refusals ---------------------------------------------------------


@pytest.mark.parametrize(("email", "core_nav", "refused"), ROLES)
async def test_each_role_signs_in_sees_its_menu_and_is_refused_other_roles_pages(
    browser_page: Any, sign_in_as: Any, email: str, core_nav: set[str], refused: str | None
) -> None:
    await sign_in_as(browser_page, email)

    links = await nav_links(browser_page)
    assert set(links) & CORE_NAV == core_nav
    assert "Sign in" not in links
    for label in sorted(core_nav):
        response = await browser_page.goto(links[label])
        assert response.status == 200, label
        await expect(browser_page.get_by_role("link", name=label)).to_have_attribute("aria-current", "page")

    if refused is not None:
        response = await browser_page.goto(refused)
        assert response.status == 403
        await expect(browser_page.get_by_role("heading", level=1)).to_have_text(FORBIDDEN_HEADING)
        # Still signed in: a refusal is not a sign-out.
        await expect(browser_page.get_by_role("button", name="Sign out")).to_be_visible()


async def test_signing_in_with_a_wrong_password_shows_the_error_summary(browser_page: Any) -> None:
    await browser_page.goto("/sign-in")
    await browser_page.get_by_label("Email address").fill("family@example.com")
    await browser_page.get_by_label("Password", exact=True).fill("not the password")
    await browser_page.get_by_role("button", name="Sign in").click()

    summary = browser_page.locator(".govuk-error-summary")
    await expect(summary).to_be_focused()  # GOV.UK Frontend's JavaScript moves focus to it
    await expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    assert (await browser_page.title()).startswith("Error: ")
    await expect(browser_page.get_by_role("button", name="Sign out")).to_have_count(0)


async def test_sign_out_ends_the_session(browser_page: Any, sign_in_as: Any) -> None:
    await sign_in_as(browser_page, "officer@example.com")
    sign_out = browser_page.get_by_role("button", name="Sign out")
    # The sign-out form's button reads as one more menu link.
    style = "e => [getComputedStyle(e).fontSize, getComputedStyle(e).fontFamily, getComputedStyle(e).color]"
    assert await sign_out.evaluate(style) == await browser_page.get_by_role("link", name="Your account").evaluate(style)

    await sign_out.click()

    await expect(browser_page.get_by_text("You have signed out")).to_be_visible()
    assert set(await nav_links(browser_page)) >= {"Sign in", "Create an account"}
    await browser_page.goto("/authority/families")
    assert browser_page.url.endswith("/sign-in?next=%2Fauthority%2Ffamilies")


async def test_signing_in_and_out_works_without_javascript(new_page: Any, sign_in_as: Any) -> None:
    page = await new_page(java_script_enabled=False)

    await sign_in_as(page, "family@example.com")

    await expect(page.locator("body")).to_have_class("govuk-template__body")  # init.js did not run
    await expect(page.get_by_text("You are signed in as Priya Shah.")).to_be_visible()
    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_text("You have signed out")).to_be_visible()


# --- accessibility --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "status"),
    [
        pytest.param("/", 200, id="home"),
        pytest.param("/sign-in", 200, id="sign-in"),
        pytest.param("/register", 200, id="register"),
        pytest.param("/no-such-page", 404, id="not-found"),
    ],
)
async def test_public_pages_have_no_axe_violations(browser_page: Any, path: str, status: int) -> None:
    response = await browser_page.goto(path)
    assert response.status == status
    await assert_no_axe_violations(browser_page)


async def test_form_errors_have_no_axe_violations(browser_page: Any) -> None:
    await browser_page.goto("/register")
    await browser_page.get_by_role("button", name="Create account").click()
    await expect(browser_page.locator(".govuk-error-summary")).to_be_visible()

    await assert_no_axe_violations(browser_page)


async def test_signed_in_pages_and_the_forbidden_page_have_no_axe_violations(browser_page: Any, sign_in_as: Any) -> None:
    await sign_in_as(browser_page, "family@example.com")
    await assert_no_axe_violations(browser_page)

    response = await browser_page.goto("/authority/families")
    assert response.status == 403
    await assert_no_axe_violations(browser_page)

    await browser_page.goto("/account")
    await assert_no_axe_violations(browser_page)
