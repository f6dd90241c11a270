"""Spend returns as the grantee writes them: start one, add and remove lines, submit it."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.functions import Sum

from grants import permissions
from grants.enums import EDITABLE_RETURN_STATUSES, AwardStatus, BudgetCategory, ReturnStatus
from grants.errors import ReturnNotEditable
from grants.models import Award, ExpenditureLine, SpendReturn
from grants.periods import financial_year_of, month_start, quarter_bounds, quarter_of
from grants.services.checks import check_pence, transaction
from shortbreaks import audit
from shortbreaks.errors import NotFound, PermissionDenied, ValidationFailed
from shortbreaks.permissions import Principal


async def _award_for_grantee(award_id: UUID, actor: Principal) -> Award:
    award = await Award.get(id=award_id)
    if not permissions.can_edit_returns(actor, recipient_id=award.recipient_id):
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
    async with transaction() as conn:
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
    award = await _award_for_grantee(spend_return.award_id, actor)
    check_pence(amount_pence, field="amount_pence")
    try:
        category = BudgetCategory(category)
    except ValueError:
        raise ValidationFailed.field("category", "Choose a category from the list") from None
    if not award.planned_start <= spent_on <= award.planned_end:
        raise ValidationFailed.field("spent_on", "The date must be within the award's period")
    if not description.strip():
        raise ValidationFailed.field("description", "Describe what the money was spent on")
    async with transaction() as conn:
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
    """Remove an item of spend from a draft or queried return."""
    spend_return = await SpendReturn.get(id=line.spend_return_id)
    await _award_for_grantee(spend_return.award_id, actor)
    async with transaction() as conn:
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
    await _award_for_grantee(spend_return.award_id, actor)
    async with transaction() as conn:
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


async def return_total_pence(spend_return_id: UUID, *, using_db: BaseDBAsyncClient | None = None) -> int:
    """The return's total of its lines, read on ``using_db`` (a caller's transaction) when given."""
    row = await (
        ExpenditureLine.filter(spend_return_id=spend_return_id)
        .using_db(using_db)
        .annotate(total=Sum("amount_pence"))
        .first()
        .values("total")
    )
    return int((row or {}).get("total") or 0)


async def get_return(return_id: UUID) -> SpendReturn:
    """The return, or ``NotFound`` (no permission check: callers look it up within the principal's scope first)."""
    spend_return = await SpendReturn.get_or_none(id=return_id)
    if spend_return is None:
        raise NotFound()
    return spend_return
