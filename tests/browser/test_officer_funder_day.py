"""An officer's, a grantee's and a funder's working day in Chromium (issue 19, items 5 to 11, their side).

The officer approves the provider waiting for approval in the demo; the grantee's headline figures
each say whose they are; every demo award shows respite delivered; the fund's charts come with
their tables; what is overdue is at the top; and every page these three use fits a 320 px and a
390 px screen without scrolling sideways, with axe-core finding nothing at 320 px.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import expect

from tests.browser.test_accessibility import AXE_OPTIONS
from tests.browser.test_journeys_bookings import signed_in_staff

pytestmark = pytest.mark.browser

FUND = "Short breaks innovation fund"
WAITING = "Little Stars Inclusive Play"
PHONES = (320, 390)
PageFactory = Callable[..., Awaitable[Any]]
SignIn = Callable[..., Awaitable[None]]


async def open_fund(page: Any) -> None:
    await page.goto("/grants")
    await page.get_by_role("link", name=FUND).click()
    await expect(page.get_by_role("heading", level=1, name=FUND)).to_be_visible()


async def fits(page: Any) -> tuple[int, int]:
    return await page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")


async def test_the_officer_approves_the_provider_waiting_for_approval(new_page: PageFactory, sign_in_as: SignIn) -> None:
    officer = await signed_in_staff(new_page, sign_in_as, "officer@example.com")
    await officer.goto("/provider")
    await expect(officer.get_by_role("heading", level=1, name="Providers in your council")).to_be_visible()
    waiting = officer.locator("#waiting-for-approval")
    await waiting.get_by_role("link", name=WAITING).click()
    await expect(officer.get_by_role("heading", level=1, name=WAITING)).to_be_visible()
    await officer.get_by_role("button", name="Approve and publish").click()
    await expect(officer.get_by_text("Provider published")).to_be_visible()
    await expect(officer.get_by_text("Status: Published")).to_be_visible()
    await officer.goto("/provider")
    await expect(officer.locator("#waiting-for-approval").get_by_role("link", name=WAITING)).to_have_count(0)


async def test_the_families_list_tells_the_families_apart(new_page: PageFactory, sign_in_as: SignIn) -> None:
    officer = await signed_in_staff(new_page, sign_in_as, "officer@example.com")
    await officer.goto("/authority/families")
    row = officer.get_by_role("row").filter(has=officer.get_by_role("link", name="Priya Shah", exact=True))
    await expect(row).to_contain_text("family@example.com")
    await expect(row).to_contain_text("Aarav Shah, Anika Shah, Ishaan Shah")


async def test_the_grantees_headline_figures_each_say_whose_they_are(new_page: PageFactory, sign_in_as: SignIn) -> None:
    grantee = await signed_in_staff(new_page, sign_in_as, "grantee@example.com")
    await open_fund(grantee)
    await expect(grantee.get_by_role("heading", name="Headline figures for your awards")).to_be_visible()
    keys = await grantee.locator("#headline dt").all_inner_texts()
    assert len(keys) == 7 and all(key.endswith("(your awards)") for key in keys), keys
    assert "£30,000,000.00" not in await grantee.locator("#headline").inner_text()
    await expect(grantee.locator("#fund-wide")).to_contain_text("Fund total (all grantees)")
    # Their own awards only.
    awards = await grantee.get_by_role("table", name="Awards").locator("tbody th").all_inner_texts()
    assert [a.split(":")[0] for a in awards] == ["A001", "A017"]


async def test_every_award_shows_respite_delivered_and_the_charts_have_their_tables(new_page: PageFactory, sign_in_as: SignIn) -> None:
    funder = await signed_in_staff(new_page, sign_in_as, "funder@example.com")
    await open_fund(funder)
    outcomes = funder.get_by_role("table", name="Respite delivered")
    rows = await outcomes.locator("tbody tr").all()
    assert len(rows) == 21  # 20 awards and the total
    for row in rows:
        hours = await row.locator("td").nth(3).inner_text()
        assert float(hours.split(":")[-1].strip()) > 0, await row.inner_text()
        cost = await row.locator("td").nth(4).inner_text()
        assert re.search(r"£[\d,]+\.\d\d|–", cost), await row.inner_text()
    for chart, table in [
        ("Cumulative approved spend against the straight-line plan", "Approved spend by month"),
        ("Approved spend against the amount awarded, by region", "Spend by region"),
        ("Respite hours delivered each month", "Respite hours delivered by month"),
    ]:
        await expect(funder.get_by_role("img", name=chart)).to_have_accessible_description(
            "The same figures are in the table beside this chart."
        )
        await expect(funder.get_by_role("table", name=table)).to_be_visible()
    columns = await funder.get_by_role("img", name="Respite hours delivered each month").locator("rect").count()
    months = await funder.get_by_role("table", name="Respite hours delivered by month").locator("tbody tr").count()
    assert columns == months >= 12


async def test_what_is_overdue_is_at_the_top_with_how_late(new_page: PageFactory, sign_in_as: SignIn) -> None:
    funder = await signed_in_staff(new_page, sign_in_as, "funder@example.com")
    await open_fund(funder)
    overdue = funder.locator("#overdue")
    await expect(overdue).to_contain_text(re.compile(r"Payment \d of A020: .* is not paid: \d+ days late"))
    await expect(overdue).to_contain_text(re.compile(r"is waiting for a decision \(due by .*\): 10 days late"))
    # Before the filters and the headline figures.
    top = await overdue.evaluate("e => e.getBoundingClientRect().top")
    assert top < await funder.locator("#headline").evaluate("e => e.getBoundingClientRect().top")


async def staff_paths(page: Any, email: str) -> list[str]:
    """The pages an officer, a grantee or a funder uses, with real ids from their own links."""
    paths = ["/grants"]
    await open_fund(page)
    paths.append(await page.evaluate("location.pathname"))
    award = await page.get_by_role("table", name="Awards").get_by_role("link").first.get_attribute("href")
    paths.append(award)
    await page.goto(award)
    returns = page.get_by_role("table", name="Spend returns").get_by_role("link")
    if await returns.count():
        paths.append(await returns.first.get_attribute("href"))
    if email == "officer@example.com":
        paths += ["/authority/families", "/provider", "/authority/short-breaks"]
        await page.goto("/authority/families")
        paths.append(await page.get_by_role("link", name="Priya Shah", exact=True).get_attribute("href"))
        await page.goto("/provider")
        paths.append(await page.get_by_role("link", name="Sunshine Saturday Club").first.get_attribute("href"))
    return paths


@pytest.mark.parametrize("width", PHONES)
@pytest.mark.parametrize("email", ["officer@example.com", "grantee@example.com", "funder@example.com"])
async def test_every_officer_grantee_and_funder_page_fits_a_phone(
    new_page: PageFactory, sign_in_as: SignIn, email: str, width: int
) -> None:
    page = await signed_in_staff(new_page, sign_in_as, email)
    too_wide = []
    for path in await staff_paths(page, email):
        await page.set_viewport_size({"width": width, "height": 800})
        response = await page.goto(path)
        assert response.status == 200, path
        scroll_width, screen = await fits(page)
        if scroll_width > screen:
            too_wide.append(f"{path}: {scroll_width} px")
        if width == 320:
            results = await Axe().run(page, options=AXE_OPTIONS)
            assert results.violations_count == 0, f"{path} at {width} px:\n{results.generate_report()}"
        await page.set_viewport_size({"width": 1200, "height": 800})
    assert too_wide == [], f"wider than {width} px"
