"""The family journey with the keyboard only (issue 9, item 8), recorded in docs/accessibility.md.

The demo family signs in, searches for a Saturday club for an autistic nine-year-old near B15,
opens the service, books a session, opens the calendar subscription page, cancels the booking
and signs out: every step by ``Tab``, ``Shift+Tab``, ``Enter``, ``Space`` and typing, never a
click. Only the first page is opened by its address, as a person types it.

At each step the test checks where focus is (the skip link first, the error summary after a
form is sent with mistakes, the success banner after a change) and that every element ``Tab``
reaches shows a visible focus indicator (a solid outline, a box shadow or, for GOV.UK checkboxes,
the ring on the box drawn before the label). It takes a screenshot at each step, into
``A11Y_SCREENSHOTS`` when set (an engineer looks at them: see docs/accessibility.md), otherwise
into the test's temporary folder.
"""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import expect

from shortbreaks.demo import DEMO_PASSWORD
from tests.browser.test_journeys_bookings import REFERENCE, first_bookable_row, session_date, today

pytestmark = pytest.mark.browser

MAX_TABS = 120

# What the focused element looks like: enough to say whether focus can be seen.
FOCUS_STYLE = """e => {
  const s = getComputedStyle(e);
  const transparent = c => c === "transparent" || /rgba\\(.*, 0\\)$/.test(c);
  const outline = s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2 && !transparent(s.outlineColor);
  const shadow = s.boxShadow !== "none";
  // GOV.UK checkboxes and radios hide the input and draw the focus ring on the label's box.
  const box = e.labels && e.labels.length ? e.labels[0] : null;
  const ticks = e.type === "checkbox" || e.type === "radio";
  const label = ticks && box ? getComputedStyle(box, "::before").boxShadow : "none";
  return {
    tag: e.tagName.toLowerCase(),
    text: (e.innerText || (e.type === "password" ? "" : e.value) || (box ? box.innerText : "") || "").trim().slice(0, 60),
    // Laid out on the page (not display: none), with a focus style that can be seen.
    visible: e.getClientRects().length > 0 && (outline || shadow || label !== "none"),
  };
}"""


class Walk:
    """A keyboard-only person at a page, keeping a note of each focus stop and a screenshot per step."""

    def __init__(self, page: Any, shots: Path) -> None:
        self.page, self.shots, self.step, self.stops = page, shots, 0, []

    async def focused(self) -> dict[str, Any]:
        return await self.page.evaluate(f"({FOCUS_STYLE})(document.activeElement)")

    async def tab_to(self, target: Any, *, key: str = "Tab") -> int:
        """Press ``key`` until ``target`` has focus; every stop on the way must show its focus. Returns the presses."""
        for presses in range(1, MAX_TABS + 1):
            await self.page.keyboard.press(key)
            stop = await self.focused()
            if stop["tag"] != "body":
                assert stop["visible"], f"focus not visible on {stop}"
                self.stops.append(stop)
            if await target.evaluate("e => e === document.activeElement"):
                return presses
        pytest.fail(f"{MAX_TABS} presses of {key} did not reach {target}")

    async def follow(self, key: str = "Enter") -> None:
        """Press ``key`` on a link or a form's button and wait for the page it leads to."""
        async with self.page.expect_navigation():
            await self.page.keyboard.press(key)

    async def type_into(self, target: Any, text: str) -> None:
        await self.tab_to(target)
        await self.page.keyboard.type(text)

    async def screenshot(self, name: str) -> None:
        self.step += 1
        await self.page.screenshot(path=self.shots / f"{self.step:02d}-{name}.png")


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ["A11Y_SCREENSHOTS"]) if os.environ.get("A11Y_SCREENSHOTS") else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    return folder


async def test_a_family_finds_books_and_cancels_a_saturday_club_with_the_keyboard_only(browser_page: Any, shots: Path) -> None:
    page = browser_page
    walk = Walk(page, shots)
    main = page.get_by_role("main")
    menu = page.get_by_role("navigation", name="Menu")
    banner = page.locator(".govuk-notification-banner")
    summary = page.locator(".govuk-error-summary")

    # 1. The sign-in page: the first Tab lands on the skip link, which moves focus to the main content.
    await page.goto("/sign-in")
    skip = page.get_by_role("link", name="Skip to main content")
    assert await walk.tab_to(skip) == 1
    await expect(skip).to_be_visible()  # hidden until focused
    await walk.screenshot("skip-link")
    await page.keyboard.press("Enter")
    await expect(page.locator("#main-content")).to_be_focused()
    # 2. Sent empty: the error summary takes focus, and its link takes focus to the field.
    await walk.tab_to(main.get_by_role("button", name="Sign in"))
    await walk.follow()
    await expect(summary).to_be_focused()
    await walk.screenshot("sign-in-error-summary")
    await walk.tab_to(summary.get_by_role("link").first)
    await page.keyboard.press("Enter")
    await expect(page.get_by_label("Email address")).to_be_focused()
    # 3. Signs in.
    await page.keyboard.type("family@example.com")
    await walk.type_into(page.get_by_label("Password", exact=True), DEMO_PASSWORD)
    await walk.screenshot("sign-in-filled")
    await walk.tab_to(main.get_by_role("button", name="Sign in"))
    await walk.follow()
    await expect(menu.get_by_role("button", name="Sign out")).to_be_visible()
    await walk.screenshot("signed-in")

    # 4. Find short breaks: a Saturday club for an autistic nine-year-old within 5 miles of B15.
    await walk.tab_to(menu.get_by_role("link", name="Find short breaks"))
    await walk.screenshot("menu-find-short-breaks")
    await walk.follow()
    await expect(page.get_by_role("heading", level=1, name="Find short breaks")).to_be_visible()
    await walk.type_into(page.get_by_label("Postcode"), "B15")
    await walk.type_into(page.get_by_label("Within (miles)"), "5")
    await walk.type_into(page.get_by_label("Child's age"), "9")
    await walk.tab_to(page.get_by_role("group", name="Needs supported").get_by_label("Autistic spectrum disorder (ASD)"))
    await page.keyboard.press("Space")
    await walk.screenshot("search-need-ticked")
    await walk.tab_to(page.get_by_role("group", name="Days").get_by_label("Saturday"))
    await page.keyboard.press("Space")
    await walk.tab_to(page.get_by_role("button", name="Search"))
    await walk.screenshot("search-button")
    await walk.follow()
    await expect(page).to_have_url(re.compile(r"postcode=B15.*within_miles=5.*age=9.*needs=ASD.*weekdays=sat"))

    # 5. The results: the service's link, then its page.
    await walk.tab_to(main.get_by_role("link", name="Sunshine Saturday Club"))
    await walk.screenshot("search-result")
    await walk.follow()
    await expect(page.get_by_role("heading", level=1, name="Sunshine Saturday Club")).to_be_visible()

    # 6. A session far enough ahead to cancel in time, and not one Aarav already has.
    booked = await booked_days(page)
    row, _day = await first_bookable_row(page, not_before=today() + timedelta(days=7), avoid=frozenset(booked))
    await walk.tab_to(row.get_by_role("link", name=re.compile("^Book")))
    await walk.screenshot("service-book-link")
    await walk.follow()
    await expect(page.get_by_role("heading", level=1, name="Book Sunshine Saturday Club")).to_be_visible()

    # 7. Book sent with no child chosen: the error summary; then Aarav chosen with Space.
    await walk.tab_to(main.get_by_role("button", name="Book"))
    await walk.follow()
    await expect(summary).to_be_focused()
    await walk.screenshot("book-error-summary")
    await walk.tab_to(summary.get_by_role("link").first)
    await page.keyboard.press("Enter")
    # The summary links to the question; GOV.UK Frontend moves focus to its first checkbox.
    aarav = page.get_by_label("Aarav Shah")
    if not await aarav.evaluate("e => e === document.activeElement"):
        await walk.tab_to(aarav)
    await page.keyboard.press("Space")
    await expect(aarav).to_be_checked()
    await walk.screenshot("book-child-chosen")
    await walk.tab_to(main.get_by_role("button", name="Book"))
    await walk.follow()

    # 8. Booked: the success banner has focus, as GOV.UK Frontend gives it.
    await expect(banner).to_be_focused()
    message = " ".join((await banner.inner_text()).split())
    reference = REFERENCE.search(message)
    assert reference is not None, message
    await walk.screenshot("booked-banner")

    # 9. The calendar subscription page.
    await walk.tab_to(menu.get_by_role("link", name="Calendar"))
    await walk.follow()
    await expect(page.get_by_role("heading", level=1, name="Subscribe to your calendar")).to_be_visible()
    await walk.tab_to(main.get_by_role("button").first)
    await walk.screenshot("calendar-page")

    # 10. Cancels the booking from "Your bookings".
    await walk.tab_to(menu.get_by_role("link", name="Your bookings"), key="Shift+Tab")
    await walk.follow()
    await walk.tab_to(main.get_by_role("link", name=reference.group()))
    await walk.screenshot("bookings-reference")
    await walk.follow()
    await walk.tab_to(main.get_by_role("button", name="Cancel this booking"))
    await walk.screenshot("cancel-button")
    await walk.follow()
    # Asked first, with "No, keep this booking" beside the button.
    await expect(page.get_by_role("heading", level=1)).to_have_text("Are you sure you want to cancel this booking?")
    await walk.tab_to(main.get_by_role("button", name="Yes, cancel this booking"))
    await walk.screenshot("cancel-confirm")
    await walk.follow()
    await expect(banner).to_be_focused()
    await expect(banner).to_contain_text("Your booking has been cancelled")
    await expect(page.get_by_role("row").filter(has=page.get_by_role("link", name=reference.group()))).to_contain_text("Cancelled")
    await walk.screenshot("cancelled-banner")

    # 11. Signs out.
    await walk.tab_to(menu.get_by_role("button", name="Sign out"), key="Shift+Tab")
    await walk.screenshot("sign-out-button")
    await walk.follow()
    await expect(page.get_by_text("You have signed out")).to_be_visible()
    await walk.screenshot("signed-out")
    assert len(walk.stops) > 20  # every one of them showed its focus
    if os.environ.get("A11Y_SCREENSHOTS"):
        (shots / "focus-stops.txt").write_text("".join(f"{stop['tag']} {stop['text']!r}\n" for stop in walk.stops))


async def booked_days(page: Any) -> set[Any]:
    """The days Aarav already has a booking, read from "Your bookings" in a second tab (no focus moves here)."""
    other = await page.context.new_page()
    await other.goto("/bookings")
    cells = await other.get_by_role("row").locator("td:nth-child(3)").all()
    days = {session_date(await cell.inner_text()) for cell in cells}
    await other.close()
    return days
