"""Records a principal may see: funds, awards, returns and tranches looked up within its scope (others are 404)."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from tortoise.functions import Sum

from grants import permissions
from grants.enums import ReturnStatus
from grants.models import Award, ExpenditureLine, Fund, SpendReturn, Tranche
from shortbreaks.errors import NotFound
from shortbreaks.permissions import Principal


async def list_funds(principal: Principal) -> list[Fund]:
    ids = await Fund.filter(permissions.fund_scope(principal)).distinct().order_by("id").values_list("id", flat=True)
    return await Fund.filter(id__in=list(ids)).select_related("funder").order_by("name")


async def get_fund(principal: Principal, fund_id: UUID) -> Fund:
    fund = await Fund.filter(permissions.fund_scope(principal), id=fund_id).select_related("funder").first()
    if fund is None:
        raise NotFound()
    return fund


async def get_award(principal: Principal, award_id: UUID) -> Award:
    award = (
        await Award.filter(permissions.award_scope(principal), id=award_id)
        .select_related("fund", "round", "recipient", "local_authority")
        .first()
    )
    if award is None:
        raise NotFound()
    return award


async def get_return(principal: Principal, return_id: UUID) -> SpendReturn:
    spend_return = (
        await SpendReturn.filter(permissions.award_scope(principal, prefix="award__"), id=return_id)
        .select_related("award", "award__fund", "award__recipient")
        .first()
    )
    if spend_return is None:
        raise NotFound()
    return spend_return


async def get_tranche(principal: Principal, tranche_id: UUID) -> Tranche:
    tranche = await Tranche.filter(permissions.award_scope(principal, prefix="award__"), id=tranche_id).first()
    if tranche is None:
        raise NotFound()
    return tranche


async def return_totals(return_ids: Iterable[UUID]) -> dict[UUID, int]:
    """Each return's total of its lines, in one query."""
    ids = list(return_ids)
    if not ids:
        return {}
    rows = (
        await ExpenditureLine.filter(spend_return_id__in=ids)
        .annotate(total=Sum("amount_pence"))
        .group_by("spend_return_id")
        .values("spend_return_id", "total")
    )
    totals = {UUID(str(r["spend_return_id"])): int(r["total"] or 0) for r in rows}
    return {i: totals.get(i, 0) for i in ids}


async def list_returns(award_id: UUID) -> list[SpendReturn]:
    return await SpendReturn.filter(award_id=award_id).order_by("financial_year", "quarter")


async def list_lines(return_id: UUID) -> list[ExpenditureLine]:
    return await ExpenditureLine.filter(spend_return_id=return_id).order_by("spent_on", "id")


async def list_awaiting_decision(principal: Principal, fund_id: UUID) -> list[SpendReturn]:
    return (
        await SpendReturn.filter(
            permissions.award_scope(principal, prefix="award__"),
            award__fund_id=fund_id,
            status__in=[ReturnStatus.SUBMITTED, ReturnStatus.RESUBMITTED],
        )
        .select_related("award", "award__recipient")
        .order_by("submitted_at")
    )


def grant_id(award: Award, fund: Fund) -> str:
    """The 360Giving grant identifier: the fund's prefix and the award reference."""
    return f"{fund.grant_id_prefix}-{award.reference}"
