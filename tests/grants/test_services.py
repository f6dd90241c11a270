"""The grant rules, each with the bad input it refuses (and proof nothing changed)."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest

from grants import services
from grants.enums import BudgetCategory, ReturnStatus
from grants.errors import (
    AlreadyDecided,
    AlreadyPaid,
    BelowCommitted,
    OverBudget,
    OverBudgetLine,
    OverPaid,
    OwnReturn,
    ReturnNotEditable,
    SpendOverAward,
)
from grants.models import Award, ExpenditureLine, Fund, Round, SpendReturn, Tranche, Variation
from grants.periods import quarter_bounds
from grants.services import BudgetLineInput
from shortbreaks import sql
from shortbreaks.accounts.enums import Role
from shortbreaks.accounts.services import ensure_membership
from shortbreaks.errors import PermissionDenied, ValidationFailed
from shortbreaks.models import AuditEvent
from tests.factories import NOW
from tests.grants.conftest import make_award, principal


async def _return_with(world, lines, *, quarter=1, year=2025):
    spend_return = await services.create_return(world.award, financial_year=year, quarter=quarter, actor=world.grantee_p, now=NOW)
    for spent_on, amount, category in lines:
        await services.add_expenditure_line(
            spend_return,
            spent_on=spent_on,
            amount_pence=amount,
            category=category,
            description="Play workers",
            actor=world.grantee_p,
            now=NOW,
        )
    return await services.submit_return(spend_return, actor=world.grantee_p, now=NOW)


async def _totals(world):
    fund = await Fund.get(id=world.fund.id)
    round_ = await Round.get(id=world.round.id)
    award = await Award.get(id=world.award.id)
    return fund.awarded_pence, round_.awarded_pence, award.amount_pence, award.paid_pence, award.approved_pence


# --- budgets -------------------------------------------------------------------------------------


async def test_award_over_the_rounds_remaining_budget_is_refused_and_changes_nothing(world) -> None:
    before = await _totals(world)
    with pytest.raises(OverBudget):
        await make_award(
            world.round, world.funder_p, recipient=world.grantee_org, authority=world.authority, reference="A002", amount_pence=990_000_001
        )
    assert await _totals(world) == before
    assert await Award.all().count() == 1


async def test_an_award_reference_used_twice_in_a_fund_is_refused_by_its_constraint_and_changes_nothing(world) -> None:
    before = await _totals(world)
    with pytest.raises(ValidationFailed) as refused:
        await make_award(world.round, world.funder_p, recipient=world.grantee_org, authority=world.authority, reference="A001")
    assert [(e.field, e.message) for e in refused.value.errors] == [("reference", "The fund already has an award with that reference")]
    assert await _totals(world) == before
    assert await Award.all().count() == 1


async def test_a_round_code_used_twice_in_a_fund_is_refused_by_its_constraint(world) -> None:
    with pytest.raises(ValidationFailed) as refused:
        await services.create_round(
            world.fund,
            name="Again",
            code="R2",
            budget_pence=1_000,
            starts_on=date(2026, 4, 1),
            ends_on=date(2027, 3, 31),
            actor=world.funder_p,
            now=NOW,
        )
    assert [(e.field, e.message) for e in refused.value.errors] == [("code", "The fund already has a round with that code")]
    assert (await Fund.get(id=world.fund.id)).allocated_pence == 1_000_000_000


async def test_award_exactly_using_the_rest_of_the_round_is_accepted(world) -> None:
    await make_award(
        world.round, world.funder_p, recipient=world.grantee_org, authority=world.authority, reference="A002", amount_pence=990_000_000
    )
    assert (await Round.get(id=world.round.id)).awarded_pence == 1_000_000_000


async def test_rounds_cannot_add_up_to_more_than_the_fund(world) -> None:
    await services.create_round(
        world.fund,
        name="2026-27",
        code="R3",
        budget_pence=2_000_000_000,
        starts_on=date(2026, 4, 1),
        ends_on=date(2027, 3, 31),
        actor=world.funder_p,
        now=NOW,
    )
    with pytest.raises(OverBudget):
        await services.create_round(
            world.fund,
            name="extra",
            code="R4",
            budget_pence=1,
            starts_on=date(2026, 4, 1),
            ends_on=date(2027, 3, 31),
            actor=world.funder_p,
            now=NOW,
        )
    assert (await Fund.get(id=world.fund.id)).allocated_pence == 3_000_000_000


async def test_fund_totals_equal_the_sum_of_awards_to_the_penny(world) -> None:
    for i, amount in enumerate([1, 333_333, 12_345_67]):
        await make_award(
            world.round,
            world.funder_p,
            recipient=world.grantee_org,
            authority=world.authority,
            reference=f"B{i}",
            amount_pence=amount,
            budget=[],
        )
    awards = await Award.all().values_list("amount_pence", flat=True)
    fund = await Fund.get(id=world.fund.id)
    assert fund.awarded_pence == sum(awards) == 10_000_000 + 1 + 333_333 + 1_234_567
    assert (await Round.get(id=world.round.id)).awarded_pence == sum(awards)


@pytest.mark.parametrize("amount", [-100, 0, 12.5, "100", True])
async def test_award_amounts_must_be_whole_positive_pence(world, amount) -> None:
    with pytest.raises(ValidationFailed) as exc:
        await make_award(
            world.round,
            world.funder_p,
            recipient=world.grantee_org,
            authority=world.authority,
            reference="BAD",
            amount_pence=amount,
            budget=[],
        )
    assert exc.value.errors[0].field == "amount_pence"
    assert await Award.all().count() == 1


async def test_budget_lines_must_add_up_to_the_award(world) -> None:
    with pytest.raises(ValidationFailed) as exc:
        await make_award(
            world.round,
            world.funder_p,
            recipient=world.grantee_org,
            authority=world.authority,
            reference="A3",
            amount_pence=1000,
            budget=[BudgetLineInput(BudgetCategory.STAFFING, 2025, 999)],
        )
    assert exc.value.errors[0].field == "budget_lines"


async def test_only_the_funder_makes_awards(world) -> None:
    with pytest.raises(PermissionDenied):
        await make_award(
            world.round,
            world.grantee_p,
            recipient=world.grantee_org,
            authority=world.authority,
            reference="A3",
            amount_pence=1000,
            budget=[],
        )


# --- tranches --------------------------------------------------------------------------------------


async def test_tranches_paid_never_exceed_the_award(world) -> None:
    first = await services.schedule_tranche(world.award, amount_pence=6_000_000, due_on=date(2025, 4, 1), actor=world.funder_p, now=NOW)
    second = await services.schedule_tranche(world.award, amount_pence=4_000_000, due_on=date(2026, 4, 1), actor=world.funder_p, now=NOW)
    with pytest.raises(OverPaid):
        await services.schedule_tranche(world.award, amount_pence=1, due_on=date(2026, 4, 1), actor=world.funder_p, now=NOW)
    await services.pay_tranche(first, paid_on=date(2025, 4, 2), actor=world.funder_p, now=NOW)
    paid = await services.pay_tranche(second, paid_on=date(2026, 4, 2), actor=world.funder_p, now=NOW)
    assert paid.paid_on == date(2026, 4, 2)
    assert (await Award.get(id=world.award.id)).paid_pence == 10_000_000 == 6_000_000 + 4_000_000
    assert await Tranche.all().count() == 2


async def test_a_tranche_is_paid_once(world) -> None:
    tranche = await services.schedule_tranche(world.award, amount_pence=6_000_000, due_on=date(2025, 4, 1), actor=world.funder_p, now=NOW)
    await services.pay_tranche(tranche, paid_on=date(2025, 4, 2), actor=world.funder_p, now=NOW)
    with pytest.raises(AlreadyPaid):
        await services.pay_tranche(tranche, paid_on=date(2025, 4, 3), actor=world.funder_p, now=NOW)
    assert (await Award.get(id=world.award.id)).paid_pence == 6_000_000


async def test_payment_past_the_award_is_refused_even_if_tranches_were_planned_before_a_variation(world) -> None:
    tranche = await services.schedule_tranche(world.award, amount_pence=9_000_000, due_on=date(2025, 4, 1), actor=world.funder_p, now=NOW)
    await services.pay_tranche(tranche, paid_on=date(2025, 4, 2), actor=world.funder_p, now=NOW)
    # The database CHECK is the backstop under the conditional update.
    with pytest.raises(OverPaid):
        await services.schedule_tranche(world.award, amount_pence=1_000_001, due_on=date(2025, 5, 1), actor=world.funder_p, now=NOW)


# --- spend returns -------------------------------------------------------------------------------


async def test_grantee_creates_fills_and_submits_a_return(world) -> None:
    submitted = await _return_with(world, [(date(2025, 5, 1), 120_000, "staffing"), (date(2025, 6, 30), 3_550, BudgetCategory.STAFFING)])
    assert submitted.status == ReturnStatus.SUBMITTED
    assert submitted.submitted_by_id == world.grantee.id
    assert await services.return_total_pence(submitted.id) == 123_550
    line = await ExpenditureLine.filter(spend_return_id=submitted.id).order_by("spent_on").first()
    assert (line.financial_year, line.quarter, line.spent_month) == (2025, 1, date(2025, 5, 1))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount_pence": -5}, "amount_pence"),
        ({"amount_pence": 10.5}, "amount_pence"),
        ({"spent_on": date(2025, 3, 31)}, "spent_on"),
        ({"spent_on": date(2027, 4, 1)}, "spent_on"),
        ({"category": "catering"}, "category"),
    ],
)
async def test_bad_expenditure_lines_are_refused(world, changes, field) -> None:
    spend_return = await services.create_return(world.award, financial_year=2025, quarter=1, actor=world.grantee_p, now=NOW)
    values = {"spent_on": date(2025, 5, 1), "amount_pence": 100, "category": "staffing", "description": "x"} | changes
    with pytest.raises(ValidationFailed) as exc:
        await services.add_expenditure_line(spend_return, actor=world.grantee_p, now=NOW, **values)
    assert exc.value.errors[0].field == field
    assert await ExpenditureLine.all().count() == 0


async def test_another_grantee_cannot_touch_the_return(world) -> None:
    with pytest.raises(PermissionDenied):
        await services.create_return(world.award, financial_year=2025, quarter=1, actor=await principal(world.other_grantee), now=NOW)


async def test_a_submitted_return_cannot_be_changed(world) -> None:
    submitted = await _return_with(world, [(date(2025, 5, 1), 100, "staffing")])
    with pytest.raises(ReturnNotEditable):
        await services.add_expenditure_line(
            submitted, spent_on=date(2025, 5, 1), amount_pence=1, category="staffing", description="x", actor=world.grantee_p, now=NOW
        )


async def test_funder_approves_and_the_award_counts_it(world) -> None:
    submitted = await _return_with(world, [(date(2025, 5, 1), 120_000, "staffing"), (date(2025, 6, 1), 5, "staffing")])
    approved = await services.approve_return(submitted, actor=world.funder_p, now=NOW, reason="Evidence checked")
    assert (approved.status, approved.decided_by_id, approved.decided_at, approved.decision_reason) == (
        ReturnStatus.APPROVED,
        world.funder.id,
        NOW,
        "Evidence checked",
    )
    assert (await Award.get(id=world.award.id)).approved_pence == 120_005
    events = await AuditEvent.filter(record_id=str(submitted.id)).order_by("id").values_list("action", flat=True)
    assert events == [
        "grants.return.created",
        "grants.return.line_added",
        "grants.return.line_added",
        "grants.return.submitted",
        "grants.return.approved",
    ]


async def test_nobody_approves_their_own_return(world) -> None:
    # A person who is both the grantee and a funder.
    await ensure_membership(world.grantee, world.funder_org, Role.FUNDER)
    both = await principal(world.grantee)
    submitted = await _return_with(world, [(date(2025, 5, 1), 100, "staffing")])
    with pytest.raises(OwnReturn) as exc:
        await services.approve_return(submitted, actor=both, now=NOW)
    assert exc.value.status_code == 403
    assert (await SpendReturn.get(id=submitted.id)).status == ReturnStatus.SUBMITTED
    assert (await Award.get(id=world.award.id)).approved_pence == 0


async def test_a_grantee_cannot_decide(world) -> None:
    submitted = await _return_with(world, [(date(2025, 5, 1), 100, "staffing")])
    with pytest.raises(PermissionDenied):
        await services.approve_return(submitted, actor=world.grantee_p, now=NOW)


async def test_a_return_is_decided_once(world) -> None:
    submitted = await _return_with(world, [(date(2025, 5, 1), 100, "staffing")])
    await services.approve_return(submitted, actor=world.funder_p, now=NOW)
    other = await principal(world.other_funder)
    with pytest.raises(AlreadyDecided):
        await services.approve_return(submitted, actor=other, now=NOW)
    with pytest.raises(AlreadyDecided):
        await services.reject_return(submitted, reason="No", actor=other, now=NOW)
    assert (await Award.get(id=world.award.id)).approved_pence == 100
    assert (await SpendReturn.get(id=submitted.id)).decided_by_id == world.funder.id


async def test_a_draft_cannot_be_decided(world) -> None:
    draft = await services.create_return(world.award, financial_year=2025, quarter=1, actor=world.grantee_p, now=NOW)
    with pytest.raises(AlreadyDecided):
        await services.approve_return(draft, actor=world.funder_p, now=NOW)


async def test_approved_spend_never_exceeds_the_award(world) -> None:
    # Budget: staffing 2025 £50,000 and activities 2026 £50,000; the award is £100,000.
    big = await _return_with(world, [(date(2025, 5, 1), 5_000_000, "staffing")])
    await services.approve_return(big, actor=world.funder_p, now=NOW)
    second = await _return_with(world, [(date(2026, 5, 1), 5_000_001, "activities")], year=2026)
    with pytest.raises(SpendOverAward):
        await services.approve_return(second, actor=world.funder_p, now=NOW, reason="x", approve_over_budget=True)
    assert (await SpendReturn.get(id=second.id)).status == ReturnStatus.SUBMITTED
    assert (await Award.get(id=world.award.id)).approved_pence == 5_000_000


async def test_spend_within_the_line_tolerance_is_approved(world) -> None:
    # Staffing 2025 is £50,000; 10% tolerance allows £55,000.
    submitted = await _return_with(world, [(date(2025, 5, 1), 5_500_000, "staffing")])
    approved = await services.approve_return(submitted, actor=world.funder_p, now=NOW)
    assert approved.over_budget_approved is False


async def test_spend_past_the_line_tolerance_needs_an_explicit_audited_approval(world) -> None:
    submitted = await _return_with(world, [(date(2025, 5, 1), 5_500_001, "staffing")])
    with pytest.raises(OverBudgetLine) as exc:
        await services.approve_return(submitted, actor=world.funder_p, now=NOW)
    assert exc.value.errors[0].field == "budget.staffing.2025"
    assert (await SpendReturn.get(id=submitted.id)).status == ReturnStatus.SUBMITTED
    assert (await Award.get(id=world.award.id)).approved_pence == 0
    with pytest.raises(ValidationFailed):
        await services.approve_return(submitted, actor=world.funder_p, now=NOW, approve_over_budget=True)
    approved = await services.approve_return(
        submitted, actor=world.funder_p, now=NOW, approve_over_budget=True, reason="Extra staff for the summer scheme"
    )
    assert approved.over_budget_approved is True
    event = await AuditEvent.get(action="grants.return.approved_over_budget")
    assert event.after["over_budget_lines"] == [
        {"category": "staffing", "financial_year": 2025, "budget_pence": 5_000_000, "approved_pence": 5_500_001}
    ]
    assert event.after["reason"] == "Extra staff for the summer scheme"


async def test_spend_in_a_category_with_no_budget_is_over_budget(world) -> None:
    submitted = await _return_with(world, [(date(2025, 5, 1), 1, "transport")])
    with pytest.raises(OverBudgetLine):
        await services.approve_return(submitted, actor=world.funder_p, now=NOW)


async def test_query_then_resubmit_then_approve(world) -> None:
    submitted = await _return_with(world, [(date(2025, 5, 1), 100, "staffing")])
    queried = await services.query_return(submitted, reason="Send the invoice", actor=world.funder_p, now=NOW)
    assert (queried.status, queried.decision_reason) == (ReturnStatus.QUERIED, "Send the invoice")
    await services.add_expenditure_line(
        queried,
        spent_on=date(2025, 5, 2),
        amount_pence=50,
        category="staffing",
        description="x",
        evidence_reference="INV-9",
        actor=world.grantee_p,
        now=NOW,
    )
    resubmitted = await services.submit_return(queried, actor=world.grantee_p, now=NOW)
    assert resubmitted.status == ReturnStatus.RESUBMITTED
    approved = await services.approve_return(resubmitted, actor=world.funder_p, now=NOW)
    assert approved.status == ReturnStatus.APPROVED
    assert (await Award.get(id=world.award.id)).approved_pence == 150


async def test_rejecting_needs_a_reason_and_is_final(world) -> None:
    submitted = await _return_with(world, [(date(2025, 5, 1), 100, "staffing")])
    with pytest.raises(ValidationFailed):
        await services.reject_return(submitted, reason=" ", actor=world.funder_p, now=NOW)
    rejected = await services.reject_return(submitted, reason="Not eligible", actor=world.funder_p, now=NOW)
    assert rejected.status == ReturnStatus.REJECTED
    with pytest.raises(ReturnNotEditable):
        await services.submit_return(rejected, actor=world.grantee_p, now=NOW)
    assert await AuditEvent.filter(action="grants.return.rejected", record_id=str(submitted.id)).count() == 1


# --- variations ----------------------------------------------------------------------------------


async def test_variation_changes_the_award_and_the_budgets_it_draws_on(world) -> None:
    variation = await services.vary_award(
        world.award,
        amount_pence=12_000_000,
        planned_end=date(2027, 3, 30),
        budget_lines=[
            BudgetLineInput(BudgetCategory.STAFFING, 2025, 7_000_000),
            BudgetLineInput(BudgetCategory.ACTIVITIES, 2026, 5_000_000),
        ],
        reason="Second site opened",
        actor=world.funder_p,
        now=NOW,
    )
    assert variation.before["amount_pence"] == 10_000_000
    assert variation.after["amount_pence"] == 12_000_000
    assert variation.approved_by_id == world.funder.id
    assert await _totals(world) == (12_000_000, 12_000_000, 12_000_000, 0, 0)
    assert (await Award.get(id=world.award.id)).planned_end == date(2027, 3, 30)
    assert await AuditEvent.filter(action="grants.award.varied", record_id=str(world.award.id)).count() == 1


async def test_a_variation_cannot_take_an_award_below_what_is_paid(world) -> None:
    tranche = await services.schedule_tranche(world.award, amount_pence=6_000_000, due_on=date(2025, 4, 1), actor=world.funder_p, now=NOW)
    await services.pay_tranche(tranche, paid_on=date(2025, 4, 2), actor=world.funder_p, now=NOW)
    before = await _totals(world)
    with pytest.raises(BelowCommitted):
        await services.vary_award(
            world.award,
            amount_pence=5_999_999,
            budget_lines=[BudgetLineInput(BudgetCategory.STAFFING, 2025, 5_999_999)],
            reason="Cut",
            actor=world.funder_p,
            now=NOW,
        )
    assert await _totals(world) == before
    assert await Variation.all().count() == 0


async def test_a_variation_must_keep_the_budget_adding_up(world) -> None:
    with pytest.raises(ValidationFailed) as exc:
        await services.vary_award(world.award, amount_pence=9_000_000, reason="Cut", actor=world.funder_p, now=NOW)
    assert exc.value.errors[0].field == "budget_lines"
    assert (await Award.get(id=world.award.id)).amount_pence == 10_000_000


async def test_a_variation_increase_comes_out_of_the_round(world) -> None:
    with pytest.raises(OverBudget):
        await services.vary_award(
            world.award,
            amount_pence=1_000_000_001,
            budget_lines=[BudgetLineInput(BudgetCategory.STAFFING, 2025, 1_000_000_001)],
            reason="More",
            actor=world.funder_p,
            now=NOW,
        )
    assert await _totals(world) == (10_000_000, 10_000_000, 10_000_000, 0, 0)


async def test_only_a_funder_varies_an_award(world) -> None:
    with pytest.raises(PermissionDenied):
        await services.vary_award(world.award, planned_end=date(2027, 1, 1), reason="x", actor=world.grantee_p, now=NOW)


# --- concurrency (PostgreSQL only: SQLite serialises everything) -------------------------------


@pytest.mark.postgres
async def test_concurrent_awards_never_pass_the_round_budget(world) -> None:
    # £9.9m is left in the round: 30 concurrent awards of £1m each; exactly 9 fit.
    results = await asyncio.gather(
        *[
            make_award(
                world.round,
                world.funder_p,
                recipient=world.grantee_org,
                authority=world.authority,
                reference=f"C{i}",
                amount_pence=100_000_000,
                budget=[],
            )
            for i in range(30)
        ],
        return_exceptions=True,
    )
    made = [r for r in results if isinstance(r, Award)]
    assert len(made) == 9
    assert all(isinstance(r, OverBudget) for r in results if not isinstance(r, Award))
    assert (await Round.get(id=world.round.id)).awarded_pence == 10_000_000 + 9 * 100_000_000


@pytest.mark.postgres
async def test_concurrent_approvals_never_pass_the_award(world) -> None:
    returns = []
    for quarter in (1, 2, 3, 4):
        returns.append(await _return_with(world, [(quarter_bounds(2025, quarter)[0], 4_000_000, "staffing")], quarter=quarter))
    results = await asyncio.gather(
        *[services.approve_return(r, actor=world.funder_p, now=NOW, approve_over_budget=True, reason="test") for r in returns],
        return_exceptions=True,
    )
    assert sum(1 for r in results if isinstance(r, SpendReturn)) == 2
    assert (await Award.get(id=world.award.id)).approved_pence == 8_000_000


# --- the spend by month the reports read ---------------------------------------------------------


async def _months_match_lines() -> tuple[list[tuple], list[tuple]]:
    """grants_spendmonth beside the lines grouped by return and month, with a total per category."""
    from grants.enums import BudgetCategory
    from grants.models import SpendMonth, category_column

    returns = {r.id: r for r in await SpendReturn.all()}
    expected: dict[tuple, dict[str, int]] = {}
    for line in await ExpenditureLine.all():
        spend_return = returns[line.spend_return_id]
        key = (
            spend_return.id,
            spend_return.award_id,
            spend_return.status.value,
            line.financial_year,
            line.quarter,
            line.spent_month,
        )
        row = expected.setdefault(key, {category_column(c): 0 for c in BudgetCategory} | {"amount_pence": 0, "line_count": 0})
        row[category_column(BudgetCategory(line.category))] += line.amount_pence
        row["amount_pence"] += line.amount_pence
        row["line_count"] += 1
    columns = [category_column(c) for c in BudgetCategory] + ["amount_pence", "line_count"]
    lines = [(*key, *(row[c] for c in columns)) for key, row in expected.items()]
    months = await SpendMonth.all().values_list(
        "spend_return_id", "award_id", "status", "financial_year", "quarter", "spent_month", *columns
    )
    return sorted(lines, key=str), sorted(((r[0], r[1], str(r[2]), *r[3:]) for r in months), key=str)


async def test_the_spend_by_month_always_equals_the_lines_to_the_penny(world) -> None:
    draft = await services.create_return(world.award, financial_year=2025, quarter=1, actor=world.grantee_p, now=NOW)
    made = []
    for spent_on, amount, category in [
        (date(2025, 4, 1), 101, "staffing"),
        (date(2025, 4, 30), 202, "staffing"),
        (date(2025, 4, 15), 5, "premises"),
        (date(2025, 5, 1), 7, "transport"),
    ]:
        made.append(
            await services.add_expenditure_line(
                draft, spent_on=spent_on, amount_pence=amount, category=category, description="x", actor=world.grantee_p, now=NOW
            )
        )
    lines, months = await _months_match_lines()
    assert lines == months
    assert sorted(row[-2:] for row in months) == [(7, 1), (308, 3)]
    # The return's status is copied to its rows as it moves.
    await services.submit_return(draft, actor=world.grantee_p, now=NOW)
    lines, months = await _months_match_lines()
    assert lines == months
    assert {row[2] for row in months} == {"submitted"}
    await services.query_return(draft, reason="Receipts?", actor=world.funder_p, now=NOW)
    # Statements that write many lines at once (a bulk load, a fix-up script): here, the return's
    # four lines copied in one statement, then those four changed in one statement.
    ids = [line.id for line in made]
    await sql.execute(
        """INSERT INTO grants_expenditureline (spend_return_id, spent_on, amount_pence, category, description, evidence_reference,
                                               financial_year, quarter, spent_month, created_at)
           SELECT spend_return_id, spent_on, amount_pence, category, description, evidence_reference,
                  financial_year, quarter, spent_month, created_at
             FROM grants_expenditureline WHERE spend_return_id = $1""",
        draft.id,
    )
    await sql.execute(
        "UPDATE grants_expenditureline SET amount_pence = amount_pence + 1, category = 'evaluation' WHERE id >= $1 AND id <= $2",
        min(ids),
        max(ids),
    )
    lines, months = await _months_match_lines()
    assert lines == months
    assert sorted(row[-2:] for row in months) == [(7 + 1 + 7, 2), (308 + 3 + 308, 6)]
    await ExpenditureLine.filter(id__in=[line.id for line in made]).delete()
    lines, months = await _months_match_lines()
    assert lines == months
    assert sorted(row[-2:] for row in months) == [(7, 1), (308, 3)]
    made = await ExpenditureLine.filter(spend_return_id=draft.id).order_by("spent_on", "id")
    made = [made[0], made[2], made[1], made[3]]  # 1 April 101, 15 April 5, 30 April 202, 1 May 7
    await services.remove_expenditure_line(made[3], actor=world.grantee_p, now=NOW)
    # Lines written by anything else are counted too, in the right column.
    await sql.execute("UPDATE grants_expenditureline SET amount_pence = 1000 WHERE id = $1", made[0].id)
    await sql.execute("UPDATE grants_expenditureline SET category = 'training' WHERE id = $1", made[2].id)
    lines, months = await _months_match_lines()
    assert lines == months
    assert [row[-2:] for row in months] == [(1207, 3)]
    await ExpenditureLine.filter(spend_return_id=draft.id).delete()
    assert await _months_match_lines() == ([], [])


def test_every_budget_category_has_a_spend_by_month_column() -> None:
    from grants.enums import BudgetCategory
    from grants.models import SpendMonth, category_column

    assert {category_column(c) for c in BudgetCategory} <= set(SpendMonth._meta.fields_map)


async def test_a_total_the_database_refuses_comes_back_by_its_constraints_name_as_the_services_error(world) -> None:
    from tortoise.exceptions import IntegrityError

    from shortbreaks import constraints

    with pytest.raises(IntegrityError) as paid:
        await Award.filter(id=world.award.id).update(paid_pence=10_000_001)
    with pytest.raises(IntegrityError) as awarded:
        await Round.filter(id=world.round.id).update(awarded_pence=1_000_000_001)
    assert constraints.violated(paid.value) is constraints.registry()["grants_award_paid_within_amount"]
    assert type(constraints.translate(paid.value)) is OverPaid
    assert type(constraints.translate(awarded.value)) is OverBudget


async def test_the_database_refuses_totals_past_their_limits_whatever_the_code_does(world) -> None:
    from tortoise.exceptions import IntegrityError

    with pytest.raises(IntegrityError):
        await Award.filter(id=world.award.id).update(paid_pence=10_000_001)
    with pytest.raises(IntegrityError):
        await Round.filter(id=world.round.id).update(awarded_pence=1_000_000_001)
    with pytest.raises(IntegrityError):
        await Fund.filter(id=world.fund.id).update(awarded_pence=-1)
    assert await _totals(world) == (10_000_000, 10_000_000, 10_000_000, 0, 0)
