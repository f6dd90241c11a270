"""The funder's decision on a submitted return: approve (within the award and its budget lines), reject or query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import F
from tortoise.functions import Sum

from grants import permissions
from grants.enums import DECIDABLE_RETURN_STATUSES, BudgetCategory, ReturnStatus
from grants.errors import AlreadyDecided, OverBudgetLine, OwnReturn, SpendOverAward
from grants.models import Award, BudgetLine, ExpenditureLine, SpendReturn
from grants.services.checks import transaction
from grants.services.returns import return_total_pence
from shortbreaks import audit
from shortbreaks.errors import FieldError, PermissionDenied, ValidationFailed
from shortbreaks.permissions import Principal


async def _decidable(spend_return: SpendReturn, actor: Principal) -> tuple[SpendReturn, Award]:
    current = await SpendReturn.get(id=spend_return.id)
    award = await Award.get(id=current.award_id).select_related("fund")
    if not permissions.can_decide(actor, funder_id=award.fund.funder_id):
        raise PermissionDenied("Only the fund's funder can decide spend returns")
    if actor.id in (current.created_by_id, current.submitted_by_id) or permissions.is_grantee_of(actor, award.recipient_id):
        raise OwnReturn()
    return current, award


async def _decide(
    spend_return: SpendReturn, *, to: ReturnStatus, actor: Principal, now: datetime, reason: str, conn: BaseDBAsyncClient
) -> None:
    """Move a submitted return to ``to`` on ``conn`` (the caller's transaction), or ``AlreadyDecided``."""
    changed = await (
        SpendReturn.filter(id=spend_return.id, status__in=list(DECIDABLE_RETURN_STATUSES))
        .using_db(conn)
        .update(status=to, decided_at=now, decided_by_id=actor.id, decision_reason=reason, updated_at=now)
    )
    if not changed:
        raise AlreadyDecided()


@dataclass(frozen=True)
class LineExcess:
    """A budget line whose approved spend would pass its budget plus the fund's tolerance."""

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
    async with transaction() as conn:
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
    async with transaction() as conn:
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
