"""A family's first day, in Chromium (issue 18): phones, dates, the map, filters, errors a screen reader can find.

Every family page and the search fit a 320 px and a 390 px screen without scrolling sideways
(WCAG 1.4.10) and axe-core finds nothing at 320 px; on a phone the results come first and the
filters sit behind "Filter results", which works without JavaScript. Each family form sent
empty names every error in its field's ``aria-describedby``, and each link of the error summary
moves focus to a control of its field. The demo family is only read here; what a test changes
(a child added, changed and removed) belongs to a family it registers itself.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import expect

from tests.browser.test_accessibility import AXE_OPTIONS
from tests.browser.test_journeys_bookings import register_family

pytestmark = pytest.mark.browser

FAMILY = "family@example.com"  # the demo family: Priya Shah, with bookings at Sunshine Saturday Club
PHONES = (320, 390)
WEEKDAY_DATE = re.compile(r"^(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday) \d{1,2} [A-Z][a-z]+ \d{4}")
SignIn = Callable[..., Awaitable[None]]
PageFactory = Callable[..., Awaitable[Any]]


async def family_paths(page: Any) -> list[str]:
    """Every page a family uses, with real ids from the demo family's own links."""
    paths = ["/", "/services", "/services?postcode=B15", "/bookings", "/allocations", "/children", "/my-data", "/calendar"]
    paths += ["/account", "/contact", "/accessibility", "/privacy", "/about-the-data"]
    await page.goto("/services?postcode=B15")
    service = await page.locator(".sb-results__item h2 a").first.get_attribute("href")
    await page.goto(service)
    book = page.get_by_role("link", name=re.compile("^(Book|Join the waiting list)"))
    paths += [service] + ([await book.first.get_attribute("href")] if await book.count() else [])
    await page.goto("/bookings")
    booking = await page.get_by_role("link", name=re.compile(r"^SB-")).first.get_attribute("href")
    await page.goto("/children")
    child_links = [await link.get_attribute("href") for link in await page.locator(".govuk-summary-card__action a").all()]
    return [*paths, booking, booking + "/cancel", *child_links[:2]]


async def fits(page: Any) -> tuple[int, int]:
    return await page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")


@pytest.mark.parametrize("width", PHONES)
async def test_every_family_page_fits_a_phone_without_scrolling_sideways(new_page: PageFactory, sign_in_as: SignIn, width: int) -> None:
    page = await new_page()
    await sign_in_as(page, FAMILY)  # on a wide screen: on a phone "Sign out" is behind the menu button
    await page.set_viewport_size({"width": width, "height": 800})
    too_wide = []
    for path in await family_paths(page):
        response = await page.goto(path)
        assert response.status == 200, path
        scroll_width, screen = await fits(page)
        if scroll_width > screen:
            too_wide.append(f"{path}: {scroll_width} px")
        if width == 320:  # axe-core at the narrowest: reflowed pages must still pass
            results = await Axe().run(page, options=AXE_OPTIONS)
            assert results.violations_count == 0, f"{path} at {width} px:\n{results.generate_report()}"
    assert too_wide == [], f"wider than {width} px"


@pytest.mark.parametrize("path", ["/", "/sign-in", "/register", "/services", "/contact"])
async def test_signed_out_pages_fit_320_px(new_page: PageFactory, path: str) -> None:
    page = await new_page(viewport={"width": 320, "height": 800})
    await page.goto(path)

    assert (await fits(page))[0] <= 320


async def test_on_a_phone_the_first_result_is_on_the_first_screen_after_searching(new_page: PageFactory) -> None:
    page = await new_page(viewport={"width": 390, "height": 844})
    await page.goto("/services")
    await page.get_by_label("Postcode", exact=True).fill("B15 2TT")
    await page.get_by_label("Postcode", exact=True).press("Enter")

    first = page.locator(".sb-results__item").first
    await expect(first).to_be_visible()
    top = await first.evaluate("e => e.getBoundingClientRect().top")
    assert top < await page.evaluate("window.innerHeight")
    assert (await fits(page))[0] <= 390


async def test_the_filters_are_behind_filter_results_and_work_without_javascript(new_page: PageFactory) -> None:
    page = await new_page(viewport={"width": 390, "height": 844}, java_script_enabled=False)
    await page.goto("/services?postcode=B15")
    postcode = page.get_by_label("Postcode", exact=True)
    await expect(postcode).to_be_hidden()
    assert await page.locator(".sb-results__item").count() > 0

    await page.get_by_text("Filter results", exact=True).click()
    await expect(postcode).to_be_visible()
    await page.get_by_label("Child's age").fill("7")
    await page.get_by_role("button", name="Search").click()

    assert "age=7" in page.url
    await expect(page.locator("#results-count")).to_contain_text("short break")
    await expect(page.get_by_label("Postcode", exact=True)).to_be_hidden()  # behind the control again, results first


async def test_dates_on_a_familys_pages_carry_their_weekday(new_page: PageFactory, sign_in_as: SignIn) -> None:
    page = await new_page()
    await sign_in_as(page, FAMILY)
    await page.goto("/bookings")
    booked = [await cell.inner_text() for cell in await page.locator("td[data-label=When]").all()]
    await page.goto("/services?postcode=B15")
    next_sessions = [text.removeprefix("Next: ") for text in await page.get_by_text(re.compile("^Next: ")).all_inner_texts()]

    assert booked and next_sessions
    assert [d for d in booked + next_sessions if not WEEKDAY_DATE.match(d)] == []


async def test_search_results_mark_what_the_family_has_booked(new_page: PageFactory, sign_in_as: SignIn) -> None:
    page = await new_page()
    await sign_in_as(page, FAMILY)
    await page.goto("/services?q=Sunshine")

    result = page.locator(".sb-results__item").filter(has=page.get_by_role("link", name="Sunshine Saturday Club"))
    await expect(result.locator(".govuk-tag").first).to_contain_text(re.compile(r"^You have \d+ bookings? coming up"))
    await result.get_by_role("link", name="Sunshine Saturday Club").click()
    await expect(page.get_by_role("cell").filter(has_text="Booked").first).to_be_visible()


async def test_the_service_page_shows_a_map_with_the_address_beside_it(new_page: PageFactory) -> None:
    page = await new_page(viewport={"width": 1024, "height": 800})
    await page.goto("/services?postcode=B15")
    await page.locator(".sb-results__item h2 a").first.click()

    address = page.locator(".sb-where__address")
    drawing = page.get_by_role("img", name=re.compile("^Map showing where"))
    await expect(address).to_have_text(re.compile(r"\S+.*B\d+"))
    await expect(drawing).to_be_visible()
    text_box, map_box = await address.bounding_box(), await drawing.bounding_box()
    assert text_box["x"] + text_box["width"] <= map_box["x"]  # beside it on a wide screen
    assert abs(text_box["y"] - map_box["y"]) < 40
    assert await page.locator("svg.sb-map__svg text").count() >= 4  # labelled districts and the scale
    await page.set_viewport_size({"width": 320, "height": 800})
    assert (await address.bounding_box())["y"] < (await drawing.bounding_box())["y"]  # above it on a phone


async def test_a_family_changes_and_removes_a_child(new_page: PageFactory, sign_in_as: SignIn) -> None:
    page = await register_family(new_page, sign_in_as, "Dana Okoye")
    await page.goto("/children")
    await page.get_by_label("First name").fill("Ravi")
    await page.get_by_label("Date of birth").fill("2017-03-04")
    await page.get_by_role("button", name="Add child").click()
    await expect(page.get_by_text("Ravi has been added")).to_be_visible()

    await page.get_by_role("link", name="Change Ravi's details").click()
    await page.get_by_label("First name").fill("Ravindra")
    await page.get_by_label("Autistic spectrum disorder").check()
    await page.get_by_role("button", name="Save changes").click()
    await expect(page.get_by_text("Ravindra's details have been saved")).to_be_visible()
    await expect(page.get_by_role("heading", level=2, name="Ravindra")).to_be_visible()
    await expect(page.get_by_text("Saturday 4 March 2017")).to_be_visible()

    await page.get_by_role("link", name="Remove Ravindra").click()
    await expect(page.get_by_role("heading", name="Are you sure you want to remove Ravindra?")).to_be_visible()
    await page.get_by_role("button", name="Yes, remove Ravindra").click()
    await expect(page.get_by_text("Ravindra has been removed from your account")).to_be_visible()
    await expect(page.get_by_role("heading", level=2, name="Ravindra")).to_have_count(0)


async def test_the_signed_out_home_page_links_to_the_search(new_page: PageFactory) -> None:
    page = await new_page()
    await page.goto("/")
    await page.get_by_role("button", name="Find short breaks").click()

    await expect(page.get_by_role("heading", level=1, name="Find short breaks")).to_be_visible()


async def test_a_familys_navigation_and_account_page_offer_no_api_tokens(new_page: PageFactory, sign_in_as: SignIn) -> None:
    page = await new_page()
    await sign_in_as(page, FAMILY)
    await page.get_by_role("navigation", name="Menu").get_by_role("link", name="Your account").click()

    await expect(page.get_by_role("heading", level=1, name="Your account")).to_be_visible()
    assert "API token" not in await page.get_by_role("navigation", name="Menu").inner_text()
    assert "API token" not in await page.locator("main").inner_text()


async def test_tell_us_about_any_problems_leads_to_the_contact_page(new_page: PageFactory) -> None:
    page = await new_page()
    await page.goto("/services")
    await page.get_by_role("link", name="Tell us about any problems").click()

    await expect(page.get_by_role("heading", level=1, name="Contact us")).to_be_visible()


# --- errors a screen reader can find ---------------------------------------------------------------

# A family's forms: (how to reach it, the button that sends it). Paths starting "first:" are the
# first link of that kind on the named page (a real child or session of the demo family).
FAMILY_FORMS = [
    ("/children", "Add child"),
    ("child:/children", "Save changes"),
    ("session:/services?q=Sunshine", "Book"),
    ("/account", "Change password"),
]
SIGNED_OUT_FORMS = [("/sign-in", "Sign in"), ("/register", "Create account")]


async def open_form(page: Any, where: str) -> None:
    if where.startswith("child:"):
        await page.goto(where.removeprefix("child:"))
        await page.locator(".govuk-summary-card__action a").first.click()
    elif where.startswith("session:"):
        await page.goto(where.removeprefix("session:"))
        await page.locator(".sb-results__item h2 a").first.click()
        # A session none of the family's children is booked on or waiting for: the form offers them all.
        rows = (
            page.get_by_role("row")
            .filter(has=page.get_by_role("link", name=re.compile("^Book")))
            .filter(has_not=page.locator(".govuk-tag"))
        )
        await rows.first.get_by_role("link", name=re.compile("^Book")).click()
    else:
        await page.goto(where)


async def send_empty(page: Any, button: str) -> None:
    send = page.get_by_role("button", name=button, exact=True).first
    await send.evaluate(
        """b => { b.form.querySelectorAll("input:not([type=hidden]):not([type=checkbox]):not([type=radio]), textarea")
                    .forEach(e => { e.value = ""; });
                  b.form.querySelectorAll("input[type=checkbox]").forEach(e => { e.checked = false; }); }"""
    )
    await send.click()
    await expect(page.locator(".govuk-error-summary")).to_be_focused()


async def assert_errors_are_linked(page: Any, label: str) -> None:
    """Every error message has an id that its field's control (or fieldset) names in aria-describedby,
    and every link of the summary moves focus to a control whose id the link names."""
    messages = await page.locator(".govuk-error-message").all()
    assert messages, f"{label}: no error messages by the fields"
    for message in messages:
        error_id = await message.get_attribute("id")
        assert error_id, f"{label}: an error message without an id: {await message.inner_text()}"
        described = page.locator(f'[aria-describedby~="{error_id}"]')
        assert await described.count() == 1, f"{label}: nothing names #{error_id} in aria-describedby"
    links = await page.locator(".govuk-error-summary__list a").all()
    assert links, f"{label}: an empty error summary"
    for index in range(len(links)):
        link = page.locator(".govuk-error-summary__list a").nth(index)
        target = (await link.get_attribute("href")).removeprefix("#")
        await link.click()
        focused = await page.evaluate("[document.activeElement.id, document.activeElement.tagName]")
        assert focused[0] == target and focused[1] in ("INPUT", "SELECT", "TEXTAREA", "A", "BUTTON"), f"{label}: #{target} → {focused}"


@pytest.mark.parametrize(("where", "button"), FAMILY_FORMS)
async def test_a_family_form_sent_empty_links_each_error_and_the_summary_focuses_a_control(
    new_page: PageFactory, sign_in_as: SignIn, where: str, button: str
) -> None:
    page = await new_page()
    await sign_in_as(page, FAMILY)
    await open_form(page, where)
    await send_empty(page, button)

    await assert_errors_are_linked(page, where)


@pytest.mark.parametrize(("where", "button"), SIGNED_OUT_FORMS)
async def test_a_signed_out_form_sent_empty_links_each_error_and_the_summary_focuses_a_control(
    new_page: PageFactory, where: str, button: str
) -> None:
    page = await new_page()
    await open_form(page, where)
    await send_empty(page, button)

    await assert_errors_are_linked(page, where)


async def test_search_with_wrong_filters_links_each_error_and_the_summary_focuses_the_box(new_page: PageFactory) -> None:
    page = await new_page()
    await page.goto("/services?age=ten&from=2026-13-01&within_miles=far")

    await expect(page.get_by_role("link", name="Child's age must be a whole number, like 3")).to_be_visible()
    await expect(page.get_by_role("link", name="From date must be a real date, like 2015-04-27")).to_be_visible()
    await assert_errors_are_linked(page, "search")
