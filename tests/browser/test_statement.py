"""A council's short breaks statement and eligibility checker in Chromium, on the demo data (Birmingham).

The checker answers three families' situations correctly with JavaScript turned off (one
question a page, answers carried in the form); the statement, its printable view, an older
version and every checker page, error states included, have no WCAG 2.2 AA violations (axe-core,
as ``test_accessibility.py`` checks pages).
"""

from __future__ import annotations

from typing import Any

import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import expect

from tests.browser.test_accessibility import AXE_OPTIONS

pytestmark = pytest.mark.browser

STATEMENT = "/councils/birmingham/short-breaks"
TIERS = {"universal": "Clubs and activities open to all", "targeted": "Short breaks allowance", "specialist": "Specialist short breaks"}

# (who, answers, the tiers they may qualify for)
FAMILIES = [
    (
        "an autistic 7-year-old in Edgbaston with an EHC plan",
        {"age": "7", "postcode": "B15 2TT", "needs": ["Autistic spectrum disorder"], "ehc_plan": "Yes", "dla": "No"},
        ["universal", "targeted"],
    ),
    (
        "a 10-year-old in Erdington with profound and multiple learning difficulties and DLA",
        {
            "age": "10",
            "postcode": "B23 6TH",
            "needs": ["Profound and multiple learning difficulty", "Physical disability"],
            "ehc_plan": "No",
            "dla": "Yes",
        },
        ["universal", "targeted", "specialist"],
    ),
    (
        "a family in Manchester",
        {"age": "9", "postcode": "M14 5AA", "needs": ["Hearing impairment"], "ehc_plan": "Yes", "dla": "Yes"},
        [],
    ),
]


async def assert_no_violations(page: Any, label: str) -> None:
    results = await Axe().run(page, options=AXE_OPTIONS)
    assert results.violations_count == 0, f"{label}:\n{results.generate_report()}"


async def answer_every_question(page: Any, answers: dict[str, Any], *, check: Any = None) -> None:
    """Start the checker and answer each question the page asks; ``check(page, label)`` runs on every page."""
    await page.goto(STATEMENT)
    await page.get_by_role("button", name="Check what you may get").click()
    if check:
        await check(page, "checker start")
    await page.get_by_role("button", name="Start now").click()
    while await page.locator('input[name="step"]').count():
        step = await page.locator('input[name="step"]').get_attribute("value")
        if check:
            await check(page, f"question {step}")
        value = answers[step]
        if step in ("age", "postcode"):
            await page.locator(f"#{step}").fill(value)
        elif step == "needs":
            for label in value:
                await page.get_by_label(label, exact=True).check()
        else:
            await page.get_by_label(value, exact=True).check()
        await page.get_by_role("button", name="Continue").click()


@pytest.mark.parametrize(("who", "answers", "expected"), FAMILIES, ids=[f[0] for f in FAMILIES])
async def test_the_checker_answers_each_family_without_javascript(
    new_page: Any, who: str, answers: dict[str, Any], expected: list[str]
) -> None:
    page = await new_page(java_script_enabled=False)

    await answer_every_question(page, answers)

    await expect(page.get_by_role("heading", name="What your family may get")).to_be_visible()
    await expect(page.locator("#council-decides")).to_contain_text("Birmingham City Council decides who gets short breaks")
    shown = [code for code in TIERS if await page.locator(f"#result-{code}").count()]
    assert shown == expected, who
    if "targeted" in expected:
        await expect(page.locator("#result-targeted")).to_contain_text("78 hours each allowance year")
        await expect(page.locator("#result-targeted")).to_contain_text("Apply to the Short Breaks Team")
    if not expected:
        await expect(page.get_by_role("heading", name="From your answers, you are unlikely to qualify")).to_be_visible()
    # The answers never reach the address bar.
    assert "?" not in page.url


async def test_a_family_finds_the_statement_and_a_blank_answer_shows_the_error_summary_without_javascript(new_page: Any) -> None:
    page = await new_page(java_script_enabled=False)
    await page.goto("/")
    await page.get_by_role("link", name="Short breaks from your council").click()
    await page.get_by_role("link", name="Birmingham City Council").click()
    for name in TIERS.values():
        await expect(page.get_by_role("heading", name=name)).to_be_visible()
    await page.get_by_role("link", name="Printable version").click()
    await expect(page.locator("#tier-targeted")).to_contain_text("78 hours each allowance year")
    await page.goto(STATEMENT + "/versions/1")
    await expect(page.locator("#tier-targeted")).to_contain_text("70 hours each allowance year")
    await page.goto(STATEMENT + "/check")
    await page.get_by_role("button", name="Start now").click()
    await page.get_by_role("button", name="Continue").click()
    await expect(page.locator(".govuk-error-summary")).to_contain_text("Enter your child's age in years")
    await page.locator("#age").fill("7")
    await page.get_by_role("button", name="Continue").click()
    await expect(page.get_by_text("Question 2 of 5")).to_be_visible()


async def test_the_statement_and_checker_pages_have_no_wcag_violations(new_page: Any) -> None:
    page = await new_page()
    for path in ("/councils", STATEMENT, STATEMENT + "/print", STATEMENT + "/versions/1"):
        response = await page.goto(path)
        assert response.status == 200, path
        await assert_no_violations(page, path)

    await answer_every_question(page, FAMILIES[0][1], check=assert_no_violations)
    await expect(page.get_by_role("heading", name="What your family may get")).to_be_visible()
    await assert_no_violations(page, "checker result")

    await page.goto(STATEMENT + "/check")
    await page.get_by_role("button", name="Start now").click()
    await page.get_by_role("button", name="Continue").click()
    await expect(page.locator(".govuk-error-summary")).to_be_focused()
    await assert_no_violations(page, "question with an error")
