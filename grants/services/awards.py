"""Awards: making one out of a round's budget, linking the services it funds, closing it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import F

from grants.enums import AwardStatus
from grants.errors import OverBudget
from grants.models import Award, AwardService, BudgetLine, Fund, Round
from grants.services.checks import BudgetLineInput, check_budget_lines, check_dates, check_pence, require_funder, transaction
from shortbreaks import audit
from shortbreaks.accounts.models import Organisation
from shortbreaks.errors import FieldError
from shortbreaks.permissions import Principal


def award_snapshot(award: Award) -> dict[str, Any]:
    """The award's amount, dates and status as the audit record and a variation store them."""
    return {
        "amount_pence": award.amount_pence,
        "planned_start": award.planned_start.isoformat(),
        "planned_end": award.planned_end.isoformat(),
        "status": award.status.value,
    }


async def budget_snapshot(award_id: UUID, conn: BaseDBAsyncClient) -> list[dict[str, Any]]:
    """The award's budget lines, read on ``conn``: the caller's transaction, so a variation sees its own changes."""
    lines = await BudgetLine.filter(award_id=award_id).using_db(conn).order_by("financial_year", "category")
    return [
        {"category": line.category.value, "financial_year": line.financial_year, "kind": line.kind.value, "amount_pence": line.amount_pence}
        for line in lines
    ]


async def take_budget(round_id: UUID, fund_id: UUID, amount: int, conn: BaseDBAsyncClient) -> None:
    """Add ``amount`` to the round's and the fund's awarded totals, or raise ``OverBudget``.

    Runs on ``conn``, the caller's transaction, which the raised error rolls back.
    """
    in_round = await (
        Round.filter(id=round_id, awarded_pence__lte=F("budget_pence") - amount)
        .using_db(conn)
        .update(awarded_pence=F("awarded_pence") + amount)
    )
    if not in_round:
        raise OverBudget(
            "That is more than the round's remaining budget", errors=[FieldError("amount_pence", "More than the round has left")]
        )
    in_fund = await (
        Fund.filter(id=fund_id, awarded_pence__lte=F("total_pence") - amount)
        .using_db(conn)
        .update(awarded_pence=F("awarded_pence") + amount)
    )
    if not in_fund:
        raise OverBudget(
            "That is more than the fund's remaining budget", errors=[FieldError("amount_pence", "More than the fund has left")]
        )


async def release_budget(round_id: UUID, fund_id: UUID, amount: int, conn: BaseDBAsyncClient) -> None:
    """Give ``amount`` back to the round's and the fund's remaining budget, on ``conn`` (the caller's transaction)."""
    await Round.filter(id=round_id).using_db(conn).update(awarded_pence=F("awarded_pence") - amount)
    await Fund.filter(id=fund_id).using_db(conn).update(awarded_pence=F("awarded_pence") - amount)


async def create_award(
    round_: Round,
    *,
    recipient: Organisation,
    local_authority: Organisation,
    reference: str,
    title: str,
    description: str,
    amount_pence: int,
    awarded_on: date,
    planned_start: date,
    planned_end: date,
    actor: Principal,
    now: datetime,
    region: str | None = None,
    budget_lines: Sequence[BudgetLineInput] = (),
) -> Award:
    """Award a grant from a round. Never more than the round's or the fund's remaining budget."""
    fund = await Fund.get(id=round_.fund_id)
    require_funder(actor, fund)
    check_pence(amount_pence, field="amount_pence")
    check_dates(planned_start, planned_end)
    check_budget_lines(budget_lines, amount_pence=amount_pence)
    async with transaction() as conn:
        await take_budget(round_.id, fund.id, amount_pence, conn)
        award = await Award.create(
            fund=fund,
            round_id=round_.id,
            recipient=recipient,
            local_authority=local_authority,
            reference=reference,
            title=title,
            description=description,
            amount_pence=amount_pence,
            awarded_on=awarded_on,
            planned_start=planned_start,
            planned_end=planned_end,
            region=region if region is not None else local_authority.region,
            using_db=conn,
        )
        for line in budget_lines:
            await BudgetLine.create(
                award=award,
                category=line.category,
                financial_year=line.financial_year,
                kind=line.kind,
                amount_pence=line.amount_pence,
                using_db=conn,
            )
        await audit.record(
            "grants.award.created",
            actor=actor.user,
            record_type="award",
            record_id=award.id,
            now=now,
            after={**award_snapshot(award), "recipient_id": recipient.id, "round_id": round_.id, "reference": reference},
            using_db=conn,
        )
    return award


async def link_service(award: Award, *, service_id: UUID, actor: Principal, now: datetime) -> AwardService:
    """Record that the award funds a service (a providers service id; no foreign key until that package lands)."""
    fund = await Fund.get(id=award.fund_id)
    require_funder(actor, fund)
    async with transaction() as conn:
        link = await AwardService.filter(award_id=award.id, service_id=service_id).using_db(conn).first()
        if link is None:
            link = await AwardService.create(award_id=award.id, service_id=service_id, using_db=conn)
            await audit.record(
                "grants.award.service_linked",
                actor=actor.user,
                record_type="award",
                record_id=award.id,
                now=now,
                after={"service_id": service_id},
                using_db=conn,
            )
    return link


async def close_award(award: Award, *, actor: Principal, now: datetime) -> Award:
    """Close an active award (no new returns); closing a closed award changes nothing."""
    fund = await Fund.get(id=award.fund_id)
    require_funder(actor, fund)
    async with transaction() as conn:
        changed = (
            await Award.filter(id=award.id, status=AwardStatus.ACTIVE).using_db(conn).update(status=AwardStatus.CLOSED, updated_at=now)
        )
        if changed:
            await audit.record("grants.award.closed", actor=actor.user, record_type="award", record_id=award.id, now=now, using_db=conn)
    return await Award.get(id=award.id)
