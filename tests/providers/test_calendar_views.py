"""The provider's sessions page in a week and a month, with places left; titles that tell pages apart."""

from __future__ import annotations

import re
from typing import Any

from tests.factories import sign_in


def _title(html: str) -> str:
    found = re.search(r"<title>(.*?)</title>", html, re.S)
    assert found is not None
    return found.group(1).strip()


async def test_the_week_view_lists_each_day_monday_to_sunday_with_places_left(client: Any, world: dict[str, Any]) -> None:
    # The world's rule: Saturdays at 10:00 from 1 June 2026, 2 staff; today is Wednesday 10 June 2026.
    await sign_in(client, world["staff"])
    page = await client.get(f"/provider/{world['provider'].id}/calendar", params={"view": "week", "start": "2026-06-17"})
    assert page.status_code == 200
    days = re.findall(r'<h3 class="govuk-heading-s govuk-!-margin-bottom-1">([^<]+)</h3>', page.text)
    assert days == [
        f"{name} {15 + i} June 2026"
        for i, name in enumerate(("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"))
    ]
    assert re.search(r"10:00 [^:]+: (\d+) of \1 places left", page.text)
    assert "start=2026-06-08" in page.text and "start=2026-06-22" in page.text
    assert _title(page.text).startswith("Sessions, week of Monday 15 June 2026")


async def test_the_month_view_lists_the_days_with_sessions(client: Any, world: dict[str, Any]) -> None:
    await sign_in(client, world["staff"])
    page = await client.get(f"/provider/{world['provider'].id}/calendar", params={"view": "month", "start": "2026-07-09"})
    days = re.findall(r'<h3 class="govuk-heading-s govuk-!-margin-bottom-1">([^<]+)</h3>', page.text)
    assert days == ["Saturday 4 July 2026", "Saturday 11 July 2026", "Saturday 18 July 2026", "Saturday 25 July 2026"]
    assert "start=2026-06-01" in page.text and "start=2026-08-01" in page.text


async def test_a_start_that_is_not_a_date_shows_this_week(client: Any, world: dict[str, Any]) -> None:
    await sign_in(client, world["staff"])
    page = await client.get(f"/provider/{world['provider'].id}/calendar", params={"view": "week", "start": "soon"})
    assert page.status_code == 200 and "Monday 8 June 2026 to Sunday 14 June 2026" in page.text


async def test_the_public_service_page_the_provider_page_and_the_service_management_page_have_different_titles(
    client: Any, world: dict[str, Any]
) -> None:
    service, provider = world["service"], world["provider"]
    await sign_in(client, world["staff"])
    pages = [await client.get(path) for path in (f"/services/{service.id}", f"/provider/{provider.id}", f"/provider/services/{service.id}")]
    assert [p.status_code for p in pages] == [200, 200, 200]
    titles = [_title(p.text) for p in pages]
    assert len(set(titles)) == 3, titles
