"""The families' and providers' main journeys, clicked through in Chromium (issues 3 and 4).

Each test makes what it changes its own where it can: families register through the form,
and provider staff add their own services, so the tests run alone or in any order against the
package's one live server. Only the find-and-book journey uses the demo family (for its
allocation), and it cancels what it books.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import expect

pytestmark = pytest.mark.browser

LONDON = ZoneInfo("Europe/London")
PASSWORD = "a-long-journey-password"
REFERENCE = re.compile(r"SB-[A-Z0-9]{4}-[A-Z0-9]{2}")
SignIn = Callable[..., Awaitable[None]]


# --- helpers: what a person does, step by step ---------------------------------------------------


async def assert_no_axe_violations(page: Any) -> None:
    results = await Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def today() -> date:
    return datetime.now(LONDON).date()


def session_date(when: str) -> date:
    """The day of a session as pages show it: ``Saturday 5 December 2026 at 10am``."""
    return datetime.strptime(when.split(" at ")[0], "%A %d %B %Y").date()  # a calendar date, no time


# Staff sign in with a second factor, and a code is good once: sign each in once for these modules
# and give later tests a context holding the same session cookie.
_staff_sessions: dict[str, Any] = {}


async def signed_in_staff(new_page: Callable[..., Awaitable[Any]], sign_in_as: SignIn, email: str, **options: Any) -> Any:
    """A page signed in as a demo staff member (context ``options`` as for ``new_page``)."""
    if email in _staff_sessions:
        page = await new_page(storage_state=_staff_sessions[email], **options)
        await page.goto("/")
        await expect(page.get_by_role("button", name="Sign out")).to_be_visible()
        return page
    page = await new_page(**options)
    await sign_in_as(page, email)
    _staff_sessions[email] = await page.context.storage_state()
    return page


async def register_family(new_page: Callable[..., Awaitable[Any]], sign_in_as: SignIn, name: str) -> Any:
    """A new Birmingham family through the register form, signed in."""
    page = await new_page()
    email = f"{name.split()[0].lower()}-{secrets.token_hex(4)}@example.org"
    await page.goto("/register")
    await page.get_by_label("Your name").fill(name)
    await page.get_by_label("Email address").fill(email)
    await page.get_by_label("Create a password").fill(PASSWORD)
    await page.get_by_label("Your local council").select_option(label="Birmingham City Council")
    await page.get_by_role("button", name="Create account").click()
    await expect(page.get_by_text("Your account has been created")).to_be_visible()
    await sign_in_as(page, email, PASSWORD)
    await confirm_email(page, await emailed_link(new_page, sign_in_as, email, "Confirm your email address"))
    return page


async def emailed_link(new_page: Callable[..., Awaitable[Any]], sign_in_as: SignIn, email: str, subject: str) -> str:
    """The link in the newest email to ``email`` with ``subject``, as the site administrator reads
    it in the development mailbox (the live server has no SMTP relay)."""
    admin = await signed_in_staff(new_page, sign_in_as, "admin@example.com")
    await admin.goto("/admin/mailbox")
    card = admin.locator(".govuk-summary-card").filter(has=admin.get_by_role("heading", name=subject)).filter(has_text=email).first
    link = await card.locator(".sb-mail-body a").first.get_attribute("href")
    await admin.close()
    assert link
    return link


async def confirm_email(page: Any, link: str) -> None:
    """Follow the emailed verification link: families book once their email address is confirmed."""
    await page.goto(link)
    await expect(page.get_by_text("Thank you: your email address is confirmed")).to_be_visible()


async def add_child(page: Any, first_name: str, *, age: int, needs: list[str]) -> str:
    """Add a child through "Your children"; returns the name the booking form shows."""
    await page.get_by_role("navigation", name="Menu").get_by_role("link", name="Your children").click()
    born = today() - timedelta(days=round((age + 0.5) * 365.25))
    await page.get_by_label("First name").fill(first_name)
    await page.get_by_label("Last name").fill("Journey")
    await page.get_by_label("Date of birth").fill(born.isoformat())
    for need in needs:
        await page.get_by_role("group", name="Needs").get_by_label(need).check()
    await page.get_by_role("textbox", name="Communication").fill("Uses a picture board")
    await page.get_by_role("button", name="Add child").click()
    await expect(page.get_by_text(f"{first_name} has been added")).to_be_visible()
    return f"{first_name} Journey"


async def grant_hours_as_officer(new_page: Callable[..., Awaitable[Any]], sign_in_as: SignIn, family: str, child: str, hours: int) -> None:
    """The Birmingham officer opens the family from their list and grants the child an allocation of hours."""
    officer = await signed_in_staff(new_page, sign_in_as, "officer@example.com")
    await officer.goto("/authority/families")
    await officer.get_by_role("link", name=family).click()
    day = today()
    await officer.get_by_label("Allowance year starting April").fill(str(day.year if day.month >= 4 else day.year - 1))
    await officer.get_by_label("Hours").fill(str(hours))
    await officer.get_by_label("Reason").fill("Annual short breaks")
    await officer.get_by_role("button", name=f"Grant allocation to {child.split()[0]}").click()
    await expect(officer.get_by_text(f"{hours}.0 hours left")).to_be_visible()
    await officer.close()


async def open_own_provider(page: Any) -> None:
    await page.get_by_role("navigation", name="Menu").get_by_role("link", name="Your provider").click()
    await page.get_by_role("main").get_by_role("link", name="Sunshine Saturday Club").click()
    await expect(page.get_by_role("heading", level=1, name="Sunshine Saturday Club")).to_be_visible()


async def add_service(page: Any, name: str, *, ratio: str, staff: int, approval: bool = False) -> date:
    """Provider staff add a weekly service to their provider; returns the day of its first session, a week ahead."""
    await open_own_provider(page)
    await page.get_by_role("link", name="Add a service").click()
    await page.get_by_label("Name", exact=True).fill(name)
    await page.get_by_label("Type", exact=True).select_option(label="Activity or club")
    await page.get_by_label("Description").fill("A journey test's service.")
    await page.get_by_label("Youngest age").fill("5")
    await page.get_by_label("Oldest age").fill("12")
    await page.get_by_role("group", name="Needs supported").get_by_label("Autistic spectrum disorder (ASD)").check()
    await page.get_by_label("Staff to children").select_option(ratio)
    await page.get_by_label("Price a session, in pounds").fill("0")
    await page.get_by_role("group", name="Paid for by").get_by_label("Family pays").check()
    if approval:
        await page.get_by_label("Bookings", exact=True).select_option(label="We approve each booking")
    await page.get_by_role("button", name="Add service").click()
    await expect(page.get_by_text("Service added")).to_be_visible()
    await expect(page.get_by_role("heading", level=1, name=name)).to_be_visible()

    first = today() + timedelta(days=7)
    await page.get_by_role("group", name="Days").get_by_label(first.strftime("%A")).check()
    await page.get_by_label("Start time").fill("10:00")
    await page.get_by_label("End time").fill("12:00")
    await page.get_by_label("Staff on shift").fill(str(staff))
    await page.get_by_label("First date", exact=True).fill(first.isoformat())
    await page.get_by_role("button", name="Add availability").click()
    await expect(page.get_by_role("cell", name="FREQ=WEEKLY", exact=False)).to_be_visible()
    return first


async def open_service(page: Any, name: str) -> None:
    """Find a service by its name with the search form and open its page."""
    await page.goto("/services")
    await page.get_by_label("Words").fill(name)
    await page.get_by_role("button", name="Search").click()
    await page.get_by_role("link", name=name).click()
    await expect(page.get_by_role("heading", level=1, name=name)).to_be_visible()


def session_row(page: Any, day: date) -> Any:
    return page.get_by_role("row").filter(has_text=f"{day.day} {day.strftime('%B %Y')} at")


async def first_bookable_row(page: Any, *, not_before: date, avoid: frozenset[date] = frozenset()) -> tuple[Any, date]:
    """On a service's page: the first session with a Book link on or after ``not_before``, not on an ``avoid`` day."""
    for row in await page.get_by_role("row").filter(has=page.get_by_role("link", name=re.compile("^Book"))).all():
        day = session_date(await row.get_by_role("cell").first.inner_text())
        if day >= not_before and day not in avoid:
            return row, day
    pytest.fail(f"no bookable session from {not_before}")


async def book(page: Any, child: str, *, button: str = "Book") -> str:
    """On a booking page: choose the child and press ``button``; returns the flash message."""
    await page.get_by_label(child).check()
    await page.get_by_role("button", name=button).click()
    banner = page.locator(".govuk-notification-banner")  # the flash message after the redirect
    await expect(banner.or_(page.locator(".govuk-error-summary"))).to_be_visible()
    assert await banner.count(), await page.locator(".govuk-error-summary").inner_text()
    return " ".join((await banner.locator(".govuk-notification-banner__content").inner_text()).split())


async def open_register(page: Any, service: str, day: date) -> None:
    """Provider staff: the sessions calendar, then that session's bookings and register."""
    await open_own_provider(page)
    await page.get_by_role("link", name="Sessions calendar").click()
    row = page.get_by_role("row").filter(has_text=service).filter(has_text=f"{day.day} {day.strftime('%B %Y')} at")
    await row.get_by_role("link", name="Bookings and register").click()
    await expect(page.get_by_role("heading", level=1, name=f"{service}: bookings and register")).to_be_visible()


async def hours_left(page: Any, child_first_name: str) -> str:
    """The allocation balance a family sees for a child, e.g. ``Left: 75.0 hours``."""
    await page.get_by_role("navigation", name="Menu").get_by_role("link", name="Allocations").click()
    heading = page.get_by_role("heading", level=2).filter(has_text=f"{child_first_name}:")
    text = await heading.locator("xpath=following-sibling::p[starts-with(normalize-space(.), 'Left:')][1]").inner_text()
    return " ".join(text.split())


def hours(balance: str) -> float:
    found = re.search(r"([\d.]+) hours", balance)
    assert found is not None, balance
    return float(found.group(1))


# --- 1. find and book ---------------------------------------------------------------------------


async def search_for_a_saturday_asd_club(page: Any) -> None:
    await page.get_by_label("Postcode").fill("B15")
    await page.get_by_label("Within (miles)").fill("5")
    await page.get_by_label("Child's age").fill("9")
    await page.get_by_role("group", name="Needs supported").get_by_label("Autistic spectrum disorder (ASD)").check()
    await page.get_by_role("group", name="Days").get_by_label("Saturday").check()
    await page.get_by_role("button", name="Search").click()


async def test_a_family_finds_a_saturday_club_books_it_and_cancels_with_the_allocation_given_back(
    browser_page: Any, sign_in_as: SignIn
) -> None:
    page = browser_page
    await sign_in_as(page, "family@example.com")
    before = await hours_left(page, "Aarav")
    await page.get_by_role("navigation", name="Menu").get_by_role("link", name="Your bookings").click()
    booked_days = {session_date(await cell.inner_text()) for cell in await page.get_by_role("row").locator("td:nth-child(3)").all()}

    await page.get_by_role("navigation", name="Menu").get_by_role("link", name="Find short breaks").click()
    await search_for_a_saturday_asd_club(page)

    await expect(page).to_have_url(re.compile(r"postcode=B15.*within_miles=5.*age=9.*needs=ASD.*weekdays=sat"))
    result = page.get_by_role("listitem").filter(has=page.get_by_role("link", name="Sunshine Saturday Club"))
    await expect(result).to_contain_text(re.compile(r"less than a mile|about \d+ miles?"))
    await expect(result).to_contain_text(re.compile(r"\d+ places? left"))
    await assert_no_axe_violations(page)

    await result.get_by_role("link", name="Sunshine Saturday Club").click()
    await expect(page.get_by_role("heading", level=1, name="Sunshine Saturday Club")).to_be_visible()
    await assert_no_axe_violations(page)
    # A session far enough ahead to cancel within the notice period, and not one Aarav is booked on.
    row, _day = await first_bookable_row(page, not_before=today() + timedelta(days=7), avoid=frozenset(booked_days))
    await row.get_by_role("link", name=re.compile("^Book")).click()
    await expect(page.get_by_role("heading", level=1, name="Book Sunshine Saturday Club")).to_be_visible()
    await assert_no_axe_violations(page)

    message = await book(page, "Aarav Shah")

    reference = REFERENCE.search(message)
    assert reference is not None, message
    await expect(page.get_by_text(f"Booking {reference.group()}")).to_be_visible()
    await expect(page.get_by_role("definition").filter(has_text="Confirmed")).to_be_visible()
    await assert_no_axe_violations(page)
    assert hours(await hours_left(page, "Aarav")) == hours(before) - 3

    await page.get_by_role("navigation", name="Menu").get_by_role("link", name="Your bookings").click()
    booking_row = page.get_by_role("row").filter(has=page.get_by_role("link", name=reference.group()))
    await expect(booking_row).to_contain_text("Confirmed")
    await assert_no_axe_violations(page)
    await booking_row.get_by_role("link", name=reference.group()).click()
    await page.get_by_role("button", name="Cancel this booking").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Are you sure you want to cancel this booking?")
    await assert_no_axe_violations(page)
    await page.get_by_role("button", name="Yes, cancel this booking").click()

    await expect(page.get_by_text("Your booking has been cancelled")).to_be_visible()
    await expect(page.get_by_role("row").filter(has=page.get_by_role("link", name=reference.group()))).to_contain_text("Cancelled")
    assert await hours_left(page, "Aarav") == before


async def test_the_search_works_without_javascript_and_keeps_its_filters_in_the_url(new_page: Any) -> None:
    page = await new_page(java_script_enabled=False)
    await page.goto("/services")

    await search_for_a_saturday_asd_club(page)

    query = page.url.split("?", 1)[1]
    assert set(query.split("&")) >= {"postcode=B15", "within_miles=5", "age=9", "needs=ASD", "weekdays=sat"}
    await expect(page.get_by_role("link", name="Sunshine Saturday Club")).to_be_visible()
    # The form shows the search it ran, so it can be changed and run again: behind "Filter results",
    # so that on a phone the results come first.
    await page.get_by_text("Filter results", exact=True).click()
    await expect(page.get_by_label("Postcode", exact=True)).to_have_value("B15")
    await expect(page.get_by_label("Child's age")).to_have_value("9")
    await expect(page.get_by_role("group", name="Days").get_by_label("Saturday")).to_be_checked()
    await expect(page.get_by_role("group", name="Days").get_by_label("Sunday")).not_to_be_checked()

    await page.reload()  # the URL alone carries the search
    await expect(page.get_by_role("link", name="Sunshine Saturday Club")).to_be_visible()


# --- 2. the provider sees the booking --------------------------------------------------------------


async def test_the_provider_sees_a_new_booking_in_the_sessions_register(new_page: Any, sign_in_as: SignIn) -> None:
    family = await register_family(new_page, sign_in_as, "Maya Register")
    child = await add_child(family, "Zara", age=9, needs=["Autistic spectrum disorder"])
    # The club charges £15 a session: council-funded families pay from their allocation (without
    # Stripe configured, a family without one cannot book it online).
    await grant_hours_as_officer(new_page, sign_in_as, "Maya Register", child, 30)
    await open_service(family, "Sunshine Saturday Club")
    row, day = await first_bookable_row(family, not_before=today() + timedelta(days=1))
    await row.get_by_role("link", name=re.compile("^Book")).click()
    message = await book(family, child)
    reference = REFERENCE.search(message)
    assert reference is not None, message

    staff = await signed_in_staff(new_page, sign_in_as, "provider@example.com")
    await open_register(staff, "Sunshine Saturday Club", day)

    card = staff.locator(".govuk-summary-card").filter(has=staff.get_by_role("heading", name=f"{reference.group()}: Confirmed"))
    await expect(card).to_be_visible()
    await expect(card.get_by_role("heading", name=f"{child}, age 9")).to_be_visible()
    await expect(card).to_contain_text("Uses a picture board")  # the care profile, while the booking stands
    await assert_no_axe_violations(staff)


async def test_the_provider_records_attendance_for_a_session_that_has_happened(new_page: Any, sign_in_as: SignIn) -> None:
    staff = await signed_in_staff(new_page, sign_in_as, "provider@example.com")
    await open_own_provider(staff)
    await staff.get_by_role("link", name="Sessions calendar").click()
    await assert_no_axe_violations(staff)
    # The demo family's past bookings: one marked attended, one not; find a register with a booking on it.
    past = [
        await link.get_attribute("href")
        for row in await staff.get_by_role("row").all()
        if (cells := await row.get_by_role("cell").all()) and session_date(await cells[0].inner_text()) < today()
        for link in await row.get_by_role("link", name="Bookings and register").all()
    ]
    for href in past:
        await staff.goto(href)
        if await staff.get_by_role("button", name="Save attendance").count():
            break
    else:
        pytest.fail("no past session with a booking in the provider's calendar")
    card = staff.locator(".govuk-summary-card").first
    reference = (await card.get_by_role("heading", level=2).inner_text()).split(":")[0]
    question = card.get_by_role("group", name=re.compile(r"^Did .+ attend\?$")).first
    was_attended = await question.get_by_label("Attended").is_checked()
    other, original = ("Did not attend", "Attended") if was_attended else ("Attended", "Did not attend")
    await assert_no_axe_violations(staff)

    await question.get_by_label(other).check()
    await card.get_by_role("button", name="Save attendance").click()

    await expect(staff.get_by_text(f"Attendance recorded for {reference}")).to_be_visible()
    card = staff.locator(".govuk-summary-card").filter(has=staff.get_by_role("heading", name=re.compile(f"^{reference}:")))
    await expect(card.get_by_role("heading", level=2)).to_have_text(f"{reference}: {'Did not attend' if was_attended else 'Attended'}")
    await expect(card.get_by_role("group", name=re.compile("attend")).first.get_by_label(other)).to_be_checked()
    # Put the demo data back as it was.
    await card.get_by_role("group", name=re.compile("attend")).first.get_by_label(original).check()
    await card.get_by_role("button", name="Save attendance").click()
    await expect(staff.get_by_text(f"Attendance recorded for {reference}")).to_be_visible()


async def test_the_provider_confirms_a_requested_booking_on_an_approval_service(new_page: Any, sign_in_as: SignIn) -> None:
    staff = await signed_in_staff(new_page, sign_in_as, "provider@example.com")
    service = f"Sleepover club {secrets.token_hex(3)}"
    first = await add_service(staff, service, ratio="1:2", staff=2, approval=True)
    family = await register_family(new_page, sign_in_as, "Omar Request")
    child = await add_child(family, "Idris", age=10, needs=["Autistic spectrum disorder"])
    await open_service(family, service)
    await session_row(family, first).get_by_role("link", name=re.compile("^Book")).click()

    message = await book(family, child)
    reference = REFERENCE.search(message)
    assert reference is not None
    assert message.startswith(f"Booking requested: {reference.group()}"), message
    await expect(family.get_by_role("definition").filter(has_text="Waiting for the provider")).to_be_visible()

    await open_register(staff, service, first)
    waiting = staff.get_by_role("heading", name=f"{reference.group()}: Waiting for the provider")
    card = staff.locator(".govuk-summary-card").filter(has=waiting)
    await assert_no_axe_violations(staff)
    await card.get_by_role("button", name="Confirm").click()

    await expect(staff.get_by_text(f"{reference.group()} confirmed")).to_be_visible()
    await expect(staff.get_by_role("heading", name=f"{reference.group()}: Confirmed")).to_be_visible()
    await family.get_by_role("navigation", name="Menu").get_by_role("link", name="Your bookings").click()
    await expect(family.get_by_role("row").filter(has=family.get_by_role("link", name=reference.group()))).to_contain_text("Confirmed")


# --- 3. the waiting list --------------------------------------------------------------------------


async def test_a_family_on_the_waiting_list_is_offered_a_freed_place_and_accepts_it(new_page: Any, sign_in_as: SignIn) -> None:
    staff = await signed_in_staff(new_page, sign_in_as, "provider@example.com")
    service = f"One-to-one club {secrets.token_hex(3)}"
    first = await add_service(staff, service, ratio="1:1", staff=1)  # one place a session

    holder = await register_family(new_page, sign_in_as, "Ruth Holder")
    holder_child = await add_child(holder, "Ben", age=8, needs=["Autistic spectrum disorder"])
    await open_service(holder, service)
    await session_row(holder, first).get_by_role("link", name="Book").click()
    held = REFERENCE.search(await book(holder, holder_child))
    assert held is not None

    waiter = await register_family(new_page, sign_in_as, "Sam Waiter")
    waiter_child = await add_child(waiter, "Lily", age=9, needs=["Autistic spectrum disorder"])
    await open_service(waiter, service)
    row = session_row(waiter, first)
    await expect(row.get_by_role("cell").nth(1)).to_have_text("0")
    await row.get_by_role("link", name="Join the waiting list").click()
    await expect(waiter.get_by_text("This session is full")).to_be_visible()
    await assert_no_axe_violations(waiter)
    assert "You have joined the waiting list" in await book(waiter, waiter_child, button="Join the waiting list")
    await expect(waiter.get_by_role("heading", name="Waiting lists")).to_be_visible()
    await expect(waiter.get_by_role("listitem").filter(has_text=f"Lily: {service}")).to_be_visible()
    await assert_no_axe_violations(waiter)

    await holder.get_by_role("navigation", name="Menu").get_by_role("link", name="Your bookings").click()
    await holder.get_by_role("link", name=held.group()).click()
    await holder.get_by_role("button", name="Cancel this booking").click()
    await holder.get_by_role("button", name="Yes, cancel this booking").click()
    await expect(holder.get_by_text("Your booking has been cancelled")).to_be_visible()

    await waiter.reload()
    await expect(waiter.get_by_role("heading", name="Places offered to you")).to_be_visible()
    await expect(waiter.get_by_text(f"A place is free for Lily on {service}")).to_be_visible()
    await assert_no_axe_violations(waiter)
    await waiter.get_by_role("button", name="Accept the place").click()

    await expect(waiter.locator(".govuk-notification-banner")).to_contain_text(REFERENCE)
    await expect(waiter.get_by_role("definition").filter(has_text="Confirmed")).to_be_visible()
    await expect(waiter.get_by_role("definition").filter(has_text="Lily")).to_be_visible()
