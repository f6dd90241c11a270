"""A family applies for a council's targeted short breaks in Chromium, without JavaScript, on the demo data.

From Birmingham's published statement: "Apply online", choose the child, answer each question on
its own page, upload evidence (a PNG named .pdf is refused with the error summary; a real PDF is
kept), check the answers, send, and find the application with its reference in "Your
applications". The pages have no WCAG 2.2 AA violations (axe-core, run with JavaScript on: every
application page is also scanned, error states too, in ``test_accessibility.py``), and another
family cannot fetch the evidence file (404).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.async_api import expect

from tests.browser.test_statement import assert_no_violations
from tests.entitlements.test_applications_evidence import PDF, PNG

pytestmark = pytest.mark.browser

STATEMENT = "/councils/birmingham/short-breaks"


async def test_a_family_applies_with_evidence_and_sends_without_javascript(new_page: Any, sign_in_as: Any) -> None:
    page = await new_page(java_script_enabled=False)
    await sign_in_as(page, "brown.family@example.com")
    await page.goto(STATEMENT)
    await page.get_by_role("link", name="Apply online for Short breaks allowance").click()
    await expect(page.get_by_role("heading", name="Which child are you applying for?")).to_be_visible()
    await page.get_by_role("button", name="Start the application").click()
    await expect(page.locator(".govuk-error-summary")).to_contain_text("Select the child you are applying for")
    await page.get_by_label("Noah Brown").check()
    await page.get_by_role("button", name="Start the application").click()

    await expect(page.locator("#reference")).to_have_text(re.compile(r"AP-[A-Z0-9]{4}-[A-Z0-9]{2}"))
    reference = (await page.locator("#reference").inner_text()).strip()

    await page.get_by_role("link", name="What is your home postcode?").click()
    await page.get_by_role("button", name="Save and continue").click()
    await expect(page.locator(".govuk-error-summary")).to_contain_text("Enter your home postcode")
    await page.get_by_label("What is your home postcode?").fill("B15 2TT")
    await page.get_by_role("button", name="Save and continue").click()
    await page.get_by_label("Yes", exact=True).check()
    await page.get_by_role("button", name="Save and continue").click()
    await page.get_by_label("No", exact=True).check()
    await page.get_by_role("button", name="Save and continue").click()
    # Birmingham's own question (the demo's), after the statement's rules.
    await page.get_by_label("Who looks after your child most of the time?").fill("Me and my partner")
    await page.get_by_role("button", name="Save and continue").click()

    await expect(page.get_by_role("heading", name="Check your answers before sending your application")).to_be_visible()
    await page.get_by_role("link", name="Change evidence").click()

    await page.locator("#file").set_input_files(files=[{"name": "scan.pdf", "mimeType": "application/pdf", "buffer": PNG}])
    await page.get_by_role("button", name="Upload file").click()
    await expect(page.locator(".govuk-error-summary")).to_contain_text("The selected file is a PNG but its name ends .pdf")
    await page.locator("#file").set_input_files(files=[{"name": "DLA award letter.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    await page.get_by_role("button", name="Upload file").click()
    evidence_link = page.get_by_role("link", name="DLA award letter.pdf")
    await expect(evidence_link).to_be_visible()
    evidence_url = await evidence_link.get_attribute("href")
    download = await page.request.get(evidence_url)
    assert download.status == 200 and await download.body() == PDF
    assert download.headers["content-disposition"].startswith("attachment")

    await page.get_by_role("link", name="Check your answers").click()
    await page.get_by_role("button", name="Accept and send").click()
    await expect(page.locator(".govuk-notification-banner")).to_contain_text(f"Your reference is {reference}")
    await expect(page.locator("#status")).to_have_text("Waiting for a decision")
    await expect(page.locator("#history")).to_be_visible()

    await page.get_by_role("link", name="Your applications").first.click()
    await expect(page.get_by_role("link", name=reference)).to_be_visible()

    # The pages pass axe-core (which needs JavaScript to run; the journey above had none).
    scanned = await new_page()
    await sign_in_as(scanned, "brown.family@example.com")
    for path, label in ((STATEMENT + "/apply/targeted", "choose the child"), ("/applications", "your applications")):
        await scanned.goto(path)
        await assert_no_violations(scanned, label)
    await scanned.get_by_role("link", name=reference).click()
    await expect(scanned.locator("#status")).to_have_text("Waiting for a decision")
    await assert_no_violations(scanned, "the application, sent")

    # Another family cannot fetch the file.
    other = await new_page(java_script_enabled=False)
    await sign_in_as(other, "family@example.com")
    assert (await other.request.get(evidence_url)).status == 404
