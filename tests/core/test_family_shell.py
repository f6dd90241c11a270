"""The shell a family meets first (issue 18): the home page, the contact route, the account page, dates."""

from __future__ import annotations

from datetime import date

import httpx

from shortbreaks.accounts.enums import Role
from shortbreaks.web import format_date, format_london
from tests.conftest import utc
from tests.factories import make_organisation, make_user, sign_in


async def test_the_signed_out_home_page_links_to_the_search(client: httpx.AsyncClient) -> None:
    page = await client.get("/")

    assert '<a href="/services" role="button" draggable="false" class="govuk-button govuk-button--start"' in page.text


async def test_tell_us_about_any_problems_leads_to_a_contact_page_that_exists(client: httpx.AsyncClient) -> None:
    home = await client.get("/")
    contact = await client.get("/contact")

    assert '<a class="govuk-link" href="/contact">Tell us about any problems</a>' in home.text
    assert contact.status_code == 200
    assert '<h1 class="govuk-heading-l">Contact us</h1>' in contact.text


async def test_a_familys_account_page_offers_no_api_tokens_but_staffs_does(client: httpx.AsyncClient) -> None:
    authority = await make_organisation()
    await sign_in(client, await make_user(role=Role.FAMILY, organisation=authority))

    page = await client.get("/account")

    assert page.status_code == 200
    assert "API token" not in page.text
    officer = httpx.AsyncClient(transport=client._transport, base_url=str(client.base_url))
    await sign_in(officer, await make_user(role=Role.LA_OFFICER, organisation=authority))
    assert '<h2 class="govuk-heading-m">API tokens</h2>' in (await officer.get("/account")).text


def test_dates_carry_their_weekday() -> None:
    assert format_date(date(2026, 12, 19)) == "Saturday 19 December 2026"
    assert format_london(utc(2026, 12, 19, 10)) == "Saturday 19 December 2026 at 10am"
    assert format_london(utc(2026, 6, 20, 9, 30)) == "Saturday 20 June 2026 at 10:30am"  # British Summer Time
