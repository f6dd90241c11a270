"""Turn grants records into the API's output shapes (shared by the API and the pages)."""

from __future__ import annotations

from uuid import UUID

from grants import queries, services
from grants.models import Award, Tranche
from grants.schemas import AwardOut, BudgetLineOut, ExpenditureLineOut, SpendReturnOut, TrancheOut


async def award_out(award: Award) -> AwardOut:
    """The award with its budget lines and tranches (``award`` loaded with its fund)."""
    fund = award.fund
    lines = await award.budget_lines.all().order_by("financial_year", "category")
    tranches = await Tranche.filter(award_id=award.id).order_by("number")
    return AwardOut(
        id=award.id,
        grant_id=queries.grant_id(award, fund),
        reference=award.reference,
        title=award.title,
        description=award.description,
        amount_pence=award.amount_pence,
        paid_pence=award.paid_pence,
        approved_pence=award.approved_pence,
        awarded_on=award.awarded_on,
        planned_start=award.planned_start,
        planned_end=award.planned_end,
        region=award.region,
        status=award.status,
        recipient_id=award.recipient_id,
        local_authority_id=award.local_authority_id,
        budget_lines=[
            BudgetLineOut(category=x.category, financial_year=x.financial_year, kind=x.kind, amount_pence=x.amount_pence) for x in lines
        ],
        tranches=[TrancheOut(id=t.id, number=t.number, amount_pence=t.amount_pence, due_on=t.due_on, paid_on=t.paid_on) for t in tranches],
    )


async def return_out(return_id: UUID) -> SpendReturnOut:
    """The return with its lines and their total (``return_id`` already looked up within the caller's scope)."""
    r = await services.get_return(return_id)
    lines = await queries.list_lines(r.id)
    return SpendReturnOut(
        id=r.id,
        award_id=r.award_id,
        financial_year=r.financial_year,
        quarter=r.quarter,
        status=r.status,
        total_pence=sum(line.amount_pence for line in lines),
        submitted_at=r.submitted_at,
        decided_at=r.decided_at,
        decision_reason=r.decision_reason,
        over_budget_approved=r.over_budget_approved,
        lines=[
            ExpenditureLineOut(
                id=x.id,
                spent_on=x.spent_on,
                amount_pence=x.amount_pence,
                category=x.category,
                description=x.description,
                evidence_reference=x.evidence_reference,
            )
            for x in lines
        ],
    )
