"""Variations: the only way an award's amount, dates or budget change after it is made."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from tortoise.functions import Sum

from grants.errors import BelowCommitted
from grants.models import Award, BudgetLine, Fund, Tranche, Variation
from grants.services.awards import award_snapshot, budget_snapshot, release_budget, take_budget
from grants.services.checks import BudgetLineInput, check_budget_lines, check_dates, check_pence, require_funder, transaction
from shortbreaks import audit
from shortbreaks.errors import FieldError, ValidationFailed
from shortbreaks.money import format_pence
from shortbreaks.permissions import Principal


async def vary_award(
    award: Award,
    *,
    reason: str,
    actor: Principal,
    now: datetime,
    amount_pence: int | None = None,
    planned_start: date | None = None,
    planned_end: date | None = None,
    budget_lines: Sequence[BudgetLineInput] | None = None,
) -> Variation:
    """Change an award's amount, dates or budget: the only way an award changes after it is made.

    A funder approves it by making it. The amount never goes below what is paid or approved,
    an increase comes out of the round's and fund's remaining budget, and if the award has a
    budget its lines must still add up to the amount. Recorded as a ``Variation`` and audited.
    """
    fund = await Fund.get(id=award.fund_id)
    require_funder(actor, fund)
    if not reason.strip():
        raise ValidationFailed.field("reason", "Give the reason for the variation")
    if amount_pence is None and planned_start is None and planned_end is None and budget_lines is None:
        raise ValidationFailed.field("amount_pence", "Change the amount, the dates or the budget")
    if amount_pence is not None:
        check_pence(amount_pence, field="amount_pence")
    async with transaction() as conn:
        current = await Award.filter(id=award.id).using_db(conn).select_for_update().get()
        before = {**award_snapshot(current), "budget_lines": await budget_snapshot(current.id, conn)}
        new_amount = amount_pence if amount_pence is not None else current.amount_pence
        new_start = planned_start or current.planned_start
        new_end = planned_end or current.planned_end
        check_dates(new_start, new_end)
        delta = new_amount - current.amount_pence
        if delta > 0:
            await take_budget(current.round_id, fund.id, delta, conn)
        elif delta < 0:
            await release_budget(current.round_id, fund.id, -delta, conn)
        changed = await (
            Award.filter(id=current.id, paid_pence__lte=new_amount, approved_pence__lte=new_amount)
            .using_db(conn)
            .update(amount_pence=new_amount, planned_start=new_start, planned_end=new_end, updated_at=now)
        )
        if not changed:
            raise BelowCommitted(
                f"The award has {format_pence(current.paid_pence)} paid and {format_pence(current.approved_pence)} approved",
                errors=[FieldError("amount_pence", "Below what is already paid or approved")],
            )
        planned = await Tranche.filter(award_id=current.id).using_db(conn).annotate(total=Sum("amount_pence")).first().values("total")
        if planned and (planned["total"] or 0) > new_amount:
            raise BelowCommitted(
                "The planned tranches add up to more than the new amount: change the tranches first",
                errors=[FieldError("amount_pence", "Below the planned tranches")],
            )
        if budget_lines is not None:
            check_budget_lines(budget_lines, amount_pence=new_amount)
            await BudgetLine.filter(award_id=current.id).using_db(conn).delete()
            for line in budget_lines:
                await BudgetLine.create(
                    award_id=current.id,
                    category=line.category,
                    financial_year=line.financial_year,
                    kind=line.kind,
                    amount_pence=line.amount_pence,
                    using_db=conn,
                )
        lines_total = await (
            BudgetLine.filter(award_id=current.id).using_db(conn).annotate(total=Sum("amount_pence")).first().values("total")
        )
        if lines_total and lines_total["total"] is not None and lines_total["total"] != new_amount:
            raise ValidationFailed.field("budget_lines", "The budget lines must add up to the new award amount exactly: change them too")
        updated = await Award.get(id=current.id, using_db=conn)
        after = {**award_snapshot(updated), "budget_lines": await budget_snapshot(current.id, conn)}
        variation = await Variation.create(
            award_id=current.id, reason=reason, before=before, after=after, approved_by_id=actor.id, approved_at=now, using_db=conn
        )
        await audit.record(
            "grants.award.varied",
            actor=actor.user,
            record_type="award",
            record_id=current.id,
            now=now,
            before=before,
            after={**after, "reason": reason, "variation_id": variation.id},
            using_db=conn,
        )
    return variation
