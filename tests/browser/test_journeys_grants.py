"""The grants journey, clicked through in Chromium (issue 7): a grantee claims spend, the funder
approves it and reads the fund's charts, each with a table of the same figures beside it.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import expect

from tests.browser.test_journeys_bookings import signed_in_staff

pytestmark = pytest.mark.browser

LONDON = ZoneInfo("Europe/London")
FUND = "Short breaks innovation fund"
AWARD = "A001: Birmingham overnight short breaks pilot"  # grantee@example.com's award, running April 2024 to March 2027
QUARTER_LABELS = {1: "1: April to June", 2: "2: July to September", 3: "3: October to December", 4: "4: January to March"}
PageFactory = Callable[..., Awaitable[Any]]
SignIn = Callable[..., Awaitable[None]]


async def assert_no_axe_violations(page: Any) -> None:
    results = await Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def last_finished_quarter() -> tuple[int, int, date]:
    """(financial year, quarter, its first day) of the last quarter that has ended."""
    today = datetime.now(LONDON).date()
    start_of_this = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    first = (start_of_this - timedelta(days=1)).replace(day=1)
    first = first.replace(month=(first.month - 1) // 3 * 3 + 1)
    year = first.year if first.month >= 4 else first.year - 1
    return year, {4: 1, 7: 2, 10: 3, 1: 4}[first.month], first


def pounds(text: str) -> Decimal:
    return Decimal(text.strip().replace("£", "").replace(",", ""))


async def region_figures(page: Any) -> dict[str, tuple[str, str]]:
    table = page.get_by_role("table", name="Spend by region")
    figures = {}
    for row in await table.locator("tbody").get_by_role("row").all():
        cells = await row.get_by_role("cell").all_inner_texts()
        figures[(await row.get_by_role("rowheader").inner_text()).strip()] = (cells[0].strip(), cells[1].strip())
    return figures


async def open_fund(page: Any) -> None:
    await page.get_by_role("navigation", name="Menu").get_by_role("link", name="Grants").click()
    await page.get_by_role("link", name=FUND).click()
    await expect(page.get_by_role("heading", level=1, name=FUND)).to_be_visible()


async def test_a_grantee_submits_a_spend_return_the_funder_approves_it_and_the_charts_show_it(
    new_page: PageFactory, sign_in_as: SignIn
) -> None:
    funder = await signed_in_staff(new_page, sign_in_as, "funder@example.com")
    await open_fund(funder)
    west_midlands_before = (await region_figures(funder))["West Midlands"]

    # The grantee starts a return for the last quarter that has ended, adds a line and submits it.
    grantee = await signed_in_staff(new_page, sign_in_as, "grantee@example.com")
    await open_fund(grantee)
    await grantee.get_by_role("link", name=AWARD).click()
    await expect(grantee.get_by_role("heading", level=1, name="Birmingham overnight short breaks pilot")).to_be_visible()
    await assert_no_axe_violations(grantee)
    year, quarter, first_day = last_finished_quarter()
    await grantee.get_by_label("Financial year").fill(str(year))
    await grantee.get_by_label("Quarter").select_option(label=QUARTER_LABELS[quarter])
    await grantee.get_by_role("button", name="Start return").click()
    title = f"Spend return {year}-{str(year + 1)[-2:]} quarter {quarter}"
    await expect(grantee.get_by_role("heading", level=1, name=title)).to_be_visible()
    await expect(grantee.locator("#status")).to_have_text("Draft")

    await grantee.get_by_label("Date spent").fill((first_day + timedelta(days=9)).isoformat())
    await grantee.get_by_label("Amount in pounds").fill("1250.50")
    await grantee.get_by_label("Category").select_option(label="Activities")
    await grantee.get_by_label("What it was spent on").fill("Saturday club sessions for autistic children")
    await grantee.get_by_label("Evidence reference (optional)").fill("INV-J-0001")
    await grantee.get_by_role("button", name="Add spend").click()
    lines = grantee.get_by_role("table", name="Spend")
    await expect(lines.get_by_role("row").filter(has_text="Saturday club sessions for autistic children")).to_contain_text("£1,250.50")
    await expect(lines.get_by_role("row").filter(has_text="Total")).to_contain_text("£1,250.50")
    await assert_no_axe_violations(grantee)
    await grantee.get_by_role("button", name="Submit return to the funder").click()
    await expect(grantee.locator("#status")).to_have_text("Submitted")
    await expect(grantee.get_by_role("button", name="Add spend")).to_have_count(0)

    # The funder finds it among the returns waiting for a decision and approves it.
    await open_fund(funder)
    waiting = funder.get_by_role("table", name="Spend returns waiting for a decision")
    await waiting.get_by_role("link", name=f"A001 {year}-{str(year + 1)[-2:]} Q{quarter}").click()
    await expect(funder.get_by_role("heading", level=1, name=title)).to_be_visible()
    await assert_no_axe_violations(funder)
    await funder.get_by_role("group", name="Your decision").get_by_label("Approve").check()
    await funder.get_by_label("Reason", exact=True).fill("Invoice checked")
    await funder.get_by_role("button", name="Record decision").click()
    await expect(funder.locator("#status")).to_have_text("Approved")
    await expect(funder.get_by_text("Funder's note: Invoice checked")).to_be_visible()

    # The dashboard: three SVG charts, each named, with a captioned table of the same figures beside it.
    await open_fund(funder)
    charts = funder.locator("svg[role=img]")
    await expect(charts).to_have_count(3)
    burn_chart = funder.get_by_role("img", name="Cumulative approved spend against the straight-line plan")
    region_chart = funder.get_by_role("img", name="Approved spend against the amount awarded, by region")
    for chart in (burn_chart, region_chart):
        await expect(chart).to_be_visible()
        await expect(chart).to_have_accessible_description("The same figures are in the table beside this chart.")

    burn_table = funder.get_by_role("table", name="Approved spend by month")
    await expect(burn_table.get_by_role("columnheader")).to_have_text(["Month", "Spend", "Cumulative", "Plan"])
    months = await burn_table.locator("tbody").get_by_role("rowheader").all_inner_texts()
    points = (await burn_chart.locator("polyline.sb-chart__actual").get_attribute("points") or "").split()
    assert len(points) == len(months) > 0
    # The table's cumulative figures never fall, and the month of the new line holds at least its amount.
    cumulative = [pounds(t) for t in await burn_table.locator("tbody tr td:nth-child(3)").all_inner_texts()]
    assert cumulative == sorted(cumulative) and cumulative[-1] > 0
    spent = first_day.strftime("%B %Y")
    month_row = burn_table.get_by_role("row").filter(has=funder.get_by_role("rowheader", name=spent, exact=True))
    assert pounds(await month_row.get_by_role("cell").first.inner_text()) >= Decimal("1250.50")

    region_table = funder.get_by_role("table", name="Spend by region")
    await expect(region_table.get_by_role("columnheader")).to_have_text(["Region", "Awarded", "Approved spend"])
    figures = await region_figures(funder)
    bar_labels = await region_chart.locator("text").all_text_contents()
    assert bar_labels == list(figures)
    assert await region_chart.locator("rect.sb-chart__approved").count() == len(figures)
    awarded_before, approved_before = west_midlands_before
    assert figures["West Midlands"] == (awarded_before, f"£{pounds(approved_before) + Decimal('1250.50'):,.2f}")
    await assert_no_axe_violations(funder)


async def test_the_fund_dashboard_charts_have_a_text_alternative_without_javascript(new_page: PageFactory, sign_in_as: SignIn) -> None:
    page = await signed_in_staff(new_page, sign_in_as, "funder@example.com", java_script_enabled=False)
    await open_fund(page)

    for name, table in [
        ("Cumulative approved spend against the straight-line plan", "Approved spend by month"),
        ("Approved spend against the amount awarded, by region", "Spend by region"),
    ]:
        await expect(page.get_by_role("img", name=name)).to_be_visible()
        await expect(page.get_by_role("table", name=table)).to_be_visible()
    assert re.search(r"£[\d,]+\.\d\d", await page.get_by_role("table", name="Spend by region").inner_text())
