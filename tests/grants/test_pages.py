"""The grants pages: dashboards, drill-down, returns filled in and queried, and who sees what."""

from __future__ import annotations

from datetime import date

from grants import services
from grants.enums import ReturnStatus
from grants.models import ExpenditureLine, Fund, SpendReturn
from shortbreaks.accounts.enums import Role
from tests.factories import NOW, bearer, csrf, sign_in


async def _submitted(world, lines=((date(2025, 5, 1), 120_000, "staffing"),), quarter=1):
    r = await services.create_return(world.award, financial_year=2025, quarter=quarter, actor=world.grantee_p, now=NOW)
    for spent_on, amount, category in lines:
        await services.add_expenditure_line(
            r, spent_on=spent_on, amount_pence=amount, category=category, description="Play workers", actor=world.grantee_p, now=NOW
        )
    return await services.submit_return(r, actor=world.grantee_p, now=NOW)


# --- API ------------------------------------------------------------------------------------------------


async def test_funder_dashboard_has_charts_with_tables_and_no_inline_styles(client, world) -> None:
    submitted = await _submitted(world)
    await services.approve_return(submitted, actor=world.funder_p, now=NOW)
    await sign_in(client, world.funder)
    response = await client.get(f"/grants/funds/{world.fund.id}", params={"region": "", "financial_year": "2025"})
    assert response.status_code == 200
    html = response.text
    assert html.count("<svg") == 2
    assert 'id="burn-table"' in html and 'id="region-table"' in html
    assert "<caption" in html
    assert "style=" not in html
    assert "<script>" not in html and "onclick" not in html
    assert "£1,200.00" in html


async def test_drill_down_from_fund_to_award_to_return(client, world) -> None:
    submitted = await _submitted(world)
    await sign_in(client, world.funder)
    fund = await client.get(f"/grants/funds/{world.fund.id}")
    assert f"/grants/awards/{world.award.id}" in fund.text
    award = await client.get(f"/grants/awards/{world.award.id}")
    assert f"/grants/returns/{submitted.id}" in award.text
    page = await client.get(f"/grants/returns/{submitted.id}")
    assert page.status_code == 200
    assert "Play workers" in page.text and "Record decision" in page.text


async def test_grantee_fills_and_submits_a_return_through_pages(client, world) -> None:
    await sign_in(client, world.grantee)
    token = await csrf(client, f"/grants/awards/{world.award.id}")
    created = await client.post(
        f"/grants/awards/{world.award.id}/returns", data={"financial_year": "2025", "quarter": "3", "csrf_token": token}
    )
    assert created.status_code == 303
    return_path = created.headers["location"]
    bad = await client.post(
        return_path + "/lines",
        data={"spent_on": "2025-11-01", "amount": "12.345", "category": "staffing", "description": "Taxi", "csrf_token": token},
    )
    assert bad.status_code == 422
    assert "There is a problem" in bad.text and 'href="#amount"' in bad.text
    good = await client.post(
        return_path + "/lines",
        data={"spent_on": "2025-11-01", "amount": "£1,250.50", "category": "transport", "description": "Taxi", "csrf_token": token},
    )
    assert good.status_code == 303
    submitted = await client.post(return_path + "/submit", data={"csrf_token": token})
    assert submitted.status_code == 303
    r = await SpendReturn.get(award_id=world.award.id, quarter=3)
    assert r.status == ReturnStatus.SUBMITTED
    assert await ExpenditureLine.filter(spend_return_id=r.id).values_list("amount_pence", flat=True) == [125_050]


async def test_funder_queries_a_return_through_the_page(client, world) -> None:
    submitted = await _submitted(world)
    await sign_in(client, world.funder)
    token = await csrf(client, f"/grants/returns/{submitted.id}")
    missing_reason = await client.post(
        f"/grants/returns/{submitted.id}/decision", data={"decision": "query", "reason": "", "csrf_token": token}
    )
    assert missing_reason.status_code == 422
    assert 'href="#reason"' in missing_reason.text
    done = await client.post(
        f"/grants/returns/{submitted.id}/decision", data={"decision": "query", "reason": "Send receipts", "csrf_token": token}
    )
    assert done.status_code == 303
    assert (await SpendReturn.get(id=submitted.id)).status == ReturnStatus.QUERIED


async def test_who_sees_what(client, world) -> None:
    submitted = await _submitted(world)
    records = [f"/grants/funds/{world.fund.id}", f"/grants/awards/{world.award.id}", f"/grants/returns/{submitted.id}"]
    expected = {
        "funder": (200, [200, 200, 200]),
        "grantee": (200, [200, 200, 200]),
        "officer": (200, [200, 200, 200]),
        "other_grantee": (200, [404, 404, 404]),
        "family": (403, [404, 404, 404]),
        "provider": (403, [404, 404, 404]),
    }
    seen = {}
    for name in expected:
        client.cookies.clear()
        await sign_in(client, getattr(world, name))
        index = (await client.get("/grants")).status_code
        seen[name] = (index, [(await client.get(path)).status_code for path in records])
    assert seen == expected


async def test_an_officer_cannot_see_awards_outside_their_area(client, world) -> None:
    from tests.factories import make_organisation
    from tests.grants.conftest import make_user

    elsewhere = await make_organisation(identifier="GB-LAE-MAN", name="Manchester City Council", region="North West")
    officer = await make_user(role=Role.LA_OFFICER, organisation=elsewhere)
    response = await client.get(f"/api/v1/awards/{world.award.id}", headers=await bearer(officer))
    assert response.status_code == 404
    assert (await client.get(f"/api/v1/awards/{world.award.id}", headers=await bearer(world.officer))).status_code == 200


async def test_a_grantee_cannot_edit_another_grantees_return(client, world) -> None:
    r = await services.create_return(world.award, financial_year=2025, quarter=1, actor=world.grantee_p, now=NOW)
    line = {"spent_on": "2025-05-01", "amount_pence": 100, "category": "staffing", "description": "x"}
    response = await client.post(f"/api/v1/returns/{r.id}/lines", json=line, headers=await bearer(world.other_grantee))
    assert response.status_code == 404
    assert await ExpenditureLine.all().count() == 0


async def test_fund_is_unchanged_after_refused_requests(client, world) -> None:
    before = await Fund.get(id=world.fund.id)
    await client.post(f"/api/v1/rounds/{world.round.id}/awards", json={"amount_pence": -1}, headers=await bearer(world.funder))
    after = await Fund.get(id=world.fund.id)
    assert (after.awarded_pence, after.allocated_pence) == (before.awarded_pence, before.allocated_pence)


# --- what is late ------------------------------------------------------------------------------------


async def test_overdue_tranches_and_returns_waiting_past_the_decision_target_are_listed_with_how_late(world) -> None:
    from datetime import timedelta

    from grants import queries

    late = await services.schedule_tranche(world.award, amount_pence=1_000_000, due_on=date(2026, 4, 15), actor=world.funder_p, now=NOW)
    paid = await services.schedule_tranche(world.award, amount_pence=1_000_000, due_on=date(2026, 4, 1), actor=world.funder_p, now=NOW)
    await services.pay_tranche(paid, paid_on=date(2026, 4, 2), actor=world.funder_p, now=NOW)
    await services.schedule_tranche(world.award, amount_pence=1_000_000, due_on=date(2026, 6, 10), actor=world.funder_p, now=NOW)
    submitted = await _submitted(world)  # submitted at NOW, 10 June 2026; the fund's target is 20 days
    today = NOW.date()
    now = await queries.list_overdue(world.funder_p, world.fund, today=today)
    assert [(o.tranche.id, o.days_late) for o in now.tranches] == [(late.id, 56)]  # not the paid one, nor the one due today
    on_the_day = await queries.list_overdue(world.funder_p, world.fund, today=today + timedelta(days=20))
    assert on_the_day.returns == []
    a_day_after = await queries.list_overdue(world.funder_p, world.fund, today=today + timedelta(days=21))
    assert [(o.spend_return.id, o.decide_by, o.days_late) for o in a_day_after.returns] == [(submitted.id, date(2026, 6, 30), 1)]
    # Another grantee sees none of it.
    other = await queries.list_overdue(await _principal(world.other_grantee), world.fund, today=today + timedelta(days=21))
    assert bool(other) is False


async def _principal(user):
    from shortbreaks.accounts.services import load_principal

    return await load_principal(user)


async def test_the_fund_page_and_the_award_page_flag_an_overdue_tranche(client, world) -> None:
    await services.schedule_tranche(world.award, amount_pence=1_000_000, due_on=date(2026, 4, 15), actor=world.funder_p, now=NOW)
    await sign_in(client, world.grantee)
    fund_page = await client.get(f"/grants/funds/{world.fund.id}")
    overdue = fund_page.text.split('id="overdue"')[1].split("</ul>")[0]
    assert "Payment 1 of" in overdue and "was due Wednesday 15 April 2026 and is not paid: 56 days late" in overdue
    award_page = await client.get(f"/grants/awards/{world.award.id}")
    assert "Overdue</strong> 56 days late" in award_page.text and "Not yet" not in award_page.text


async def test_a_grantee_gets_404_for_another_grantees_award(client, world) -> None:
    await sign_in(client, world.other_grantee)
    assert (await client.get(f"/grants/awards/{world.award.id}")).status_code == 404
    client.cookies.clear()
    await sign_in(client, world.grantee)
    assert (await client.get(f"/grants/awards/{world.award.id}")).status_code == 200


async def test_a_grantees_headline_figures_are_their_own_awards_each_labelled_with_the_fund_wide_ones_apart(client, world) -> None:
    submitted = await _submitted(world)
    await services.approve_return(submitted, actor=world.funder_p, now=NOW)
    await sign_in(client, world.grantee)
    html = (await client.get(f"/grants/funds/{world.fund.id}")).text
    headline = html.split('id="headline">')[1].split("</dl>")[0]
    keys = [k.split("</dt>")[0] for k in headline.split('<dt class="govuk-summary-list__key">')[1:]]
    assert keys == [
        "Awarded (your awards)",
        "Paid (your awards)",
        "Approved spend (your awards)",
        "Submitted, waiting for a decision (your awards)",
        "Awarded but not yet spent (your awards)",
        "Share spent of the amount awarded (your awards)",
        "Forecast spend by Wednesday 31 March 2027 (your awards)",
    ]
    assert "£30,000,000" not in headline  # the whole fund is not their budget
    assert ">1.2%<" in headline  # £1,200 of their £100,000, not of the fund's £30m
    assert "less than £100,000.00" in headline
    fund_wide = html.split('id="fund-wide">')[1].split("</dl>")[0]
    assert "Fund total (all grantees)" in fund_wide and "£30,000,000.00" in fund_wide


async def test_the_funders_headline_says_it_is_the_whole_fund(client, world) -> None:
    await sign_in(client, world.funder)
    html = (await client.get(f"/grants/funds/{world.fund.id}")).text
    assert "Headline figures for the whole fund" in html and "Share of the fund spent" in html
    filtered = (await client.get(f"/grants/funds/{world.fund.id}", params={"region": "West Midlands"})).text
    assert "Headline figures for the awards shown" in filtered and "Approved spend (the awards shown)" in filtered


async def test_the_dashboard_says_not_enough_delivery_recorded_yet_instead_of_a_cost_per_hour(client, world) -> None:
    submitted = await _submitted(world)
    await services.approve_return(submitted, actor=world.funder_p, now=NOW)
    await sign_in(client, world.funder)
    html = (await client.get(f"/grants/funds/{world.fund.id}")).text
    outcomes = html.split('id="outcomes-table"')[1].split("</table>")[0]
    assert outcomes.count("Not enough delivery recorded yet") == 2  # the award and the total
    assert "No respite delivered has been recorded yet." in html
