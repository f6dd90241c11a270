"""Issue #21's browser "done when": the officer sees a shortfall case, records an alternative, and the
family's page shows the new booking against the agreed hours; axe-core finds no violations.

The server is this module's own (the demo data, plus ``tests/browser/shortfall_world.py``'s Reid
family: Noah, agreed 26 hours a year in his EHC plan from eight weeks ago, with nothing booked, and
the case the nightly job opened for him), so nothing here changes what the other browser tests see.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import expect

from tests.browser.conftest import _sign_in, serve_with_world
from tests.browser.test_decide import page_for
from tests.browser.test_journeys_bookings import book, first_bookable_row, open_service, today
from tests.browser.test_statement import assert_no_violations

pytestmark = pytest.mark.browser

REPO = Path(__file__).parents[2]
BOOKED = re.compile(r"has (\d+ hours?(?: \d+ minutes)?|\d+ minutes) booked")


@pytest.fixture(scope="module")
def shortfall_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    folder = tmp_path_factory.mktemp("shortfalls")
    with serve_with_world(folder, "tests.browser.shortfall_world") as (base_url, world):
        yield base_url, world


async def test_the_officer_records_an_alternative_and_the_familys_page_shows_the_new_booking(
    chromium: Any, shortfall_server: tuple[str, dict[str, str]]
) -> None:
    base_url, world = shortfall_server
    case_path, child_page = f"/authority/shortfalls/{world['case_id']}", f"/children/{world['child_id']}/short-breaks"

    # The officer finds Noah's case from the header and records what was offered.
    officer = await page_for(chromium, base_url)
    await _sign_in(officer, "officer@example.com")
    await officer.get_by_role("link", name=re.compile(r"^Shortfalls")).first.click()
    await expect(officer.get_by_role("heading", level=1, name="Shortfalls")).to_be_visible()
    await assert_no_violations(officer, "the shortfalls list")
    row = officer.get_by_role("row").filter(has_text="Noah Reid")
    await expect(row).to_contain_text("Behind the agreed amount")
    await row.get_by_role("link", name="Noah Reid").click()
    await expect(officer.get_by_role("heading", level=1, name="Noah Reid")).to_be_visible()
    await expect(officer.locator("#history")).to_contain_text("Family told")
    await assert_no_violations(officer, "the case")
    await officer.get_by_role("button", name="Close the case").click()
    await expect(officer.locator(".govuk-error-summary")).to_contain_text("Record what was done before closing the case")
    await assert_no_violations(officer, "closing with nothing recorded")
    await officer.get_by_label("Offered an alternative break").check()
    await officer.get_by_label("What was offered or done").fill("Offered the Sunshine Saturday Club, paid from Noah's allowance.")
    await officer.get_by_role("button", name="Record what was done").click()
    await expect(officer.locator(".govuk-notification-banner")).to_contain_text("Offered an alternative break: recorded")
    await expect(officer.locator("#history")).to_contain_text("Offered the Sunshine Saturday Club")
    await officer.goto("/authority/shortfalls/settings/birmingham")
    await assert_no_violations(officer, "the shortfall settings")

    # The family sees the council is looking into it, books the club, and the page counts the booking.
    family = await page_for(chromium, base_url)
    await _sign_in(family, "reid.family@example.com")
    await family.goto(child_page)
    await expect(family.locator("#council-looking")).to_contain_text("has had fewer short breaks than agreed")
    main = family.locator("main")
    await expect(main).to_contain_text("has 0 hours booked")
    await assert_no_violations(family, "the family's short breaks page, behind")
    await open_service(family, "Sunshine Saturday Club")
    session_row, _day = await first_bookable_row(family, not_before=today() + timedelta(days=1))
    await session_row.get_by_role("link", name=re.compile("^Book")).click()
    await book(family, "Noah")
    await family.goto(child_page)
    found = BOOKED.search(" ".join((await main.inner_text()).split()))
    assert found is not None and found.group(1) != "0 hours", await main.inner_text()
    await assert_no_violations(family, "the family's short breaks page, booked")

    # The officer's case shows today's figures with the booking.
    await officer.goto(case_path)
    await expect(officer.locator("#figures")).to_contain_text(found.group(1))
