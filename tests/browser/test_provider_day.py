"""A provider's working day, in Chromium (issue 19): the requests to decide on the bookings page,
confirm and decline in place, the register's waiting list, availability in days and times with a
preview, pages that fit a phone, and staff forms a screen reader can use.

The demo provider (Sunshine Saturday Club) has three requests on its Friday Tea Club: two from
other demo families and the Shahs' (Anika's), which other tests expect to stay waiting. A test
here that changes a request takes one that is not Anika's.
"""

from __future__ import annotations

import re
import secrets
from datetime import date, timedelta
from typing import Any

import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import expect

from providers.recurrence import bank_holidays
from tests.browser.test_accessibility import AXE_OPTIONS
from tests.browser.test_journeys_bookings import (
    REFERENCE,
    SignIn,
    add_service,
    assert_no_axe_violations,
    open_own_provider,
    signed_in_staff,
    today,
)

pytestmark = pytest.mark.browser

STAFF = "provider@example.com"
PHONES = (320, 390)
FULL = re.compile(r"(?<!\d)(\d+) of \1(?!\d)")  # a calendar row whose places are all taken: "8 of 8"


async def bookings_page(page: Any) -> None:
    """The Bookings item of the menu, with the count of requests waiting."""
    await page.get_by_role("navigation", name="Menu").get_by_role("link", name=re.compile(r"^Bookings")).click()
    await expect(page.get_by_role("heading", level=1, name="Bookings")).to_be_visible()


def request_cards(page: Any) -> Any:
    """The requests waiting, oldest first, other than the Shahs' (Anika's), which stays for other tests."""
    return (
        page.locator(".govuk-summary-card").filter(has=page.get_by_role("button", name=re.compile("^Confirm"))).filter(has_not_text="Anika")
    )


async def reference_of(card: Any) -> str:
    found = REFERENCE.search(await card.get_by_role("heading", level=3).inner_text())
    assert found is not None
    return found.group()


async def test_the_provider_confirms_a_request_from_the_bookings_page(new_page: Any, sign_in_as: SignIn) -> None:
    staff = await signed_in_staff(new_page, sign_in_as, STAFF)
    menu_item = staff.get_by_role("navigation", name="Menu").get_by_role("link", name=re.compile(r"^Bookings \(\d+ waiting\)$"))
    await expect(menu_item).to_be_visible()
    await bookings_page(staff)
    await assert_no_axe_violations(staff)
    card = request_cards(staff).first
    reference = await reference_of(card)
    await expect(card).to_contain_text("Requested")
    await expect(card).to_contain_text("waiting")

    await card.get_by_role("button", name=f"Confirm {reference}").click()

    await expect(staff.locator(".govuk-notification-banner--success")).to_contain_text(f"{reference} confirmed")
    await expect(staff.get_by_role("heading", level=3, name=re.compile(reference))).to_have_count(0)
    await expect(staff.get_by_role("main")).to_contain_text(reference)  # now among the confirmed bookings coming up


async def test_declining_with_no_reason_shows_an_error_summary_and_changes_nothing(new_page: Any, sign_in_as: SignIn) -> None:
    staff = await signed_in_staff(new_page, sign_in_as, STAFF)
    await bookings_page(staff)
    card = staff.locator(".govuk-summary-card").filter(has=staff.get_by_role("button", name=re.compile("^Decline"))).first
    reference = await reference_of(card)

    await card.get_by_role("button", name=f"Decline {reference}").click()

    summary = staff.locator(".govuk-error-summary")
    await expect(summary).to_be_focused()
    await expect(staff.locator(".govuk-notification-banner")).to_have_count(0)
    link = summary.get_by_role("link", name="Give the family a reason")
    await link.click()
    reason = staff.get_by_label(f"Reason for declining {reference}")
    await expect(reason).to_be_focused()
    described = (await reason.get_attribute("aria-describedby") or "").split()
    assert any(i.endswith("-error") for i in described), described
    await expect(staff.get_by_role("button", name=f"Confirm {reference}")).to_be_visible()  # still waiting
    assert (await staff.title()).startswith("Error: ")
    await assert_no_axe_violations(staff)


async def test_enter_in_the_decline_reason_box_declines_and_never_confirms(new_page: Any, sign_in_as: SignIn) -> None:
    staff = await signed_in_staff(new_page, sign_in_as, STAFF)
    await bookings_page(staff)
    card = request_cards(staff).first
    reference = await reference_of(card)
    await card.get_by_role("link", name=re.compile(r" at ")).click()  # the session: its register
    await expect(staff.get_by_role("heading", level=1, name=re.compile("bookings and register"))).to_be_visible()

    reason = staff.get_by_label(f"Reason for declining {reference}")
    await reason.fill("We are full of first visits that week")
    await reason.press("Enter")

    await expect(staff.locator(".govuk-notification-banner--success")).to_contain_text(f"{reference} declined")
    await expect(staff.get_by_role("heading", level=2, name=f"{reference}: Declined")).to_be_visible()
    await expect(staff.get_by_role("heading", level=2, name=f"{reference}: Confirmed")).to_have_count(0)


async def test_the_register_of_the_demo_full_session_lists_its_waiting_children(new_page: Any, sign_in_as: SignIn) -> None:
    staff = await signed_in_staff(new_page, sign_in_as, STAFF)
    await open_own_provider(staff)
    await staff.get_by_role("link", name="Sessions calendar").click()
    full = staff.get_by_role("row").filter(has_text="Sunshine Saturday Club").filter(has_text=FULL)
    await full.first.get_by_role("link", name="Bookings and register").click()

    waiting = staff.get_by_role("heading", name="Waiting list")
    await expect(waiting).to_be_visible()
    queue = staff.get_by_role("list").filter(has_text="Joined")
    items = queue.get_by_role("listitem")
    await expect(items).to_have_count(2)
    await expect(items.nth(0)).to_contain_text(re.compile(r"1\. Anika, \d+"))
    await expect(items.nth(1)).to_contain_text(re.compile(r"2\. Noah, \d+"))
    await expect(items.nth(0)).to_contain_text("Joined")
    await assert_no_axe_violations(staff)


def _next_bank_holiday() -> date:
    return min(d for d in bank_holidays() if d > today() + timedelta(days=8))


async def test_availability_is_made_from_days_and_times_and_its_preview_marks_a_bank_holiday(new_page: Any, sign_in_as: SignIn) -> None:
    staff = await signed_in_staff(new_page, sign_in_as, STAFF)
    name = f"Holiday club {secrets.token_hex(3)}"
    await add_service(staff, name, ratio="1:2", staff=2)  # its first rule, from a day and two times
    await expect(staff.get_by_text("Availability added and sessions created")).to_be_visible()
    holiday = _next_bank_holiday()
    first = holiday - timedelta(days=7)

    form = staff.locator("#add-rule")
    await form.get_by_role("group", name="Days").get_by_label(holiday.strftime("%A")).check()
    await form.get_by_label("Start time").fill("09:30")
    await form.get_by_label("End time").fill("09:00")
    await form.get_by_label("Staff on shift").fill("2")
    await form.get_by_label("First date", exact=True).fill(first.isoformat())
    await form.get_by_role("button", name="Show the next 10 dates").click()
    # The end before the start: an error naming the field, linked to it.
    link = staff.locator(".govuk-error-summary").get_by_role("link", name="The end time must be after the start time")
    await expect(link).to_have_attribute("href", "#end_time")
    await link.click()
    await expect(staff.get_by_label("End time")).to_be_focused()

    await staff.get_by_label("End time").fill("15:00")
    await staff.locator("#add-rule").get_by_role("button", name="Show the next 10 dates").click()
    dates = staff.locator("#preview-dates li")
    await expect(dates).to_have_count(10)
    texts = await dates.all_inner_texts()
    expected = [first + timedelta(weeks=i) for i in range(10)]
    assert [t.split(" at ")[0] for t in texts] == [f"{d:%A} {d.day} {d:%B %Y}" for d in expected]
    assert "Bank holiday" in texts[1] and "No session" in texts[1], texts[1]
    assert "Bank holiday" not in texts[0]
    await assert_no_axe_violations(staff)

    await staff.locator("#add-rule").get_by_role("button", name="Add availability").click()
    await expect(staff.get_by_text("Availability added and sessions created")).to_be_visible()
    await expect(staff.get_by_role("cell", name=f"FREQ=WEEKLY;BYDAY={holiday.strftime('%a')[:2].upper()}")).to_be_visible()


async def provider_paths(page: Any) -> list[str]:
    """Every page the demo provider's staff use, with real ids from their own links."""
    await open_own_provider(page)
    own = page.url
    paths = ["/provider", own, own + "/edit", own + "/services/new", own + "/calendar", "/provider/bookings", "/calendar/providers"]
    paths += [own + "/calendar?view=week", own + "/calendar?view=month"]
    services = [
        await a.get_attribute("href") for a in await page.get_by_role("main").get_by_role("link", name=re.compile("^Sunshine")).all()
    ]
    await page.goto(own + "/calendar")
    registers = [await a.get_attribute("href") for a in await page.get_by_role("link", name="Bookings and register").all()]
    full = page.get_by_role("row").filter(has_text=FULL).get_by_role("link", name="Bookings and register")
    register = await full.first.get_attribute("href") if await full.count() else registers[0]
    return [*paths, *[s for s in services if s], register, register + "/payments"]


@pytest.mark.parametrize("width", PHONES)
async def test_every_provider_page_fits_a_phone(new_page: Any, sign_in_as: SignIn, width: int) -> None:
    staff = await signed_in_staff(new_page, sign_in_as, STAFF)
    paths = await provider_paths(staff)
    await staff.set_viewport_size({"width": width, "height": 800})
    too_wide = []
    for path in paths:
        response = await staff.goto(path)
        assert response.status == 200, path
        scroll_width, screen = await staff.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if scroll_width > screen:
            too_wide.append(f"{path}: {scroll_width} px")
        if width == 320:
            results = await Axe().run(staff, options=AXE_OPTIONS)
            assert results.violations_count == 0, f"{path} at {width} px:\n{results.generate_report()}"
    assert too_wide == [], f"wider than {width} px"


# (the page's path, the button that sends the form): each provider staff form sent empty.
async def staff_forms(page: Any) -> list[tuple[str, str]]:
    await open_own_provider(page)
    own = page.url
    service = await page.get_by_role("main").get_by_role("link", name="Sunshine Friday Tea Club").get_attribute("href")
    return [
        ("/provider/new", "Save"),
        (own + "/edit", "Save"),
        (own + "/services/new", "Add service"),
        (service, "Add availability"),
        (service, "Add closure"),
        (service, "Save"),
    ]


async def test_every_provider_staff_form_sent_empty_links_each_error_to_its_field(new_page: Any, sign_in_as: SignIn) -> None:
    staff = await signed_in_staff(new_page, sign_in_as, STAFF)
    unlinked = []
    for path, button in await staff_forms(staff):
        await staff.goto(path)
        send = staff.get_by_role("button", name=button, exact=True).first
        await send.evaluate(
            """b => b.form.querySelectorAll("input:not([type=hidden]):not([type=checkbox]):not([type=radio]), textarea")
                    .forEach(e => { e.value = ""; })"""
        )
        await send.click()
        summary = staff.locator(".govuk-error-summary")
        await expect(summary).to_be_focused()
        for link in await summary.get_by_role("link").all():
            target = (await link.get_attribute("href") or "").removeprefix("#")
            problem = await staff.evaluate(
                """id => {
                    const control = document.getElementById(id);
                    if (!control) return "no control with this id";
                    const group = control.closest("fieldset") || control;
                    const described = el => el.getAttribute("aria-describedby") || "";
                    const ids = (described(control) + " " + described(group)).split(/\\s+/);
                    const error = ids.map(i => document.getElementById(i)).find(e => e && e.classList.contains("govuk-error-message"));
                    return error ? "" : "no error message in aria-describedby";
                }""",
                target,
            )
            if problem:
                unlinked.append(f"{path} ({button}) #{target}: {problem}")
            text = await link.inner_text()
            if text.startswith("Input should be"):
                unlinked.append(f"{path} ({button}) #{target}: pydantic's words: {text}")
    assert unlinked == []
