"""Accessibility: axe-core on every page route, and the main forms' error states (issue 9, item 8).

The pages are served by an app of this module's own (``serve_app``: migrations, demo data,
uvicorn), into whose database ``tests/browser/world.py`` builds the security tests' world: the
same records the access matrix uses, so every path parameter names a real record, and every
role has a session cookie. ``SCAN`` has one row per GET page route, naming the role it is
scanned as (one the access matrix lets in) and the status expected; the first test fails when a
page route has no row, so a new page cannot go unscanned.

axe-core runs the rules tagged WCAG 2.0, 2.1 and 2.2 level A and AA, and the test fails on any
violation. Set ``A11Y_REPORT=<file>`` to have each scan append a JSON line (page, role, rules
run, violations, rules axe could not decide) for docs/accessibility.md.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import expect
from starlette.applications import Starlette

from shortbreaks.accounts.auth import SESSION_COOKIE
from tests.browser.conftest import serve_with_world
from tests.security.conftest import ROLES
from tests.security.test_access_matrix import MATRIX, fill, registered

pytestmark = pytest.mark.browser

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations", "incomplete"]}
REPO = Path(__file__).parents[2]

# GET page route → (role it is scanned as, status expected). ``staff_second_factor`` is provider
# staff who have given their password but not yet their code.
SCAN: dict[str, tuple[str, int]] = {
    "/": ("anonymous", 200),
    "/accessibility": ("anonymous", 200),
    "/contact": ("anonymous", 200),
    "/privacy": ("anonymous", 200),
    "/about-the-data": ("anonymous", 200),
    "/sign-in": ("anonymous", 200),
    "/sign-in/two-factor": ("staff_second_factor", 200),
    "/account/two-factor": ("family", 200),
    "/register": ("anonymous", 200),
    "/verify-email/{token}": ("anonymous", 400),
    "/forgot-password": ("anonymous", 200),
    "/forgot-password/sent": ("anonymous", 200),
    "/reset-password/{token}": ("anonymous", 400),
    "/account": ("family", 200),
    "/organisations/{organisation_id:uuid}": ("admin", 200),
    "/invitations/{token}": ("anonymous", 400),
    "/admin": ("admin", 200),
    "/admin/email-problems": ("admin", 200),
    "/admin/mailbox": ("admin", 200),
    "/authority/families": ("officer", 200),
    "/authority/families/{family_id:uuid}": ("officer", 200),
    "/services": ("anonymous", 200),
    "/services/{service_id:uuid}": ("anonymous", 200),
    "/provider": ("staff", 200),
    "/provider/new": ("staff", 200),
    "/provider/services/{service_id:uuid}": ("staff", 200),
    "/provider/{provider_id:uuid}": ("staff", 200),
    "/provider/{provider_id:uuid}/edit": ("staff", 200),
    "/provider/{provider_id:uuid}/services/new": ("staff", 200),
    "/provider/{provider_id:uuid}/calendar": ("staff", 200),
    "/provider/bookings": ("staff", 200),
    "/provider/sessions/{session_id:uuid}": ("staff", 200),
    "/provider/sessions/{session_id:uuid}/payments": ("staff", 200),
    "/bookings": ("family", 200),
    "/bookings/{booking_id:uuid}": ("family", 200),
    "/bookings/{booking_id:uuid}/cancel": ("family", 200),
    "/sessions/{session_id:uuid}/book": ("family", 200),
    "/allocations": ("family", 200),
    "/children": ("family", 200),
    "/children/{child_id:uuid}/edit": ("family", 200),
    "/children/{child_id:uuid}/remove": ("family", 200),
    "/my-data": ("family", 200),
    "/calendar": ("family", 200),
    "/calendar/feeds/{feed_id:uuid}/revoke": ("family", 200),
    "/calendar/providers": ("staff", 200),
    "/calendar/providers/{provider_id:uuid}": ("staff", 200),
    "/grants": ("funder", 200),
    "/grants/funds/{fund_id:uuid}": ("funder", 200),
    "/grants/awards/{award_id:uuid}": ("grantee", 200),
    "/grants/returns/{return_id:uuid}": ("grantee", 200),
    "/councils": ("anonymous", 200),
    "/councils/{slug}/short-breaks": ("anonymous", 200),
    "/councils/{slug}/short-breaks/print": ("anonymous", 200),
    "/councils/{slug}/short-breaks/versions/{number:int}": ("anonymous", 200),
    "/councils/{slug}/short-breaks/check": ("anonymous", 200),
    "/authority/short-breaks": ("officer", 200),
    "/authority/short-breaks/drafts/{statement_id:uuid}": ("officer", 200),
    "/authority/short-breaks/drafts/{statement_id:uuid}/tiers/new": ("officer", 200),
    "/authority/short-breaks/tiers/{tier_id:uuid}": ("officer", 200),
    "/applications/{application_id:uuid}/renew": ("family", 200),
    "/authority/renewals": ("officer", 200),
    "/authority/applications/report": ("officer", 200),
    "/authority/sufficiency": ("officer", 200),
    "/authority/sufficiency/{slug}": ("officer", 200),
    "/authority/sufficiency/{slug}/print": ("officer", 200),
    "/councils/{slug}/short-breaks/apply/{tier_code}": ("family", 200),
    "/applications": ("family", 200),
    "/applications/{application_id:uuid}": ("family", 200),
    "/applications/{application_id:uuid}/questions/{key}": ("family", 200),
    "/applications/{application_id:uuid}/check": ("family", 200),
    "/authority/short-breaks/questions": ("officer", 200),
    "/authority/short-breaks/questions/q/{question_id:uuid}": ("officer", 200),
    "/authority/applications": ("officer", 200),
    "/authority/applications/{application_id:uuid}": ("officer", 200),
    "/applications/{application_id:uuid}/more-info": ("family", 200),
    "/applications/{application_id:uuid}/review": ("family", 200),
    "/applications/{application_id:uuid}/letter": ("family", 200),
    "/authority/children/{child_id:uuid}/packages": ("officer", 200),
    "/authority/children/{child_id:uuid}/packages/new": ("officer", 200),
    "/authority/children/{child_id:uuid}/packages/{package_id:uuid}": ("officer", 200),
    "/children/{child_id:uuid}/short-breaks": ("family", 200),
    "/authority/shortfalls": ("officer", 200),
    "/authority/shortfalls/{case_id:uuid}": ("officer", 200),
    "/authority/shortfalls/settings/{slug}": ("officer", 200),
}
# GET page routes that answer with a file, not a page.
NOT_HTML = {
    "/my-data/download",
    "/authority/payments.csv",
    "/bookings/{booking_id:uuid}/calendar.ics",
    "/grants/funds/{fund_id:uuid}/awards.csv",
    "/grants/funds/{fund_id:uuid}/spend.csv",
    "/authority/applications/report/{slug}.csv",
    "/authority/sufficiency/{slug}.csv",
    "/applications/{application_id:uuid}/evidence/{evidence_id:uuid}",
}
# Pages reached by an error rather than a route of their own: (what, path, role, status).
ERROR_PAGES = [
    ("not found", "/no-such-page", "anonymous", 404),
    ("forbidden", "/authority/families", "family", 403),
]
# The main forms sent empty: (page, role, the button that sends the form). Each must come back
# with the GOV.UK error summary, focused, and no violations.
EMPTY_FORMS = [
    ("/sign-in", "anonymous", "Sign in"),
    ("/register", "anonymous", "Create account"),
    ("/forgot-password", "anonymous", "Send reset link"),
    ("/sign-in/two-factor", "staff_second_factor", "Continue"),
    ("/account", "family", "Change password"),
    ("/children", "family", "Add child"),
    ("/children/{child_id:uuid}/edit", "family", "Save changes"),
    ("/sessions/{session_id:uuid}/book", "family", "Book"),
    ("/provider/new", "staff", "Save"),
    ("/provider/{provider_id:uuid}/edit", "staff", "Save"),
    ("/provider/{provider_id:uuid}/services/new", "staff", "Add service"),
    ("/provider/services/{service_id:uuid}", "staff", "Add availability"),
    ("/authority/families/{family_id:uuid}", "officer", "Grant allocation to"),
    ("/organisations/{organisation_id:uuid}", "admin", "Send invitation"),
    ("/grants/awards/{award_id:uuid}", "grantee", "Start return"),
    ("/grants/returns/{return_id:uuid}", "grantee", "Add spend"),
    ("/authority/short-breaks/drafts/{statement_id:uuid}/tiers/new", "officer", "Save tier"),
    ("/provider/services/{service_id:uuid}", "staff", "Add closure"),
    ("/authority/renewals", "officer", "Renew unchanged"),
    ("/councils/{slug}/short-breaks/apply/{tier_code}", "family", "Start the application"),
    ("/applications/{application_id:uuid}/questions/{key}", "family", "Save and continue"),
    ("/applications/{application_id:uuid}", "family", "Upload file"),
    ("/applications/{application_id:uuid}/check", "family", "Accept and send"),
    ("/authority/short-breaks/questions", "officer", "Add question"),
    ("/authority/short-breaks/questions/q/{question_id:uuid}", "officer", "Save question"),
    ("/applications/{application_id:uuid}/review", "family", "Ask for a review"),
    ("/authority/children/{child_id:uuid}/packages/new", "officer", "Record package"),
    ("/authority/children/{child_id:uuid}/packages/{package_id:uuid}", "officer", "Change the amount"),
    ("/authority/children/{child_id:uuid}/packages/{package_id:uuid}", "officer", "End the package"),
    ("/authority/shortfalls/{case_id:uuid}", "officer", "Record what was done"),
    ("/authority/shortfalls/{case_id:uuid}", "officer", "Close the case"),
    ("/authority/shortfalls/settings/{slug}", "officer", "Save"),
]


@pytest.fixture(scope="module")
def scan_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, Any]]]:
    """A server of this module's own, with the security world in its database: (base URL, world)."""
    folder = tmp_path_factory.mktemp("a11y")
    with serve_with_world(folder, "tests.browser.world") as (base_url, world):
        yield base_url, world


async def page_as(chromium: Any, scan_world: tuple[str, dict[str, Any]], role: str) -> Any:
    base_url, world = scan_world
    context = await chromium.new_context(base_url=base_url)
    context.set_default_timeout(10_000)
    if role != "anonymous":
        await context.add_cookies([{"name": SESSION_COOKIE, "value": world["cookies"][role], "url": base_url}])
    return await context.new_page()


async def assert_no_wcag_violations(page: Any, *, label: str, role: str) -> None:
    results = await Axe().run(page, options=AXE_OPTIONS)
    response = results.response
    if report := os.environ.get("A11Y_REPORT"):
        line = {
            "page": label,
            "url": page.url,
            "role": role,
            "violations": [v["id"] for v in response["violations"]],
            "incomplete": {v["id"]: [n["target"] for n in v["nodes"]] for v in response["incomplete"]},
        }
        with Path(report).open("a") as out:  # noqa: ASYNC230 (one short line, only when asked for the report)
            out.write(json.dumps(line) + "\n")
    assert results.violations_count == 0, f"{label} as {role}:\n{results.generate_report()}"


def test_every_page_route_has_a_scan_row(app: Starlette) -> None:
    pages = {path for (method, path), route in registered(app).items() if method == "GET" and route.kind == "page"}
    assert sorted(pages - SCAN.keys() - NOT_HTML) == [], "page routes without a row in SCAN"
    assert sorted((SCAN.keys() | NOT_HTML) - pages) == [], "rows for page routes that no longer exist"
    # Each page is scanned as someone the access matrix lets in.
    matrix = {path: dict(zip(ROLES, expected.split(), strict=True)) for method, path, expected in MATRIX if method == "GET"}
    for path, (role, status) in SCAN.items():
        if role == "staff_second_factor":
            continue  # the matrix has no one half-way through signing in
        assert matrix[path][role] == ("ok" if status == 200 else str(status)), path


@pytest.mark.parametrize(("path", "role", "status"), [pytest.param(p, r, s, id=p) for p, (r, s) in SCAN.items()])
async def test_the_page_has_no_wcag_violations(
    chromium: Any, scan_world: tuple[str, dict[str, Any]], path: str, role: str, status: int
) -> None:
    page = await page_as(chromium, scan_world, role)
    response = await page.goto(fill(path, scan_world[1]["draft_values"].get(path, scan_world[1]["values"])))

    assert response.status == status
    assert response.headers["content-type"].startswith("text/html")
    await assert_no_wcag_violations(page, label=path, role=role)
    # And it fits the narrowest phone without scrolling sideways (WCAG 1.4.10, reflow), and at 390 px.
    for width in (320, 390):
        await page.set_viewport_size({"width": width, "height": 700})
        scroll_width = await page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= width, f"{path} is {scroll_width} px wide at {width} px"
    await page.context.close()


@pytest.mark.parametrize(("what", "path", "role", "status"), [pytest.param(*row, id=row[0]) for row in ERROR_PAGES])
async def test_the_error_page_has_no_wcag_violations(
    chromium: Any, scan_world: tuple[str, dict[str, Any]], what: str, path: str, role: str, status: int
) -> None:
    page = await page_as(chromium, scan_world, role)
    response = await page.goto(path)

    assert response.status == status
    await assert_no_wcag_violations(page, label=f"{what} ({status})", role=role)
    await page.context.close()


@pytest.mark.parametrize(("path", "role", "button"), [pytest.param(*row, id=row[0]) for row in EMPTY_FORMS])
async def test_the_form_sent_empty_shows_the_error_summary_with_no_wcag_violations(
    chromium: Any, scan_world: tuple[str, dict[str, Any]], path: str, role: str, button: str
) -> None:
    page = await page_as(chromium, scan_world, role)
    await page.goto(fill(path, scan_world[1]["draft_values"].get(path, scan_world[1]["values"])))
    send = page.get_by_role("button", name=button).first
    # Empty every box of the form the button sends (some come filled in with current values).
    await send.evaluate(
        """b => b.form.querySelectorAll("input:not([type=hidden]):not([type=checkbox]):not([type=radio]), textarea")
                .forEach(e => { e.value = ""; })"""
    )
    await send.click()

    summary = page.locator(".govuk-error-summary")
    await expect(summary).to_be_focused()
    assert (await page.title()).startswith("Error: ")
    await assert_no_wcag_violations(page, label=f"{path} sent empty", role=role)
    # Every error beside a field is named by that field's aria-describedby, and every summary link
    # leads to a control that takes focus.
    unlinked = await page.evaluate(
        """() => [...document.querySelectorAll(".govuk-error-message")].filter(e => !e.id ||
                !document.querySelector(`[aria-describedby~="${e.id}"]`)).map(e => e.id || e.textContent.trim())"""
    )
    assert unlinked == [], f"{path}: errors no field names in aria-describedby"
    for href in await summary.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))"):
        assert href.startswith("#"), href
        target = page.locator(f"[id='{href[1:]}']")
        assert await target.count() == 1, f"{path}: the summary links to {href}, which is not on the page"
        await target.focus()
        focused = await page.evaluate("document.activeElement && document.activeElement.id")
        assert focused == href[1:], f"{path}: {href} cannot take focus"
    await page.context.close()
