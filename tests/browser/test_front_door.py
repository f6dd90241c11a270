"""Issue #20's "done when", start to end in Chromium: the front door, from the checker to a booking.

On the package's live server (the demo data: Birmingham's published statement, whose "Short
breaks allowance" tier covers day care away from home; its officer; the Sunshine provider):

0. The starting world, through the provider's own pages: the provider adds a day care service
   paid for only by a council short breaks allocation (so it needs one), with a session tomorrow.
1. The checker (``/councils/birmingham/short-breaks/check``) answers three families: one who may
   qualify for the allowance, one outside Birmingham (unlikely), one not sure about the EHC plan
   (possible, "check with the council").
2. A new family registers, confirms its email from the emailed link, adds a child, applies for the
   allowance from the statement, answers one question a page, uploads a real PDF, checks its
   answers and sends: a reference.
3. The officer finds it in ``/authority/applications``, asks for more information; the family sees
   the request and answers; the officer approves the tier's allowance, prefilled; the letter gives
   the decision and how to ask for a review.
4. The family sees the allocation, books the service paid from it, and the balance goes down by
   the session's hours.

The family and the officer do all this with JavaScript turned off. axe-core (JavaScript itself)
scans the same pages in contexts of their own with JavaScript on and the same session cookies:
statement, checker, application, decision and letter pages (and the booking pages) have no
WCAG 2.2 AA violations.
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

from tests.browser.test_family_booking import summary_value
from tests.browser.test_journeys_bookings import (
    PASSWORD,
    REFERENCE,
    add_child,
    confirm_email,
    emailed_link,
    first_bookable_row,
    open_service,
    signed_in_staff,
    today,
)
from tests.browser.test_statement import answer_every_question, assert_no_violations

pytestmark = pytest.mark.browser

SignIn = Callable[..., Awaitable[None]]
PageFactory = Callable[..., Awaitable[Any]]

STATEMENT = "/councils/birmingham/short-breaks"
COUNCIL = "Birmingham City Council"
TIER = "Short breaks allowance"
APPLICATION_REFERENCE = re.compile(r"AP-[A-Z0-9]{4}-[A-Z0-9]{2}")


async def scan(scanner: Any, path: str, label: str) -> None:
    """axe-core on ``path`` in the JavaScript-on ``scanner`` page (never in a page with JavaScript off)."""
    response = await scanner.goto(path)
    assert response is not None and response.status == 200, f"{label}: {path}"
    await assert_no_violations(scanner, label)


async def scanner_for(new_page: PageFactory, page: Any) -> Any:
    """A JavaScript-on page with the same cookies (the same signed-in session) as ``page``."""
    return await new_page(storage_state=await page.context.storage_state())


def path_of(page: Any) -> str:
    return "/" + page.url.split("/", 3)[3]


async def a_real_pdf(chromium_page: Any, folder: Path) -> Path:
    """A one-page PDF printed by Chromium itself (a real file a parent might scan and upload)."""
    await chromium_page.set_content(
        "<h1>Disability Living Allowance</h1><p>Award letter for Ada Frontdoor: care component, middle rate.</p>"
    )
    path = folder / "DLA award letter.pdf"
    path.write_bytes(await chromium_page.pdf())
    return path


async def add_allocation_only_service(staff: Any, name: str) -> None:
    """Provider staff add a day care service paid for only by a council allocation, weekly from tomorrow."""
    await staff.get_by_role("navigation", name="Menu").get_by_role("link", name="Your provider").click()
    await staff.get_by_role("main").get_by_role("link", name="Sunshine Saturday Club").click()
    await staff.get_by_role("link", name="Add a service").click()
    await staff.get_by_label("Name", exact=True).fill(name)
    await staff.get_by_label("Type", exact=True).select_option(label="Day care away from home")
    await staff.get_by_label("Description").fill("A day of care and play for children with a council short breaks allowance.")
    await staff.get_by_label("Youngest age").fill("5")
    await staff.get_by_label("Oldest age").fill("12")
    await staff.get_by_role("group", name="Needs supported").get_by_label("Autistic spectrum disorder (ASD)").check()
    await staff.get_by_label("Staff to children").select_option("1:2")
    await staff.get_by_label("Price a session, in pounds").fill("45.00")
    await staff.get_by_role("group", name="Paid for by").get_by_label("Council short breaks allocation").check()
    await staff.get_by_role("button", name="Add service").click()
    await expect(staff.get_by_text("Service added")).to_be_visible()

    # Weekly from tomorrow, 10am to 1pm (one day a week: the other tests' provider calendar stays short).
    first = today() + timedelta(days=1)
    await staff.get_by_role("group", name="Days").get_by_label(first.strftime("%A")).check()
    await staff.get_by_label("Start time").fill("10:00")
    await staff.get_by_label("End time").fill("13:00")
    await staff.get_by_label("Staff on shift").fill("2")
    await staff.get_by_label("First date", exact=True).fill(first.isoformat())
    await staff.get_by_role("button", name="Add availability").click()
    await expect(staff.get_by_role("cell", name="FREQ=WEEKLY", exact=False)).to_be_visible()


async def check_three_families(new_page: PageFactory, hours: int) -> None:
    """Step 1: the checker, JavaScript off, for three families; then every checker page through axe."""
    page = await new_page(java_script_enabled=False)

    # Qualifies: an autistic 8-year-old in Edgbaston with an EHC plan.
    qualifies = {"age": "8", "postcode": "B15 2TT", "needs": ["Autistic spectrum disorder"], "ehc_plan": "Yes", "dla": "No"}
    await answer_every_question(page, qualifies)
    assert path_of(page).startswith(STATEMENT + "/check")
    await expect(page.get_by_role("heading", name="What your family may get")).to_be_visible()
    await expect(page.locator("#council-decides")).to_contain_text(f"This is not a decision. {COUNCIL} decides who gets short breaks")
    targeted = page.locator("#result-targeted")
    await expect(targeted.get_by_role("heading", name=TIER)).to_be_visible()
    await expect(targeted).to_contain_text(f"{hours} hours each allowance year")
    await expect(targeted).to_contain_text("Apply to the Short Breaks Team")
    await expect(targeted).not_to_contain_text("depending on something you were not sure about")

    # Outside the area: a family in Manchester is told plainly it is unlikely, and why.
    outside = {"age": "8", "postcode": "M14 5AA", "needs": ["Autistic spectrum disorder"], "ehc_plan": "Yes", "dla": "Yes"}
    await answer_every_question(page, outside)
    await expect(page.get_by_role("heading", name="From your answers, you are unlikely to qualify")).to_be_visible()
    await expect(page.locator("#result-targeted")).to_have_count(0)
    await expect(page.locator("#unlikely")).to_contain_text(f"{TIER}: It is for families living in the council's area")
    await expect(page.get_by_text("We have not kept your answers.")).to_be_visible()

    # Not sure about the EHC plan, no DLA: possible, and told to check with the council.
    unsure = {"age": "10", "postcode": "B23 6TH", "needs": ["Autistic spectrum disorder"], "ehc_plan": "I'm not sure", "dla": "No"}
    await answer_every_question(page, unsure)
    targeted = page.locator("#result-targeted")
    await expect(targeted).to_contain_text("You may qualify, depending on something you were not sure about")
    await expect(targeted).to_contain_text("It is for children with an EHC plan or Disability Living Allowance: check with the council")
    await expect(page.get_by_role("heading", name="From your answers, you are unlikely to qualify")).to_have_count(0)
    assert "?" not in page.url  # the answers never reach the address bar

    # The statement and every checker page, result included, pass axe-core (JavaScript on).
    scanner = await new_page()
    await scan(scanner, STATEMENT, "the statement")
    await answer_every_question(scanner, qualifies, check=assert_no_violations)
    await expect(scanner.get_by_role("heading", name="What your family may get")).to_be_visible()
    await assert_no_violations(scanner, "the checker's result")
    await scanner.context.close()


async def register_without_javascript(new_page: PageFactory, sign_in_as: SignIn, name: str) -> Any:
    """Step 2a: a new Birmingham family registers and confirms its email, JavaScript off."""
    page = await new_page(java_script_enabled=False)
    email = f"frontdoor-{secrets.token_hex(4)}@example.org"
    await page.goto("/register")
    await page.get_by_label("Your name").fill(name)
    await page.get_by_label("Email address").fill(email)
    await page.get_by_label("Create a password").fill(PASSWORD)
    await page.get_by_label("Your local council").select_option(label=COUNCIL)
    await page.get_by_role("button", name="Create account").click()
    await expect(page.get_by_text("Your account has been created")).to_be_visible()
    await sign_in_as(page, email, PASSWORD)
    await confirm_email(page, await emailed_link(new_page, sign_in_as, email, "Confirm your email address"))
    return page


async def answer_each_question(family: Any) -> int:
    """Answer the application's questions one page at a time, as the pages lead; returns how many."""
    await family.locator(".govuk-task-list__link").first.click()
    answered = 0
    while "/questions/" in family.url:
        caption = family.locator(".govuk-caption-l").filter(has_text=re.compile(r"^Question \d+ of \d+"))
        await expect(caption).to_have_text(re.compile(rf"^Question {answered + 1} of \d+"))
        if await family.locator("textarea#answer").count():
            await family.locator("#answer").fill("Evenings are hardest: an afternoon a week would help us all.")
        elif await family.locator("input#answer[type=text]").count():
            title = (await family.locator("label[for=answer]").inner_text()).lower()
            await family.locator("#answer").fill("B15 2TT" if "postcode" in title else "8")
        elif await family.locator("#answer-day").count():
            await family.locator("#answer-day").fill("3")
            await family.locator("#answer-month").fill("9")
            await family.locator("#answer-year").fill("2024")
        elif await family.get_by_label("Yes", exact=True).count():
            await family.get_by_label("Yes", exact=True).check()
        else:
            await family.locator("input[name=answer]").first.check()
        await family.get_by_role("button", name="Save and continue").click()
        answered += 1
        assert answered < 20, "the questions never ended"
    await expect(family.get_by_role("heading", name="Check your answers before sending your application")).to_be_visible()
    return answered


async def test_a_family_checks_applies_is_approved_and_books_a_targeted_service_without_javascript(
    new_page: PageFactory, sign_in_as: SignIn, tmp_path: Path
) -> None:
    service = f"Front door day care {secrets.token_hex(3)}"

    # --- 0. The starting world: the statement's allowance, and a service that needs it. ---------
    public = await new_page(java_script_enabled=False)
    await public.goto(STATEMENT)
    tier_text = await public.locator("#tier-targeted").inner_text()
    found = re.search(r"(\d+) hours each allowance year", tier_text)
    assert found is not None and TIER in tier_text, tier_text
    hours = int(found.group(1))
    staff = await signed_in_staff(new_page, sign_in_as, "provider@example.com")
    await add_allocation_only_service(staff, service)
    await staff.context.close()

    # --- 1. The checker answers three families. ----------------------------------------------------
    await check_three_families(new_page, hours)

    # --- 2. A new family registers, adds a child, applies with a PDF and sends. --------------------
    family = await register_without_javascript(new_page, sign_in_as, "Grace Frontdoor")
    child = await add_child(family, "Ada", age=8, needs=["Autistic spectrum disorder"])
    family_scanner = await scanner_for(new_page, family)

    await family.goto(STATEMENT)
    await family.get_by_role("link", name=f"Apply online for {TIER}").click()
    await expect(family.get_by_role("heading", name="Which child are you applying for?")).to_be_visible()
    await scan(family_scanner, path_of(family), "the application: which child")
    await family.get_by_label(child).check()
    await family.get_by_role("button", name="Start the application").click()
    await expect(family.locator(".govuk-notification-banner")).to_contain_text("started")
    reference = (await family.locator("#reference").inner_text()).strip()
    assert APPLICATION_REFERENCE.fullmatch(reference), reference
    application_path = path_of(family).split("#")[0]
    await scan(family_scanner, application_path, "the application, a draft")

    await family.locator(".govuk-task-list__link").first.click()
    await scan(family_scanner, path_of(family), "the application's first question")
    await family.go_back()
    assert await answer_each_question(family) >= 2  # the postcode and the EHC plan or DLA at least
    await scan(family_scanner, path_of(family), "check your answers")

    pdf = await a_real_pdf(await new_page(), tmp_path)
    await family.get_by_role("link", name="Change evidence").click()
    await family.locator("#file").set_input_files(pdf)
    await family.get_by_role("button", name="Upload file").click()
    await expect(family.locator(".govuk-notification-banner")).to_contain_text("DLA award letter.pdf uploaded")
    await expect(family.locator("#evidence + ul")).to_contain_text("PDF")
    await family.get_by_role("link", name="Check your answers").click()
    await expect(family.locator(".govuk-summary-list")).to_contain_text("DLA award letter.pdf")
    await family.get_by_role("button", name="Accept and send").click()
    await expect(family.locator(".govuk-notification-banner")).to_contain_text(f"Your reference is {reference}")
    await expect(family.locator("#status")).to_have_text("Waiting for a decision")
    await scan(family_scanner, application_path, "the application, sent")
    await family.get_by_role("link", name="Your applications").first.click()
    await expect(family.get_by_role("link", name=reference)).to_be_visible()
    await scan(family_scanner, "/applications", "your applications")

    # --- 3. The officer asks for more information; the family answers; the officer approves. -------
    officer = await signed_in_staff(new_page, sign_in_as, "officer@example.com", java_script_enabled=False)
    officer_scanner = await scanner_for(new_page, officer)
    await officer.goto("/authority/applications")
    await officer.get_by_role("link", name=reference).click()
    await expect(officer.get_by_role("heading", level=1)).to_contain_text(f"Application {reference}")
    await expect(officer.locator("#answers")).to_contain_text("B15 2TT")
    await expect(officer.locator("#evidence")).to_contain_text("DLA award letter.pdf (PDF")
    officer_path = path_of(officer)
    await scan(officer_scanner, "/authority/applications", "the officers' queue")
    await scan(officer_scanner, officer_path, "the decision page, waiting")
    await officer.get_by_label("What you need from the family").fill("Please tell us which days of the week are hardest for you.")
    await officer.get_by_role("button", name="Ask for more information").click()
    await expect(officer.locator(".govuk-notification-banner")).to_contain_text("The family has been asked for more information")
    await expect(officer.locator("#status")).to_have_text("The council needs more information")

    await family.goto(application_path)
    await expect(family.locator("#status")).to_have_text("The council needs more information")
    await expect(family.locator("#application-actions")).to_contain_text("The council needs more information before it can decide")
    await family.get_by_role("link", name="Answer the council's question").click()
    await expect(family.locator("#info-request")).to_contain_text("which days of the week are hardest")
    await scan(family_scanner, path_of(family), "the council's question")
    await family.get_by_label("Your answer").fill("Saturdays: Ada's brother has his own clubs then.")
    await family.get_by_role("button", name="Send your answer").click()
    await expect(family.locator(".govuk-notification-banner")).to_contain_text("Your answer has been sent to the council")

    await officer.reload()
    await expect(officer.locator("#status")).to_have_text("Waiting for a decision")
    await expect(officer.locator("#history")).to_contain_text("Saturdays: Ada's brother has his own clubs then.")
    await expect(officer.get_by_label("Hours a year")).to_have_value(str(hours))  # the tier's default allowance
    await scan(officer_scanner, officer_path, "the decision page, answered")
    await officer.get_by_role("button", name="Approve").click()
    await expect(officer.locator(".govuk-notification-banner")).to_contain_text("Application approved")
    await expect(officer.locator("#status")).to_have_text("Approved")
    await expect(officer.locator("#decision-summary")).to_contain_text(f"{hours} hours a year")
    await scan(officer_scanner, officer_path, "the decision page, approved")
    await officer.get_by_role("link", name="Read the decision letter").click()
    await expect(officer.locator("#letter")).to_contain_text("Your application is approved")
    await scan(officer_scanner, path_of(officer), "the letter, for the officer")

    # The family reads the letter: the decision, and how to ask for a review.
    await family.goto(application_path)
    await expect(family.locator("#status")).to_have_text("Approved")
    await family.get_by_role("link", name="Read the decision letter").click()
    letter = family.locator("#letter")
    await expect(family.get_by_role("heading", level=1, name="Our decision on your application")).to_be_visible()
    await expect(letter.get_by_role("heading", name="Your application is approved")).to_be_visible()
    await expect(letter.locator("#amount")).to_have_text(f"{hours} hours")
    await expect(letter.get_by_role("heading", name="If you disagree")).to_be_visible()
    await expect(letter).to_contain_text("You can ask us to review this decision. An officer who did not make it will look at it again")
    await expect(letter).to_contain_text("Local Government and Social Care Ombudsman")
    await expect(letter.get_by_role("link", name="ask for a review")).to_have_attribute("href", application_path + "/review")
    await scan(family_scanner, path_of(family), "the letter")

    # --- 4. The family sees the allocation and books the targeted service with it. ---------------
    await family.get_by_role("navigation", name="Menu").get_by_role("link", name="Allocations").click()
    allocation = family.get_by_role("heading", level=2).filter(has_text="Ada:")
    await expect(allocation).to_be_visible()
    await expect(family.get_by_text(re.compile(r"^Left:"))).to_have_text(re.compile(rf"^Left:\s+{hours}\.0 hours$"))
    await expect(family.locator("main")).to_contain_text("day care away from home")
    await scan(family_scanner, "/allocations", "the allocations")

    # Tomorrow's session is in the allowance year the approval was for (on its last day, 31 March
    # for Birmingham, there is no later day in it to book: the allocation would not pay).
    await open_service(family, service)
    row, day = await first_bookable_row(family, not_before=today() + timedelta(days=1))
    assert day == today() + timedelta(days=1), day
    await row.get_by_role("link", name=re.compile("^Book")).click()
    await expect(family.get_by_role("heading", level=1, name=f"Book {service}")).to_be_visible()
    await expect(family.locator("#allocation-only")).to_contain_text("it is booked with the allocation, not paid for by the family")
    await expect(family.locator("#choices")).to_contain_text(
        f"use Ada's allocation. This session costs 3.0 hours of it, leaving {hours - 3}.0 hours."
    )
    await scan(family_scanner, path_of(family), "the booking page")
    await family.get_by_label(child).check()
    await family.get_by_role("button", name="Book").click()
    banner = family.locator(".govuk-notification-banner")
    await expect(banner).to_contain_text(REFERENCE)
    booking_reference = REFERENCE.search(await banner.inner_text())
    assert booking_reference is not None
    await expect(summary_value(family, "Allocation pays")).to_have_text("Ada's allocation: 3.0 hours, used")
    await expect(summary_value(family, "You pay")).to_have_text("Nothing")
    await scan(family_scanner, path_of(family), "the booking")

    await family.get_by_role("navigation", name="Menu").get_by_role("link", name="Allocations").click()
    await expect(family.get_by_text(re.compile(r"^Left:"))).to_have_text(re.compile(rf"^Left:\s+{hours - 3}\.0 hours$"))
    await expect(family.get_by_role("row").filter(has_text=f"Application {reference} approved")).to_contain_text(f"{hours}.0")
    await expect(family.get_by_role("row").filter(has_text=f"Spent: {booking_reference.group()}")).to_contain_text("-3.0")
