"""Deciding an application in Chromium: an officer finds it in the queue, asks
for more information, the family answers, the officer approves, both read the decision letter,
the family asks for a review and another officer decides it. Every page on the way, error states
included, has no WCAG 2.2 AA violations (axe-core, as ``test_accessibility.py`` checks pages;
axe-core is JavaScript, so these pages have it on. That the forms work without it is shown by
``tests/entitlements/test_decisions_pages.py``, which posts them as a browser without JavaScript would).

The server is this module's own (the demo data, plus ``tests/browser/decide_world.py``'s
application and second officer), so nothing here changes what the other browser tests see.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import expect

from tests.browser.conftest import _sign_in, serve_with_world
from tests.browser.test_statement import assert_no_violations

pytestmark = pytest.mark.browser

REPO = Path(__file__).parents[2]


@pytest.fixture(scope="module")
def decide_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    folder = tmp_path_factory.mktemp("decide")
    with serve_with_world(folder, "tests.browser.decide_world") as (base_url, world):
        yield base_url, world


async def page_for(chromium: Any, base_url: str) -> Any:
    context = await chromium.new_context(base_url=base_url)
    context.set_default_timeout(10_000)
    return await context.new_page()


async def test_an_officer_decides_and_the_family_reads_the_letter_and_asks_for_a_review(
    chromium: Any, decide_server: tuple[str, dict[str, str]]
) -> None:
    base_url, world = decide_server
    reference, application_id = world["reference"], world["application_id"]

    # The officer finds the application in the queue and asks for more information.
    officer = await page_for(chromium, base_url)
    await _sign_in(officer, "officer@example.com")
    await officer.get_by_role("link", name=re.compile(r"^Applications \(\d+ waiting\)$")).click()
    await expect(officer.get_by_role("heading", name="Applications", exact=True)).to_be_visible()
    await assert_no_violations(officer, "the queue")
    await officer.get_by_role("link", name=reference).click()
    await expect(officer.locator("#answers")).to_contain_text("An evening off each week")
    await assert_no_violations(officer, "the application")
    await officer.get_by_role("button", name="Ask for more information").click()
    await expect(officer.locator(".govuk-error-summary")).to_contain_text("Enter what you need the family to tell you or send")
    await assert_no_violations(officer, "asking with nothing written")
    await officer.get_by_label("What you need from the family").fill("Please send the first page of the EHC plan.")
    await officer.get_by_role("button", name="Ask for more information").click()
    await expect(officer.locator("#status")).to_have_text("The council needs more information")

    # The family answers.
    family = await page_for(chromium, base_url)
    await _sign_in(family, "family@example.com")
    await family.goto(f"/applications/{application_id}/more-info")
    await expect(family.locator("#info-request")).to_contain_text("first page of the EHC plan")
    await family.get_by_role("button", name="Send your answer").click()
    await expect(family.locator(".govuk-error-summary")).to_be_visible()
    await assert_no_violations(family, "answering with nothing written")
    await family.get_by_label("Your answer").fill("I have posted it to the Short Breaks Team today.")
    await family.get_by_role("button", name="Send your answer").click()
    await expect(family.locator(".govuk-notification-banner")).to_contain_text("Your answer has been sent to the council")
    await assert_no_violations(family, "the answer sent")

    # The officer sees the answer and approves the tier's allowance, prefilled.
    await officer.reload()
    await expect(officer.locator("#history")).to_contain_text("I have posted it to the Short Breaks Team today.")
    await officer.get_by_label("Hours a year").fill("")
    await officer.get_by_role("button", name="Approve").click()
    await expect(officer.locator(".govuk-error-summary")).to_contain_text("Enter the hours or the amount to approve")
    await assert_no_violations(officer, "approving with no amount")
    await officer.goto(f"/authority/applications/{application_id}")
    await officer.get_by_role("button", name="Approve").click()
    await expect(officer.locator("#status")).to_have_text("Approved")
    await assert_no_violations(officer, "the decided application")
    await officer.get_by_role("link", name="Read the decision letter").click()
    await expect(officer.locator("#letter")).to_contain_text("Your application is approved")
    await assert_no_violations(officer, "the letter, for the officer")

    # The family reads the letter and asks for a review.
    await family.goto(f"/applications/{application_id}/letter")
    await expect(family.locator("#letter")).to_contain_text("Local Government and Social Care Ombudsman")
    await assert_no_violations(family, "the letter")
    await family.get_by_role("link", name="ask for a review").click()
    await assert_no_violations(family, "the review form")
    await family.get_by_label("Why the decision should be looked at again").fill("We need more hours over the summer.")
    await family.get_by_role("button", name="Ask for a review").click()
    await expect(family.locator("#review-status")).to_contain_text("An officer who did not make the decision")

    # Another officer decides the review; the letter gives its outcome.
    reviewer = await page_for(chromium, base_url)
    await _sign_in(reviewer, "reviewer@example.com")
    await reviewer.goto(f"/authority/applications/{application_id}")
    await expect(reviewer.locator("#review-grounds")).to_contain_text("more hours over the summer")
    await reviewer.get_by_role("button", name="Decide the review").click()
    await expect(reviewer.locator(".govuk-error-summary")).to_contain_text("Select whether to keep or change the decision")
    await assert_no_violations(reviewer, "deciding the review with nothing chosen")
    await reviewer.get_by_label("Keep the decision").check()
    await reviewer.get_by_label("Reasons").fill("The allowance already covers a week of summer scheme.")
    await reviewer.get_by_role("button", name="Decide the review").click()
    await expect(reviewer.locator(".govuk-notification-banner")).to_contain_text("Review decided")
    await family.goto(f"/applications/{application_id}/letter")
    await expect(family.get_by_role("heading", name="The outcome of your review")).to_be_visible()
    await expect(family.locator("#letter")).to_contain_text("We have kept our decision.")
    await assert_no_violations(family, "the review's letter")
    for page in (officer, family, reviewer):
        await page.context.close()
