"""The fund report: figures, filters, totals to the penny, forecast and who sees what."""

from __future__ import annotations

from datetime import date

import pytest

from grants import queries, services
from grants.enums import BudgetCategory
from grants.models import Award
from grants.schemas import ReportQuery
from grants.services import BudgetLineInput
from shortbreaks import sql
from shortbreaks.accounts.enums import OrganisationKind, Role
from tests.factories import NOW, make_organisation
from tests.grants.conftest import make_award, make_user, principal

AS_OF = date(2026, 6, 10)
AS_OF_DATETIME = NOW


@pytest.fixture
async def scene(world):
    """Two awards in two regions with tranches and returns in several states."""
    leeds = await make_organisation(identifier="GB-LAE-LDS", name="Leeds City Council", region="Yorkshire and The Humber")
    charity = await make_organisation(kind=OrganisationKind.CHARITY, identifier="GB-CHC-1099999", name="Leeds Respite Trust")
    leeds_grantee = await make_user(role=Role.GRANTEE, organisation=charity)
    second = await make_award(
        world.round,
        world.funder_p,
        recipient=charity,
        authority=leeds,
        reference="A002",
        amount_pence=5_000_000,
        budget=[BudgetLineInput(BudgetCategory.TRANSPORT, 2025, 3_000_000), BudgetLineInput(BudgetCategory.STAFFING, 2025, 2_000_000)],
    )
    first_tranche = await services.schedule_tranche(
        world.award, amount_pence=4_000_000, due_on=date(2025, 4, 1), actor=world.funder_p, now=NOW
    )
    await services.pay_tranche(first_tranche, paid_on=date(2025, 4, 3), actor=world.funder_p, now=NOW)
    later = await services.schedule_tranche(world.award, amount_pence=1_000_000, due_on=date(2026, 1, 1), actor=world.funder_p, now=NOW)
    await services.pay_tranche(later, paid_on=date(2026, 1, 5), actor=world.funder_p, now=NOW)
    await services.schedule_tranche(world.award, amount_pence=5_000_000, due_on=date(2026, 4, 1), actor=world.funder_p, now=NOW)

    async def claim(award, actor, year, quarter, lines):
        r = await services.create_return(award, financial_year=year, quarter=quarter, actor=actor, now=NOW)
        for spent_on, amount, category in lines:
            await services.add_expenditure_line(
                r, spent_on=spent_on, amount_pence=amount, category=category, description="x", actor=actor, now=NOW
            )
        return r

    leeds_p = await principal(leeds_grantee)
    # Birmingham: Q1 approved (staffing), Q3 approved (staffing 2025), Q4 submitted (pending), 2026 Q1 draft.
    q1 = await claim(
        world.award, world.grantee_p, 2025, 1, [(date(2025, 4, 10), 1_000_001, "staffing"), (date(2025, 5, 10), 99, "staffing")]
    )
    q3 = await claim(world.award, world.grantee_p, 2025, 3, [(date(2025, 11, 1), 500_000, "staffing")])
    q4 = await claim(world.award, world.grantee_p, 2025, 4, [(date(2026, 2, 1), 70_000, "staffing")])
    await claim(world.award, world.grantee_p, 2026, 1, [(date(2026, 5, 1), 1_234, "activities")])
    for r in (q1, q3, q4):
        await services.submit_return(r, actor=world.grantee_p, now=NOW)
    for r in (q1, q3):
        await services.approve_return(r, actor=world.funder_p, now=NOW)
    # Leeds: Q2 approved (transport + staffing), Q3 queried.
    l2 = await claim(second, leeds_p, 2025, 2, [(date(2025, 7, 1), 250_000, "transport"), (date(2025, 8, 1), 3, "staffing")])
    l3 = await claim(second, leeds_p, 2025, 3, [(date(2025, 10, 1), 40_000, "transport")])
    for r in (l2, l3):
        await services.submit_return(r, actor=leeds_p, now=NOW)
    await services.approve_return(l2, actor=world.funder_p, now=NOW)
    await services.query_return(l3, reason="Which journeys?", actor=world.funder_p, now=NOW)
    return {"second": second, "leeds": leeds, "charity": charity, "leeds_grantee": leeds_grantee}


async def _report(world, principal_, **filters):
    fund = await queries.get_fund(principal_, world.fund.id)
    return await queries.fund_report(fund, ReportQuery(**filters), principal_, as_of=AS_OF)


async def test_unfiltered_report_for_the_funder(world, scene) -> None:
    report = await _report(world, world.funder_p)
    assert report.awarded_pence == 15_000_000
    assert report.paid_pence == 5_000_000
    assert report.approved_pence == 1_000_001 + 99 + 500_000 + 250_000 + 3 == 1_750_103
    assert report.pending_pence == 70_000 + 40_000
    assert report.remaining_pence == 15_000_000 - 1_750_103
    assert report.percent_of_fund_spent == "0.1"  # £17,501.03 of £30m
    assert [(r.region, r.awarded_pence, r.approved_pence) for r in report.by_region] == [
        ("West Midlands", 10_000_000, 1_500_100),
        ("Yorkshire and The Humber", 5_000_000, 250_003),
    ]
    assert [a.reference for a in report.awards] == ["A001", "A002"]
    assert report.awards[0].grant_id == "360G-DFE-SBIF-A001"


async def test_totals_equal_the_sum_of_their_parts_to_the_penny(world, scene) -> None:
    report = await _report(world, world.funder_p)
    assert sum(r.approved_pence for r in report.by_region) == report.approved_pence
    assert sum(m.approved_pence for m in report.monthly) == report.approved_pence == report.monthly[-1].cumulative_pence
    assert sum(line.approved_pence for line in report.budget_lines) == report.budget_totals.approved_pence == report.approved_pence
    assert sum(line.budget_pence for line in report.budget_lines) == report.budget_totals.budget_pence == report.awarded_pence
    assert sum(a.amount_pence for a in report.awards) == report.awarded_pence
    assert sum(r.approved_pence for r in report.outcomes.rows) == report.outcomes.total.approved_pence == report.approved_pence


async def test_budget_against_actual_by_line(world, scene) -> None:
    report = await _report(world, world.funder_p)
    assert [
        (line.category.value, line.financial_year_label, line.budget_pence, line.approved_pence, line.variance_pence)
        for line in report.budget_lines
    ] == [
        ("staffing", "2025-26", 7_000_000, 1_500_103, 5_499_897),
        ("transport", "2025-26", 3_000_000, 250_000, 2_750_000),
        ("activities", "2026-27", 5_000_000, 0, 5_000_000),
    ]


async def test_monthly_burn_and_forecast(world, scene) -> None:
    report = await _report(world, world.funder_p)
    assert [(m.month, m.approved_pence, m.cumulative_pence) for m in report.monthly] == [
        (date(2025, 4, 1), 1_000_001, 1_000_001),
        (date(2025, 5, 1), 99, 1_000_100),
        (date(2025, 7, 1), 250_000, 1_250_100),
        (date(2025, 8, 1), 3, 1_250_103),
        (date(2025, 11, 1), 500_000, 1_750_103),
    ]
    # Plan: £30m evenly over 36 months from April 2024; by the end of April 2025, 13 months.
    assert report.monthly[0].plan_cumulative_pence == 3_000_000_000 * 13 // 36
    # 27 of 36 months elapsed on 10 June 2026; 1,750,103 × 9 / 27 = 583,367.67 → 583,368.
    assert report.forecast.model_dump() == {
        "budget_pence": 3_000_000_000,
        "spent_pence": 1_750_103,
        "months_elapsed": 27,
        "months_remaining": 9,
        "monthly_rate_pence": 64_819,
        "projected_total_pence": 1_750_103 + 583_368,
        "projected_variance_pence": 1_750_103 + 583_368 - 3_000_000_000,
    }


@pytest.mark.parametrize(
    ("filters", "awarded", "paid", "approved", "pending"),
    [
        ({"region": "Yorkshire and The Humber"}, 5_000_000, 0, 250_003, 40_000),
        ({"category": "transport"}, 3_000_000, None, 250_000, 40_000),
        ({"financial_year": 2025}, 10_000_000, 5_000_000, 1_750_103, 110_000),
        ({"financial_year": 2025, "quarter": 1}, 10_000_000, 4_000_000, 1_000_100, 0),
        ({"financial_year": 2025, "quarter": 4}, 10_000_000, 1_000_000, 0, 70_000),
        ({"quarter": 3}, 15_000_000, 0, 500_000, 40_000),
    ],
)
async def test_filters(world, scene, filters, awarded, paid, approved, pending) -> None:
    report = await _report(world, world.funder_p, **filters)
    assert (report.awarded_pence, report.paid_pence, report.approved_pence, report.pending_pence) == (awarded, paid, approved, pending)


async def test_filter_by_local_authority_grantee_and_round(world, scene) -> None:
    by_la = await _report(world, world.funder_p, local_authority_id=scene["leeds"].id)
    by_grantee = await _report(world, world.funder_p, grantee_id=scene["charity"].id)
    by_round = await _report(world, world.funder_p, round_id=world.round.id)
    assert (by_la.awarded_pence, by_la.approved_pence) == (by_grantee.awarded_pence, by_grantee.approved_pence) == (5_000_000, 250_003)
    assert by_round.awarded_pence == 15_000_000


async def test_a_grantee_sees_only_its_own_awards_in_the_report(world, scene) -> None:
    report = await _report(world, world.grantee_p)
    assert [a.reference for a in report.awards] == ["A001"]
    assert (report.awarded_pence, report.approved_pence) == (10_000_000, 1_500_100)


async def test_an_officer_sees_the_awards_in_their_area(world, scene) -> None:
    report = await _report(world, await principal(world.officer))
    assert [a.reference for a in report.awards] == ["A001"]


async def test_outcomes_count_attended_bookings_at_linked_services_and_suppress_small_numbers(world, scene) -> None:
    from datetime import timedelta

    from bookings import services as booking_services
    from bookings.enums import Attendance
    from bookings.models import BookingChild
    from grants import services as grant_services
    from tests.bookings.conftest import grant, make_child, make_family, make_service, make_session

    service = await make_service(authority=world.authority)
    small = await make_service(authority=world.authority)
    starts = AS_OF_DATETIME - timedelta(days=20)
    session = await make_session(service, starts_at=starts, hours=3, capacity=10)
    other = await make_session(small, starts_at=starts, hours=2, capacity=10)
    bookings = []
    for n in range(11):
        family = await make_family(world.authority)
        child = await make_child(family)
        await grant(child, pence=100_000, year=2025)
        target = session if n < 6 else other
        bookings.append(
            await booking_services.create_booking(family, session_id=target.id, child_ids=[child.id], now=starts - timedelta(days=5))
        )
    staff = world.provider
    for booking in bookings:
        place = await BookingChild.filter(booking_id=booking.id).first()
        await booking_services.record_attendance(
            booking, actor=staff, attendance={place.child_id: Attendance.ATTENDED}, now=starts + timedelta(hours=1)
        )
    a001 = next(a for a in await Award.filter(fund_id=world.fund.id) if a.reference == "A001")
    a002 = next(a for a in await Award.filter(fund_id=world.fund.id) if a.reference == "A002")
    await grant_services.link_service(a001, service_id=service.id, actor=world.funder_p, now=NOW)
    await grant_services.link_service(a002, service_id=small.id, actor=world.funder_p, now=NOW)

    report = await _report(world, world.funder_p)
    assert report.outcomes.available is True
    assert report.outcomes.threshold == 5
    rows = {r.reference: (r.children, r.families, r.respite_hours) for r in report.outcomes.rows}
    # Six children for three hours each at A001's service, five for two hours at A002's.
    assert rows["A001"] == (6, 6, "18.0")
    assert rows["A002"] == (5, 5, "10.0")
    # All of it in one month: the chart's one column; A001's spend is in other months, so no cost per hour.
    from shortbreaks.clock import LONDON

    month = starts.astimezone(LONDON).date().replace(day=1)
    assert [(m.month, m.respite_hours) for m in report.respite_by_month] == [(month, "28.0")]
    costs = {r.reference: (r.cost_per_respite_hour_pence, r.enough_delivery) for r in report.outcomes.rows}
    assert costs["A001"] == (None, False)
    # One attended child fewer at A002 and its counts are hidden, and so are A001's, which
    # would otherwise give A002's away from the total (secondary suppression).
    await booking_services.record_attendance(
        bookings[-1],
        actor=staff,
        attendance={(await BookingChild.filter(booking_id=bookings[-1].id).first()).child_id: Attendance.NO_SHOW},
        now=starts + timedelta(hours=1),
    )
    report = await _report(world, world.funder_p)
    rows = {r.reference: (r.children, r.families, r.respite_hours) for r in report.outcomes.rows}
    assert rows == {"A001": ("c", "c", "18.0"), "A002": ("c", "c", "8.0")}


async def test_people_without_a_grants_role_see_no_fund(world, scene) -> None:
    from shortbreaks.errors import NotFound

    for user in (world.family, world.provider):
        with pytest.raises(NotFound):
            await queries.get_fund(await principal(user), world.fund.id)
    assert await queries.list_funds(await principal(world.family)) == []


# --- the report's spend equals a straightforward sum of the lines -----------------------------------


async def _from_the_lines(world, principal_, query: ReportQuery) -> dict:
    """The report's spend figures computed the plain way: every matching expenditure line, summed in Python."""
    from grants.enums import PENDING_RETURN_STATUSES, ReturnStatus
    from grants.models import BudgetLine, ExpenditureLine

    fund = await queries.get_fund(principal_, world.fund.id)
    awards = {a.id: a for a in await Award.filter(queries.award_filter(fund, query, principal_))}
    lines = await ExpenditureLine.filter(spend_return__award_id__in=list(awards)).values(
        "spend_return__status", "spend_return__award_id", "category", "financial_year", "quarter", "spent_month", "amount_pence"
    )
    approved: dict = {"total": 0, "month": {}, "line": {}, "award": {}, "region": {}}
    pending = 0
    for line in lines:
        if query.category is not None and line["category"] != query.category:
            continue
        if query.financial_year is not None and line["financial_year"] != query.financial_year:
            continue
        if query.quarter is not None and line["quarter"] != query.quarter:
            continue
        amount, status = line["amount_pence"], ReturnStatus(line["spend_return__status"])
        if status in PENDING_RETURN_STATUSES:
            pending += amount
        if status is not ReturnStatus.APPROVED:
            continue
        award = awards[line["spend_return__award_id"]]
        approved["total"] += amount
        for key, value in (
            ("month", line["spent_month"]),
            ("line", (BudgetCategory(line["category"]), line["financial_year"])),
            ("award", award.id),
            ("region", award.region),
        ):
            approved[key][value] = approved[key].get(value, 0) + amount
    if query.category is not None or query.financial_year is not None:
        budget = BudgetLine.filter(award_id__in=list(awards))
        if query.category is not None:
            budget = budget.filter(category=query.category)
        if query.financial_year is not None:
            budget = budget.filter(financial_year=query.financial_year)
        awarded = sum(b.amount_pence for b in await budget)
    else:
        awarded = sum(a.amount_pence for a in awards.values())
    return {
        "awarded": awarded,
        "approved": approved["total"],
        "pending": pending,
        "monthly": sorted(approved["month"].items()),
        "lines": approved["line"],
        "awards": {a: approved["award"].get(a, 0) for a in awards},
        "regions": {a.region: approved["region"].get(a.region, 0) for a in awards.values()},
    }


def _spend_in(report) -> dict:
    return {
        "awarded": report.awarded_pence,
        "approved": report.approved_pence,
        "pending": report.pending_pence,
        "monthly": [(m.month, m.approved_pence) for m in report.monthly],
        "lines": {(line.category, line.financial_year): line.approved_pence for line in report.budget_lines if line.approved_pence},
        "awards": {r.award_id: r.approved_pence for r in report.outcomes.rows},
        "regions": {r.region: r.approved_pence for r in report.by_region},
    }


async def test_the_reports_spend_equals_the_lines_summed_plainly_under_every_filter(world, scene) -> None:
    import itertools

    from grants.models import ExpenditureLine

    # Several categories in one return and month, then lines changed and removed behind the
    # service's back, so every column of grants_spendmonth and every trigger path is used.
    leeds_p = await principal(scene["leeds_grantee"])
    spread = await services.create_return(scene["second"], financial_year=2026, quarter=2, actor=leeds_p, now=NOW)
    made = [
        await services.add_expenditure_line(
            spread, spent_on=spent_on, amount_pence=amount, category=category, description="x", actor=leeds_p, now=NOW
        )
        for spent_on, amount, category in [
            (date(2026, 7, 1), 11, "staffing"),
            (date(2026, 7, 2), 22, "equipment"),
            (date(2026, 7, 3), 33, "management"),
            (date(2026, 9, 30), 44, "training"),
            (date(2026, 9, 30), 55, "evaluation"),
        ]
    ]
    await services.submit_return(spread, actor=leeds_p, now=NOW)
    await services.approve_return(spread, actor=world.funder_p, now=NOW, approve_over_budget=True, reason="test")
    await sql.execute("UPDATE grants_expenditureline SET category = 'premises', amount_pence = 66 WHERE id = $1", made[1].id)
    await ExpenditureLine.filter(id=made[2].id).delete()

    checked = 0
    for who in (world.funder_p, world.grantee_p, leeds_p):
        for region, category, year, quarter in itertools.product(
            (None, "Yorkshire and The Humber"), (None, "staffing", "premises", "transport"), (None, 2025, 2026), (None, 1, 2, 3)
        ):
            query = ReportQuery(region=region, category=category, financial_year=year, quarter=quarter)
            report = await queries.fund_report(await queries.get_fund(who, world.fund.id), query, who, as_of=AS_OF)
            assert _spend_in(report) == await _from_the_lines(world, who, query), query
            checked += 1
    for filters in ({"round_id": world.round.id}, {"local_authority_id": scene["leeds"].id}, {"grantee_id": scene["charity"].id}):
        query = ReportQuery(**filters)
        assert _spend_in(await _report(world, world.funder_p, **filters)) == await _from_the_lines(world, world.funder_p, query)
    assert checked == 3 * 2 * 4 * 3 * 4
