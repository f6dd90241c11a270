"""Shortfall cases on pages and in the API: the officer lists cases, records what was done and closes one
(errors in the GOV.UK summary or as problems, nothing written), sets the council's thresholds; another
council's officer gets 404 and a family 403; the family's page says the council is looking into it."""

from __future__ import annotations

from entitlements.enums import ShortfallEventKind, ShortfallStatus
from entitlements.models import CouncilProfile, ShortfallCase, ShortfallEvent
from tests.entitlements.conftest import Council, RunJobs
from tests.entitlements.test_package_pages import assert_unique_ids, post, text_of
from tests.entitlements.test_shortfall_cases import behind_case
from tests.factories import bearer, sign_in


async def test_the_officer_works_a_case_on_its_page_and_closing_first_is_refused(
    client, council: Council, clock, smtp, run_jobs: RunJobs
) -> None:
    case = await behind_case(council, clock, run_jobs)
    await sign_in(client, council.officer)
    listing = await client.get("/authority/shortfalls")
    assert listing.status_code == 200
    assert f"/authority/shortfalls/{case.id}" in listing.text
    assert "Behind the agreed amount: nothing of 26 minutes (100% behind)" in text_of(listing.text)

    url = f"/authority/shortfalls/{case.id}"
    page = await client.get(url)
    assert page.status_code == 200
    assert_unique_ids(page.text)
    assert "Case opened" in page.text and "Family told" in page.text

    refused = await post(client, url, url + "/close", {"close_note": "Sorted"})
    assert refused.status_code == 422
    assert "There is a problem" in refused.text and 'href="#action"' in refused.text
    assert "Record what was done before closing the case" in refused.text
    blank = await post(client, url, url + "/actions", {"note": "x"})
    assert blank.status_code == 422 and "Select what was done" in blank.text

    done = await post(client, url, url + "/actions", {"action": "alternative_offered", "note": "Sunday club at Hollybank", "close": "true"})
    assert done.status_code == 303 and done.headers["location"] == url
    closed = await ShortfallCase.get(id=case.id)
    assert closed.status is ShortfallStatus.CLOSED
    after = await client.get(url)
    assert "Offered an alternative break. Sunday club at Hollybank" in text_of(after.text)
    assert "Record what was done" not in after.text
    again = await post(client, f"/authority/shortfalls/{case.id}", url + "/actions", {"action": "other", "note": "x"})
    assert again.status_code == 409 and "This case is closed" in again.text


async def test_the_api_lists_reads_records_and_closes_and_refuses_bad_input(
    client, council: Council, clock, smtp, run_jobs: RunJobs
) -> None:
    case = await behind_case(council, clock, run_jobs)
    headers = await bearer(council.officer)
    listing = await client.get("/api/v1/authority/shortfall-cases", headers=headers)
    assert listing.status_code == 200
    [row] = listing.json()
    assert (row["id"], row["status"], row["trigger"], row["at_opening"]["shortfall"]) == (str(case.id), "open", "behind", 26)

    one = await client.get(f"/api/v1/authority/shortfall-cases/{case.id}", headers=headers)
    assert one.status_code == 200
    assert one.json()["today"]["agreed"] == 26 and next(e["kind"] for e in one.json()["events"]) == "opened"

    close = await client.post(f"/api/v1/authority/shortfall-cases/{case.id}/close", json={}, headers=headers)
    assert close.status_code == 422 and close.headers["content-type"].startswith("application/problem+json")
    assert "Record what was done" in close.text
    assert (
        await client.post(f"/api/v1/authority/shortfall-cases/{case.id}/actions", json={"action": "nothing"}, headers=headers)
    ).status_code == 422
    assert (
        await client.post(f"/api/v1/authority/shortfall-cases/{case.id}/actions", json={"action": "other"}, headers=headers)
    ).status_code == 422
    assert await ShortfallEvent.filter(case_id=case.id, kind=ShortfallEventKind.ACTION).count() == 0
    assert (await client.get("/api/v1/authority/shortfall-cases?status=sideways", headers=headers)).status_code == 422

    recorded = await client.post(
        f"/api/v1/authority/shortfall-cases/{case.id}/actions", json={"action": "direct_payment", "note": "£120 offered"}, headers=headers
    )
    assert recorded.status_code == 201 and recorded.json()["status"] == "open"
    closed = await client.post(f"/api/v1/authority/shortfall-cases/{case.id}/close", json={"note": "Accepted"}, headers=headers)
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    again = await client.post(f"/api/v1/authority/shortfall-cases/{case.id}/close", json={}, headers=headers)
    assert again.status_code == 409
    assert [r["id"] for r in (await client.get("/api/v1/authority/shortfall-cases?status=closed", headers=headers)).json()] == [
        str(case.id)
    ]


async def test_another_councils_officer_gets_404_and_a_family_403(client, council: Council, clock, smtp, run_jobs: RunJobs) -> None:
    case = await behind_case(council, clock, run_jobs)
    other = await bearer(council.other_officer)
    assert (await client.get(f"/api/v1/authority/shortfall-cases/{case.id}", headers=other)).status_code == 404
    assert (
        await client.post(f"/api/v1/authority/shortfall-cases/{case.id}/actions", json={"action": "direct_payment"}, headers=other)
    ).status_code == 404
    assert (await client.get("/api/v1/authority/shortfall-cases", headers=other)).json() == []
    assert (
        await client.put(
            "/api/v1/councils/westshire/shortfall-settings", json={"percent": 10, "idle_weeks": 2, "escalate_days": 3}, headers=other
        )
    ).status_code == 404
    assert (await client.get("/api/v1/authority/shortfall-cases", headers=await bearer(council.family))).status_code == 403
    assert await ShortfallEvent.filter(case_id=case.id, kind=ShortfallEventKind.ACTION).count() == 0


async def test_the_thresholds_form_and_api_refuse_bad_values_and_save_good_ones(client, council: Council) -> None:
    await sign_in(client, council.officer)
    url = "/authority/shortfalls/settings/westshire"
    page = await client.get(url)
    assert page.status_code == 200 and 'value="25"' in page.text
    bad = await post(client, url, url, {"percent": "0", "idle_weeks": "x", "escalate_days": "61", "manager_id": ""})
    assert bad.status_code == 422 and "There is a problem" in bad.text
    for field in ("percent", "idle_weeks", "escalate_days"):
        assert f'href="#{field}"' in bad.text
    assert "idle_weeks" not in text_of(bad.text)  # errors name the boxes by their labels
    good = await post(client, url, url, {"percent": "40", "idle_weeks": "3", "escalate_days": "5", "manager_id": str(council.officer.id)})
    assert good.status_code == 303
    profile = await CouncilProfile.get(id=council.profile.id)
    assert (profile.shortfall_percent, profile.shortfall_idle_weeks, profile.shortfall_escalate_days, profile.shortfall_manager_id) == (
        40,
        3,
        5,
        council.officer.id,
    )

    headers = await bearer(council.officer)
    api = "/api/v1/councils/westshire/shortfall-settings"
    assert (await client.get(api, headers=headers)).json() == {
        "percent": 40,
        "idle_weeks": 3,
        "escalate_days": 5,
        "manager_id": str(council.officer.id),
    }
    wrong = await client.put(
        api, json={"percent": 40, "idle_weeks": 3, "escalate_days": 5, "manager_id": str(council.other_officer.id)}, headers=headers
    )
    assert wrong.status_code == 422 and "Select an officer of this council" in wrong.text
    assert (await client.put(api, json={"percent": 101, "idle_weeks": 3, "escalate_days": 5}, headers=headers)).status_code == 422
    saved = await client.put(api, json={"percent": 30, "idle_weeks": 4, "escalate_days": 10}, headers=headers)
    assert saved.json() == {"percent": 30, "idle_weeks": 4, "escalate_days": 10, "manager_id": None}


async def test_the_familys_page_says_the_council_is_looking_into_it(client, council: Council, clock, smtp, run_jobs: RunJobs) -> None:
    case = await behind_case(council, clock, run_jobs, family=council.family)
    child = await case.child
    await sign_in(client, council.family)
    page = await client.get(f"/children/{child.id}/short-breaks")
    assert page.status_code == 200
    assert "Westshire Council noticed on Monday 22 June 2026" in text_of(page.text)
