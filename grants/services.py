"""Grants use cases: the only code that changes funds, awards, payments and spend.

Every function owns its transaction, checks its rule inside it with the database doing the
arithmetic (a conditional ``UPDATE … WHERE total + x <= limit`` whose row count says whether it
fitted, backed by CHECK constraints), and writes one audit record per decision. Services take
``actor`` (a :class:`~shortbreaks.permissions.Principal`, checked again here for writes) and
``now``; they never read the clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import F
from tortoise.functions import Sum
from tortoise.transactions import in_transaction

from grants import permissions
from grants.enums import (
    DECIDABLE_RETURN_STATUSES,
    EDITABLE_RETURN_STATUSES,
    AwardStatus,
    BudgetCategory,
    CostKind,
    ReturnStatus,
)
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
from grants.models import Award, AwardService, BudgetLine, ExpenditureLine, Fund, Round, SpendReturn, Tranche, Variation
from grants.periods import financial_year_of, month_start, quarter_bounds, quarter_of
from shortbreaks import audit
from shortbreaks.accounts.models import Organisation
from shortbreaks.errors import FieldError, NotFound, PermissionDenied, ValidationFailed
from shortbreaks.permissions import Principal

MAX_PENCE = 10**13  # £100bn: far above any grant, far below a 64-bit overflow


@dataclass(frozen=True)
class BudgetLineInput:
    category: BudgetCategory
    financial_year: int
    amount_pence: int
    kind: CostKind = CostKind.REVENUE


# --- checks ----------------------------------------------------------------------------------


def check_pence(value: Any, *, field: str, allow_zero: bool = False) -> int:
    """A whole, positive number of pence (``bool`` and fractions refused), or ``ValidationFailed``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationFailed.field(field, "Enter the amount as a whole number of pence")
    if value < 0 or (value == 0 and not allow_zero):
        raise ValidationFailed.field(field, "The amount must be more than zero" if not allow_zero else "The amount cannot be negative")
    if value > MAX_PENCE:
        raise ValidationFailed.field(field, "The amount is too large")
    return value


def check_dates(start: date, end: date, *, field: str = "planned_end") -> None:
    if not start < end:
        raise ValidationFailed.field(field, "The end date must be after the start date")


def _require_funder(actor: Principal, fund: Fund) -> None:
    if not permissions.can_decide(actor, funder_id=fund.funder_id):  # type: ignore[attr-defined]
        raise PermissionDenied("Only the fund's funder can do that")


def _check_budget_lines(lines: Sequence[BudgetLineInput], *, amount_pence: int) -> None:
    seen: set[tuple[BudgetCategory, int]] = set()
    for i, line in enumerate(lines):
        try:
            BudgetCategory(line.category)
            CostKind(line.kind)
        except ValueError:
            raise ValidationFailed.field(f"budget_lines.{i}.category", "Choose a category from the list") from None
        check_pence(line.amount_pence, field=f"budget_lines.{i}.amount_pence", allow_zero=True)
        key = (BudgetCategory(line.category), line.financial_year)
        if key in seen:
            raise ValidationFailed.field(f"budget_lines.{i}", "Each category may appear once a financial year")
        seen.add(key)
    if lines and sum(line.amount_pence for line in lines) != amount_pence:
        raise ValidationFailed.field("budget_lines", "The budget lines must add up to the award amount exactly")


def _award_snapshot(award: Award) -> dict[str, Any]:
    return {
        "amount_pence": award.amount_pence,
        "planned_start": award.planned_start.isoformat(),
        "planned_end": award.planned_end.isoformat(),
        "status": award.status.value,
    }


async def _budget_snapshot(award_id: UUID, conn: BaseDBAsyncClient) -> list[dict[str, Any]]:
    lines = await BudgetLine.filter(award_id=award_id).using_db(conn).order_by("financial_year", "category")
    return [
        {"category": line.category.value, "financial_year": line.financial_year, "kind": line.kind.value, "amount_pence": line.amount_pence}
        for line in lines
    ]


# --- funds and rounds ----------------------------------------------------------------------


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
    async with in_transaction() as conn:
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
    _require_funder(actor, fund)
    check_pence(budget_pence, field="budget_pence")
    check_dates(starts_on, ends_on, field="ends_on")
    async with in_transaction() as conn:
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


# --- awards ------------------------------------------------------------------------------------


async def _take_budget(round_id: UUID, fund_id: UUID, amount: int, conn: BaseDBAsyncClient) -> None:
    """Add ``amount`` to the round's and the fund's awarded totals, or raise ``OverBudget`` (rolls back)."""
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


async def _release_budget(round_id: UUID, fund_id: UUID, amount: int, conn: BaseDBAsyncClient) -> None:
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
    fund = await Fund.get(id=round_.fund_id)  # type: ignore[attr-defined]
    _require_funder(actor, fund)
    check_pence(amount_pence, field="amount_pence")
    check_dates(planned_start, planned_end)
    _check_budget_lines(budget_lines, amount_pence=amount_pence)
    async with in_transaction() as conn:
        await _take_budget(round_.id, fund.id, amount_pence, conn)
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
            after={**_award_snapshot(award), "recipient_id": recipient.id, "round_id": round_.id, "reference": reference},
            using_db=conn,
        )
    return award


async def link_service(award: Award, *, service_id: UUID, actor: Principal, now: datetime) -> AwardService:
    """Record that the award funds a service (a providers service id; no foreign key until that package lands)."""
    fund = await Fund.get(id=award.fund_id)  # type: ignore[attr-defined]
    _require_funder(actor, fund)
    async with in_transaction() as conn:
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
    fund = await Fund.get(id=award.fund_id)  # type: ignore[attr-defined]
    _require_funder(actor, fund)
    async with in_transaction() as conn:
        changed = (
            await Award.filter(id=award.id, status=AwardStatus.ACTIVE).using_db(conn).update(status=AwardStatus.CLOSED, updated_at=now)
        )
        if changed:
            await audit.record("grants.award.closed", actor=actor.user, record_type="award", record_id=award.id, now=now, using_db=conn)
    return await Award.get(id=award.id)


# --- variations --------------------------------------------------------------------------------


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
    fund = await Fund.get(id=award.fund_id)  # type: ignore[attr-defined]
    _require_funder(actor, fund)
    if not reason.strip():
        raise ValidationFailed.field("reason", "Give the reason for the variation")
    if amount_pence is None and planned_start is None and planned_end is None and budget_lines is None:
        raise ValidationFailed.field("amount_pence", "Change the amount, the dates or the budget")
    if amount_pence is not None:
        check_pence(amount_pence, field="amount_pence")
    async with in_transaction() as conn:
        current = await Award.filter(id=award.id).using_db(conn).select_for_update().get()
        before = {**_award_snapshot(current), "budget_lines": await _budget_snapshot(current.id, conn)}
        new_amount = amount_pence if amount_pence is not None else current.amount_pence
        new_start = planned_start or current.planned_start
        new_end = planned_end or current.planned_end
        check_dates(new_start, new_end)
        delta = new_amount - current.amount_pence
        if delta > 0:
            await _take_budget(current.round_id, fund.id, delta, conn)  # type: ignore[attr-defined]
        elif delta < 0:
            await _release_budget(current.round_id, fund.id, -delta, conn)  # type: ignore[attr-defined]
        changed = await (
            Award.filter(id=current.id, paid_pence__lte=new_amount, approved_pence__lte=new_amount)
            .using_db(conn)
            .update(amount_pence=new_amount, planned_start=new_start, planned_end=new_end, updated_at=now)
        )
        if not changed:
            raise BelowCommitted(
                f"The award has £{current.paid_pence / 100:,.2f} paid and £{current.approved_pence / 100:,.2f} approved",
                errors=[FieldError("amount_pence", "Below what is already paid or approved")],
            )
        planned = await Tranche.filter(award_id=current.id).using_db(conn).annotate(total=Sum("amount_pence")).first().values("total")
        if planned and (planned["total"] or 0) > new_amount:
            raise BelowCommitted(
                "The planned tranches add up to more than the new amount: change the tranches first",
                errors=[FieldError("amount_pence", "Below the planned tranches")],
            )
        if budget_lines is not None:
            _check_budget_lines(budget_lines, amount_pence=new_amount)
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
        updated = await Award.get(id=current.id).using_db(conn)
        after = {**_award_snapshot(updated), "budget_lines": await _budget_snapshot(current.id, conn)}
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


# --- tranches --------------------------------------------------------------------------------


async def schedule_tranche(award: Award, *, amount_pence: int, due_on: date, actor: Principal, now: datetime) -> Tranche:
    """Plan a payment. Planned tranches together never pass the award."""
    fund = await Fund.get(id=award.fund_id)  # type: ignore[attr-defined]
    _require_funder(actor, fund)
    check_pence(amount_pence, field="amount_pence")
    async with in_transaction() as conn:
        current = await Award.filter(id=award.id).using_db(conn).select_for_update().get()
        planned = await Tranche.filter(award_id=award.id).using_db(conn).annotate(total=Sum("amount_pence")).first().values("total")
        already = (planned or {}).get("total") or 0
        if already + amount_pence > current.amount_pence:
            raise OverPaid("The planned tranches would add up to more than the award", errors=[FieldError("amount_pence", "Too much")])
        count = await Tranche.filter(award_id=award.id).using_db(conn).count()
        tranche = await Tranche.create(award_id=award.id, number=count + 1, amount_pence=amount_pence, due_on=due_on, using_db=conn)
        await audit.record(
            "grants.tranche.scheduled",
            actor=actor.user,
            record_type="tranche",
            record_id=tranche.id,
            now=now,
            after={"award_id": award.id, "amount_pence": amount_pence, "due_on": due_on.isoformat()},
            using_db=conn,
        )
    return tranche


async def pay_tranche(tranche: Tranche, *, paid_on: date, actor: Principal, now: datetime) -> Tranche:
    """Record a tranche as paid. Payments together never pass the award; a tranche is paid once."""
    award = await Award.get(id=tranche.award_id).select_related("fund")  # type: ignore[attr-defined]
    _require_funder(actor, award.fund)
    async with in_transaction() as conn:
        marked = (
            await Tranche.filter(id=tranche.id, paid_on__isnull=True)
            .using_db(conn)
            .update(paid_on=paid_on, paid_by_id=actor.id, updated_at=now)
        )
        if not marked:
            raise AlreadyPaid()
        fitted = await (
            Award.filter(id=award.id, paid_pence__lte=F("amount_pence") - tranche.amount_pence)
            .using_db(conn)
            .update(paid_pence=F("paid_pence") + tranche.amount_pence)
        )
        if not fitted:
            raise OverPaid()
        await audit.record(
            "grants.tranche.paid",
            actor=actor.user,
            record_type="tranche",
            record_id=tranche.id,
            now=now,
            after={"award_id": award.id, "amount_pence": tranche.amount_pence, "paid_on": paid_on.isoformat()},
            using_db=conn,
        )
    return await Tranche.get(id=tranche.id)


# --- spend returns ---------------------------------------------------------------------------


async def _award_for_grantee(award_id: UUID, actor: Principal) -> Award:
    award = await Award.get(id=award_id)
    if not permissions.can_edit_returns(actor, recipient_id=award.recipient_id):  # type: ignore[attr-defined]
        raise PermissionDenied("Only the grantee can change its spend returns")
    return award


async def create_return(award: Award, *, financial_year: int, quarter: int, actor: Principal, now: datetime) -> SpendReturn:
    """Start a draft return for one quarter of the award's period."""
    award = await _award_for_grantee(award.id, actor)
    if quarter not in (1, 2, 3, 4):
        raise ValidationFailed.field("quarter", "Choose quarter 1, 2, 3 or 4")
    start, end = quarter_bounds(financial_year, quarter)
    if end < award.planned_start or start > award.planned_end:
        raise ValidationFailed.field("financial_year", "The quarter is outside the award's period")
    if award.status is not AwardStatus.ACTIVE:
        raise ReturnNotEditable("The award is closed")
    async with in_transaction() as conn:
        if await SpendReturn.filter(award_id=award.id, financial_year=financial_year, quarter=quarter).using_db(conn).exists():
            raise ValidationFailed.field("quarter", "There is already a return for that quarter")
        spend_return = await SpendReturn.create(
            award_id=award.id, financial_year=financial_year, quarter=quarter, created_by_id=actor.id, using_db=conn
        )
        await audit.record(
            "grants.return.created",
            actor=actor.user,
            record_type="spend_return",
            record_id=spend_return.id,
            now=now,
            after={"award_id": award.id, "financial_year": financial_year, "quarter": quarter},
            using_db=conn,
        )
    return spend_return


async def add_expenditure_line(
    spend_return: SpendReturn,
    *,
    spent_on: date,
    amount_pence: int,
    category: BudgetCategory | str,
    description: str,
    actor: Principal,
    now: datetime,
    evidence_reference: str = "",
) -> ExpenditureLine:
    """Add an item of spend to a draft or queried return. Dated within the award's period, in a known category."""
    award = await _award_for_grantee(spend_return.award_id, actor)  # type: ignore[attr-defined]
    check_pence(amount_pence, field="amount_pence")
    try:
        category = BudgetCategory(category)
    except ValueError:
        raise ValidationFailed.field("category", "Choose a category from the list") from None
    if not award.planned_start <= spent_on <= award.planned_end:
        raise ValidationFailed.field("spent_on", "The date must be within the award's period")
    if not description.strip():
        raise ValidationFailed.field("description", "Describe what the money was spent on")
    async with in_transaction() as conn:
        editable = await (
            SpendReturn.filter(id=spend_return.id, status__in=list(EDITABLE_RETURN_STATUSES)).using_db(conn).update(updated_at=now)
        )
        if not editable:
            raise ReturnNotEditable()
        line = await ExpenditureLine.create(
            spend_return_id=spend_return.id,
            spent_on=spent_on,
            amount_pence=amount_pence,
            category=category,
            description=description.strip(),
            evidence_reference=evidence_reference.strip(),
            financial_year=financial_year_of(spent_on),
            quarter=quarter_of(spent_on),
            spent_month=month_start(spent_on),
            using_db=conn,
        )
        await audit.record(
            "grants.return.line_added",
            actor=actor.user,
            record_type="spend_return",
            record_id=spend_return.id,
            now=now,
            after={"line_id": line.id, "amount_pence": amount_pence, "category": category, "spent_on": spent_on.isoformat()},
            using_db=conn,
        )
    return line


async def remove_expenditure_line(line: ExpenditureLine, *, actor: Principal, now: datetime) -> None:
    spend_return = await SpendReturn.get(id=line.spend_return_id)  # type: ignore[attr-defined]
    await _award_for_grantee(spend_return.award_id, actor)  # type: ignore[attr-defined]
    async with in_transaction() as conn:
        editable = await (
            SpendReturn.filter(id=spend_return.id, status__in=list(EDITABLE_RETURN_STATUSES)).using_db(conn).update(updated_at=now)
        )
        if not editable:
            raise ReturnNotEditable()
        await ExpenditureLine.filter(id=line.id).using_db(conn).delete()
        await audit.record(
            "grants.return.line_removed",
            actor=actor.user,
            record_type="spend_return",
            record_id=spend_return.id,
            now=now,
            before={"line_id": line.id, "amount_pence": line.amount_pence, "category": line.category},
            using_db=conn,
        )


async def submit_return(spend_return: SpendReturn, *, actor: Principal, now: datetime) -> SpendReturn:
    """Send a draft (submitted) or a queried return (resubmitted) to the funder."""
    await _award_for_grantee(spend_return.award_id, actor)  # type: ignore[attr-defined]
    async with in_transaction() as conn:
        for source, target in ((ReturnStatus.DRAFT, ReturnStatus.SUBMITTED), (ReturnStatus.QUERIED, ReturnStatus.RESUBMITTED)):
            changed = await (
                SpendReturn.filter(id=spend_return.id, status=source)
                .using_db(conn)
                .update(status=target, submitted_at=now, submitted_by_id=actor.id, updated_at=now)
            )
            if changed:
                break
        else:
            raise ReturnNotEditable("Only a draft or queried return can be submitted")
        await audit.record(
            "grants.return.submitted",
            actor=actor.user,
            record_type="spend_return",
            record_id=spend_return.id,
            now=now,
            before={"status": source},
            after={"status": target},
            using_db=conn,
        )
    return await SpendReturn.get(id=spend_return.id)


async def _decidable(spend_return: SpendReturn, actor: Principal) -> tuple[SpendReturn, Award]:
    current = await SpendReturn.get(id=spend_return.id)
    award = await Award.get(id=current.award_id).select_related("fund")  # type: ignore[attr-defined]
    if not permissions.can_decide(actor, funder_id=award.fund.funder_id):  # type: ignore[attr-defined]
        raise PermissionDenied("Only the fund's funder can decide spend returns")
    if actor.id in (current.created_by_id, current.submitted_by_id) or permissions.is_grantee_of(actor, award.recipient_id):  # type: ignore[attr-defined]
        raise OwnReturn()
    return current, award


async def _decide(
    spend_return: SpendReturn, *, to: ReturnStatus, actor: Principal, now: datetime, reason: str, conn: BaseDBAsyncClient
) -> None:
    changed = await (
        SpendReturn.filter(id=spend_return.id, status__in=list(DECIDABLE_RETURN_STATUSES))
        .using_db(conn)
        .update(status=to, decided_at=now, decided_by_id=actor.id, decision_reason=reason, updated_at=now)
    )
    if not changed:
        raise AlreadyDecided()


async def return_total_pence(spend_return_id: UUID, *, using_db: BaseDBAsyncClient | None = None) -> int:
    row = await (
        ExpenditureLine.filter(spend_return_id=spend_return_id)
        .using_db(using_db)
        .annotate(total=Sum("amount_pence"))
        .first()
        .values("total")
    )
    return int((row or {}).get("total") or 0)


@dataclass(frozen=True)
class LineExcess:
    category: BudgetCategory
    financial_year: int
    budget_pence: int
    approved_pence: int
    allowed_pence: int


async def _line_excesses(award: Award, spend_return_id: UUID, tolerance_percent: int, conn: BaseDBAsyncClient) -> list[LineExcess]:
    """Budget lines this return touches whose approved spend (this return included) passes budget + tolerance."""
    touched = await (
        ExpenditureLine.filter(spend_return_id=spend_return_id).using_db(conn).distinct().values_list("category", "financial_year")
    )
    if not touched:
        return []
    approved = await (
        ExpenditureLine.filter(spend_return__award_id=award.id, spend_return__status=ReturnStatus.APPROVED)
        .using_db(conn)
        .annotate(total=Sum("amount_pence"))
        .group_by("category", "financial_year")
        .values("category", "financial_year", "total")
    )
    approved_by_key = {(BudgetCategory(r["category"]), r["financial_year"]): int(r["total"]) for r in approved}
    budgets = {
        (line.category, line.financial_year): line.amount_pence for line in await BudgetLine.filter(award_id=award.id).using_db(conn)
    }
    excesses = []
    for category, year in sorted({(BudgetCategory(c), y) for c, y in touched}):
        budget = budgets.get((category, year), 0)
        spent = approved_by_key.get((category, year), 0)
        # spent > budget × (100 + tolerance) / 100, in integers.
        if spent * 100 > budget * (100 + tolerance_percent):
            allowed = budget * (100 + tolerance_percent) // 100
            excesses.append(LineExcess(category, year, budget, spent, allowed))
    return excesses


async def approve_return(
    spend_return: SpendReturn, *, actor: Principal, now: datetime, reason: str = "", approve_over_budget: bool = False
) -> SpendReturn:
    """Approve a submitted return: its spend counts towards the award.

    Refused (and nothing changes) if approved spend would pass the award, or a budget line
    by more than the fund's tolerance unless ``approve_over_budget`` is set with a reason,
    which is recorded on the return and in the audit log.
    """
    current, award = await _decidable(spend_return, actor)
    if approve_over_budget and not reason.strip():
        raise ValidationFailed.field("reason", "Give the reason for approving spend over the budget")
    async with in_transaction() as conn:
        await _decide(current, to=ReturnStatus.APPROVED, actor=actor, now=now, reason=reason, conn=conn)
        total = await return_total_pence(current.id, using_db=conn)
        fitted = await (
            Award.filter(id=award.id, approved_pence__lte=F("amount_pence") - total)
            .using_db(conn)
            .update(approved_pence=F("approved_pence") + total)
        )
        if not fitted:
            raise SpendOverAward()
        excesses = await _line_excesses(award, current.id, award.fund.line_tolerance_percent, conn)
        if excesses and not approve_over_budget:
            raise OverBudgetLine(
                errors=[
                    FieldError(
                        f"budget.{e.category.value}.{e.financial_year}",
                        f"{e.category.label} {e.financial_year}: approved spend would be {e.approved_pence} pence "
                        f"against a budget of {e.budget_pence} (up to {e.allowed_pence} allowed)",
                    )
                    for e in excesses
                ]
            )
        if excesses:
            await SpendReturn.filter(id=current.id).using_db(conn).update(over_budget_approved=True)
        await audit.record(
            "grants.return.approved_over_budget" if excesses else "grants.return.approved",
            actor=actor.user,
            record_type="spend_return",
            record_id=current.id,
            now=now,
            before={"status": current.status},
            after={
                "status": ReturnStatus.APPROVED,
                "total_pence": total,
                "reason": reason,
                "over_budget_lines": [
                    {
                        "category": e.category,
                        "financial_year": e.financial_year,
                        "budget_pence": e.budget_pence,
                        "approved_pence": e.approved_pence,
                    }
                    for e in excesses
                ],
            },
            using_db=conn,
        )
    return await SpendReturn.get(id=current.id)


async def reject_return(spend_return: SpendReturn, *, reason: str, actor: Principal, now: datetime) -> SpendReturn:
    """Refuse a submitted return, with the reason. Final."""
    return await _decide_without_spend(spend_return, to=ReturnStatus.REJECTED, reason=reason, actor=actor, now=now)


async def query_return(spend_return: SpendReturn, *, reason: str, actor: Principal, now: datetime) -> SpendReturn:
    """Send a submitted return back to the grantee with a question; it can be changed and resubmitted."""
    return await _decide_without_spend(spend_return, to=ReturnStatus.QUERIED, reason=reason, actor=actor, now=now)


async def _decide_without_spend(
    spend_return: SpendReturn, *, to: ReturnStatus, reason: str, actor: Principal, now: datetime
) -> SpendReturn:
    if not reason.strip():
        raise ValidationFailed.field("reason", "Give the reason")
    current, _award = await _decidable(spend_return, actor)
    async with in_transaction() as conn:
        await _decide(current, to=to, actor=actor, now=now, reason=reason.strip(), conn=conn)
        await audit.record(
            f"grants.return.{to.value}",
            actor=actor.user,
            record_type="spend_return",
            record_id=current.id,
            now=now,
            before={"status": current.status},
            after={"status": to, "reason": reason.strip()},
            using_db=conn,
        )
    return await SpendReturn.get(id=current.id)


async def get_return(return_id: UUID) -> SpendReturn:
    spend_return = await SpendReturn.get_or_none(id=return_id)
    if spend_return is None:
        raise NotFound()
    return spend_return
