"""A family's first day, clicked through in Chromium (issue 18, items 1, 6, 7 and 12).

A newly registered family with no allocation is shown a way forward from a booking page (its
council's and the provider's contact details); a provider's "15.00" publishes £15.00; the booking
page and the booking's own page show the weekday, the price, what the allocation pays and a link
to add the booking to a calendar; turning off a calendar address asks first. axe-core checks each
page changed for these items, error states included.

Each test registers its own family or adds its own service, so they run alone or in any order
against the package's one live server.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import expect

from tests.browser.test_journeys_bookings import (
    REFERENCE,
    add_child,
    assert_no_axe_violations,
    first_bookable_row,
    grant_hours_as_officer,
    open_own_provider,
    open_service,
    register_family,
    signed_in_staff,
    today,
)

pytestmark = pytest.mark.browser

SignIn = Callable[..., Awaitable[None]]
WEEKDAY_DATE = re.compile(r"^\s*(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday) \d{1,2} [A-Z][a-z]+ \d{4}\s*$")


def summary_value(page: Any, key: str) -> Any:
    """The value of a summary list row, by its key: ``summary_value(page, "Price")``."""
    return page.locator(".govuk-summary-list__row").filter(has=page.locator("dt", has_text=re.compile(rf"^\s*{key}\s*$"))).locator("dd")


async def test_a_new_family_without_an_allocation_gets_a_route_forward_and_the_providers_phone(
    new_page: Callable[..., Awaitable[Any]], sign_in_as: SignIn
) -> None:
    family = await register_family(new_page, sign_in_as, "Nadia Firstday")
    child = await add_child(family, "Yusuf", age=8, needs=["Autistic spectrum disorder"])
    await open_service(family, "Sunshine Saturday Club")

    contact = family.get_by_role("heading", name="Contact Sunshine Saturday Club")
    await expect(contact).to_be_visible()
    await expect(family.get_by_role("link", name="0121 496 0001")).to_have_attribute("href", "tel:01214960001")
    await expect(family.get_by_role("link", name="hello@sunshine.example.org")).to_be_visible()
    await assert_no_axe_violations(family)

    row, _day = await first_bookable_row(family, not_before=today() + timedelta(days=1))
    await row.get_by_role("link", name=re.compile("^Book")).click()
    await expect(family.get_by_role("heading", level=1, name="Book Sunshine Saturday Club")).to_be_visible()

    # No allocation and no online payment here: the page says so in plain words, and what to do.
    await expect(family.get_by_role("list").filter(has_text="Yusuf:")).to_contain_text("Yusuf has no short breaks allocation for ")
    await expect(family.get_by_role("heading", name="How to book Yusuf")).to_be_visible()
    await expect(family.get_by_role("heading", name="Ask Birmingham City Council for a short breaks allowance")).to_be_visible()
    await expect(family.get_by_role("link", name="0121 496 0100")).to_be_visible()
    await expect(family.get_by_role("link", name="https://birmingham.example.org/short-breaks")).to_be_visible()
    await expect(family.get_by_role("heading", name="Or contact Sunshine Saturday Club")).to_be_visible()
    await expect(family.get_by_role("link", name="0121 496 0001")).to_be_visible()
    await expect(family.get_by_text("Online payment is not available")).to_have_count(0)
    await expect(family.get_by_label(child)).to_have_count(0)  # nothing to book with: no dead-end form
    await assert_no_axe_violations(family)


async def test_a_providers_15_00_publishes_15_pounds_and_fifteen_is_refused_naming_the_field(
    new_page: Callable[..., Awaitable[Any]], sign_in_as: SignIn
) -> None:
    staff = await signed_in_staff(new_page, sign_in_as, "provider@example.com")
    name = f"Pounds club {secrets.token_hex(3)}"
    await open_own_provider(staff)
    await staff.get_by_role("link", name="Add a service").click()
    await staff.get_by_label("Name", exact=True).fill(name)
    await staff.get_by_label("Type", exact=True).select_option(label="Activity or club")
    await staff.get_by_label("Youngest age").fill("5")
    await staff.get_by_label("Oldest age").fill("12")
    await staff.get_by_label("Staff to children").select_option("1:2")
    await staff.get_by_role("group", name="Paid for by").get_by_label("Family pays").check()

    await staff.get_by_label("Price a session, in pounds").fill("fifteen")
    await staff.get_by_role("button", name="Add service").click()
    summary = staff.locator(".govuk-error-summary")
    await expect(summary.get_by_role("link", name="Enter the price of a session in pounds, like £15 or 15.00")).to_have_attribute(
        "href", "#price"
    )
    await expect(staff.get_by_label("Price a session, in pounds")).to_have_value("fifteen")
    await assert_no_axe_violations(staff)

    await staff.get_by_label("Price a session, in pounds").fill("15.00")
    await staff.get_by_role("button", name="Add service").click()
    await expect(staff.get_by_text("Service added")).to_be_visible()
    await expect(staff.get_by_label("Price a session, in pounds")).to_have_value("15.00")
    service_id = staff.url.rstrip("/").rsplit("/", 1)[1]

    public = await new_page()
    await public.goto(f"/services/{service_id}")
    await expect(summary_value(public, "Price")).to_have_text("£15.00 a session")


async def test_the_booking_pages_show_the_weekday_price_allocation_cost_and_a_calendar_link(
    new_page: Callable[..., Awaitable[Any]], sign_in_as: SignIn
) -> None:
    family = await register_family(new_page, sign_in_as, "Leah Calendar")
    child = await add_child(family, "Zara", age=9, needs=["Autistic spectrum disorder"])
    await grant_hours_as_officer(new_page, sign_in_as, "Leah Calendar", child, 30)
    await open_service(family, "Sunshine Saturday Club")
    row, _day = await first_bookable_row(family, not_before=today() + timedelta(days=1))
    await row.get_by_role("link", name=re.compile("^Book")).click()

    await expect(summary_value(family, "Date")).to_have_text(WEEKDAY_DATE)
    await expect(summary_value(family, "Time")).to_have_text("10am to 1pm")
    await expect(summary_value(family, "Where")).to_have_text("Sunshine Centre, 12 Harborne Road, Birmingham, B15 3AA")
    await expect(summary_value(family, "Price")).to_have_text("£15.00 a session")
    await expect(family.get_by_role("list").filter(has_text="Zara:")).to_contain_text(
        "use Zara's allocation. This session costs 3.0 hours of it, leaving 27.0 hours."
    )
    await expect(family.get_by_role("heading", name=re.compile("^How to book"))).to_have_count(0)
    await assert_no_axe_violations(family)

    await family.get_by_label(child).check()
    await family.get_by_role("button", name="Book").click()
    banner = family.locator(".govuk-notification-banner")
    await expect(banner).to_contain_text(REFERENCE)

    await expect(summary_value(family, "Date")).to_have_text(WEEKDAY_DATE)
    await expect(summary_value(family, "Price")).to_have_text("£15.00 a place")
    await expect(summary_value(family, "Allocation pays")).to_have_text("Zara's allocation: 3.0 hours, used")
    await expect(summary_value(family, "You pay")).to_have_text("Nothing")
    link = family.get_by_role("link", name=re.compile("^Add this booking to your calendar"))
    await expect(link).to_have_attribute("href", re.compile(r"^/bookings/[0-9a-f-]{36}/calendar\.ics$"))
    await assert_no_axe_violations(family)
    async with family.expect_download() as download_info:
        await link.click()
    download = await download_info.value
    ics = Path(await download.path()).read_text(encoding="utf-8")  # noqa: ASYNC240  # a small temporary file, read once
    assert "BEGIN:VEVENT" in ics and "Sunshine Saturday Club" in ics

    # Booked once, Zara is not offered for the same session again.
    await family.go_back()
    await family.reload()
    await expect(family.get_by_text("Zara is already booked on this session.")).to_be_visible()
    await expect(family.get_by_label(child)).to_have_count(0)
    await assert_no_axe_violations(family)


async def test_turning_off_a_calendar_address_asks_first(new_page: Callable[..., Awaitable[Any]], sign_in_as: SignIn) -> None:
    family = await register_family(new_page, sign_in_as, "Omar Feeds")
    await family.get_by_role("navigation", name="Menu").get_by_role("link", name="Calendar", exact=True).click()
    await family.get_by_role("button", name="Get calendar address for All your children").click()
    await family.get_by_role("link", name="Back to your calendars").click()

    await family.get_by_role("button", name="Turn off All your children").click()
    await expect(family.get_by_role("heading", level=1)).to_have_text("Are you sure you want to turn off this calendar address?")
    await expect(family.get_by_text("will stop updating at once")).to_be_visible()
    await assert_no_axe_violations(family)
    await family.get_by_role("link", name="No, keep it on").click()
    await expect(family.get_by_role("row").filter(has_text="All your children")).to_contain_text("On since")

    await family.get_by_role("button", name="Turn off All your children").click()
    await family.get_by_role("button", name="Yes, turn it off").click()
    await expect(family.get_by_text("Your calendar address has been turned off")).to_be_visible()
    await expect(family.get_by_role("row").filter(has_text="All your children")).to_contain_text("Off")


async def test_a_council_officer_keeps_the_short_breaks_contact_details_families_see(
    new_page: Callable[..., Awaitable[Any]], sign_in_as: SignIn
) -> None:
    officer = await signed_in_staff(new_page, sign_in_as, "officer@example.com")
    await officer.goto("/account")
    await officer.get_by_role("link", name="Birmingham City Council").click()
    await expect(officer.get_by_role("heading", name="How families contact you about short breaks")).to_be_visible()
    await expect(officer.get_by_label("Phone")).to_have_value("0121 496 0100")

    await officer.get_by_label("Short breaks web page").fill("birmingham.example.org")
    await officer.get_by_role("button", name="Save contact details").click()
    await expect(
        officer.locator(".govuk-error-summary").get_by_role(
            "link", name="Enter the address of the short breaks web page, starting with https://"
        )
    ).to_be_visible()
    await assert_no_axe_violations(officer)

    await officer.get_by_label("Short breaks web page").fill("https://birmingham.example.org/short-breaks")
    await officer.get_by_role("button", name="Save contact details").click()
    await expect(officer.get_by_text("Contact details saved")).to_be_visible()
    await assert_no_axe_violations(officer)


async def test_an_officers_allocation_in_pounds_refused_on_the_childs_own_form(
    new_page: Callable[..., Awaitable[Any]], sign_in_as: SignIn
) -> None:
    family = await register_family(new_page, sign_in_as, "Ruby Pounds")
    await add_child(family, "Ezra", age=7, needs=["Autistic spectrum disorder"])
    officer = await signed_in_staff(new_page, sign_in_as, "officer@example.com")
    await officer.goto("/authority/families")
    await officer.get_by_role("link", name="Ruby Pounds").click()
    await officer.get_by_label("Allowance year starting April").fill(str(today().year if today().month >= 4 else today().year - 1))
    await officer.get_by_label("Amount in pounds").fill("fifty")
    await officer.get_by_label("Reason").fill("Annual short breaks")
    await officer.get_by_role("button", name="Grant allocation to Ezra").click()

    error = officer.locator(".govuk-error-summary").get_by_role("link", name="Enter the amount in pounds, like £15 or 15.00")
    await expect(error).to_be_visible()
    await error.click()
    await expect(officer.get_by_label("Amount in pounds")).to_be_focused()
    await assert_no_axe_violations(officer)
    await officer.get_by_label("Amount in pounds").fill("£50")
    await officer.get_by_role("button", name="Grant allocation to Ezra").click()
    await expect(officer.get_by_text("£50.00 left")).to_be_visible()
