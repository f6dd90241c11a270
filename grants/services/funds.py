"""Funds and rounds: opening a fund, and adding rounds whose budgets never pass its total."""

from __future__ import annotations

from datetime import date, datetime

from tortoise.expressions import F

from grants import permissions
from grants.errors import OverBudget
from grants.models import Fund, Round
from grants.services.checks import check_dates, check_pence, require_funder, transaction
from shortbreaks import audit
from shortbreaks.accounts.models import Organisation
from shortbreaks.errors import FieldError, PermissionDenied, ValidationFailed
from shortbreaks.permissions import Principal


async def create_fund(
    *,
    name: str,
    funder: Organisation,
    total_pence: int,
    starts_on: date,
    ends_on: date,
    grant_id_prefix: str,
    actor: Principal,
    now: datetime,
    line_tolerance_percent: int = 10,
    disclosure_threshold: int = 5,
) -> Fund:
    """Open a fund. Only a funder member of ``funder`` may."""
    if not permissions.is_funder_of(actor, funder.id):
        raise PermissionDenied("Only a member of the funding organisation can open a fund")
    check_pence(total_pence, field="total_pence")
    check_dates(starts_on, ends_on, field="ends_on")
    if line_tolerance_percent < 0:
        raise ValidationFailed.field("line_tolerance_percent", "The tolerance cannot be negative")
    if disclosure_threshold < 1:
        raise ValidationFailed.field("disclosure_threshold", "The threshold must be 1 or more")
    async with transaction() as conn:
        fund = await Fund.create(
            name=name,
            funder=funder,
            total_pence=total_pence,
            starts_on=starts_on,
            ends_on=ends_on,
            grant_id_prefix=grant_id_prefix,
            line_tolerance_percent=line_tolerance_percent,
            disclosure_threshold=disclosure_threshold,
            using_db=conn,
        )
        await audit.record(
            "grants.fund.created",
            actor=actor.user,
            record_type="fund",
            record_id=fund.id,
            now=now,
            after={"name": name, "total_pence": total_pence, "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat()},
            using_db=conn,
        )
    return fund


async def create_round(
    fund: Fund, *, name: str, code: str, budget_pence: int, starts_on: date, ends_on: date, actor: Principal, now: datetime
) -> Round:
    """Add a round with its own budget; the rounds' budgets together never pass the fund's total."""
    require_funder(actor, fund)
    check_pence(budget_pence, field="budget_pence")
    check_dates(starts_on, ends_on, field="ends_on")
    async with transaction() as conn:
        fitted = await (
            Fund.filter(id=fund.id, allocated_pence__lte=F("total_pence") - budget_pence)
            .using_db(conn)
            .update(allocated_pence=F("allocated_pence") + budget_pence)
        )
        if not fitted:
            raise OverBudget("The rounds' budgets would add up to more than the fund", errors=[FieldError("budget_pence", "Too much")])
        round_ = await Round.create(
            fund=fund, name=name, code=code, budget_pence=budget_pence, starts_on=starts_on, ends_on=ends_on, using_db=conn
        )
        await audit.record(
            "grants.round.created",
            actor=actor.user,
            record_type="round",
            record_id=round_.id,
            now=now,
            after={"fund_id": fund.id, "name": name, "budget_pence": budget_pence},
            using_db=conn,
        )
    return round_
