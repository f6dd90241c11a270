"""Rows for the exports: every award for 360Giving, tranches, and approved spend lines in keyset batches."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from tortoise.expressions import Q

from grants.enums import ReturnStatus
from grants.models import Award, ExpenditureLine, Fund, Tranche
from grants.queries.filters import award_filter, line_filter
from grants.queries.report import as_date
from grants.schemas import GrantRecord, ReportQuery
from shortbreaks.permissions import Principal

AWARD = "spend_return__award__"


async def grant_records(fund: Fund) -> list[GrantRecord]:
    """Every award of a fund as the 360Giving export needs it: organisations only, no personal data."""
    rows = await (
        Award.filter(fund_id=fund.id)
        .order_by("reference")
        .values(
            "reference",
            "title",
            "description",
            "amount_pence",
            "awarded_on",
            "planned_start",
            "planned_end",
            "region",
            "updated_at",
            "recipient__name",
            "recipient__identifier",
            "local_authority__name",
            "local_authority__identifier",
            "round__code",
            "round__name",
        )
    )
    return [
        GrantRecord(
            grant_id=f"{fund.grant_id_prefix}-{r['reference']}",
            title=r["title"],
            description=r["description"],
            currency=fund.currency,
            amount_pence=r["amount_pence"],
            awarded_on=as_date(r["awarded_on"]),
            planned_start=as_date(r["planned_start"]),
            planned_end=as_date(r["planned_end"]),
            recipient_name=r["recipient__name"],
            recipient_identifier=r["recipient__identifier"],
            funder_name=fund.funder.name,
            funder_identifier=fund.funder.identifier,
            local_authority_name=r["local_authority__name"],
            local_authority_identifier=r["local_authority__identifier"],
            region=r["region"],
            programme_code=r["round__code"],
            programme_title=f"{fund.name}: {r['round__name']}",
            modified_at=r["updated_at"],
        )
        for r in rows
    ]


async def tranche_rows(fund: Fund, query: ReportQuery, principal: Principal) -> list[dict[str, Any]]:
    return await (
        Tranche.filter(award_filter(fund, query, principal, prefix="award__"))
        .order_by("award__reference", "number")
        .values("award__reference", "number", "amount_pence", "due_on", "paid_on")
    )


async def approved_line_batches(
    fund: Fund, query: ReportQuery, principal: Principal, *, batch_size: int = 5000
) -> AsyncIterator[list[dict[str, Any]]]:
    """Approved expenditure lines in id order, ``batch_size`` at a time (keyset paging, no OFFSET)."""
    base = ExpenditureLine.filter(
        award_filter(fund, query, principal, prefix=AWARD), Q(**line_filter(query)), spend_return__status=ReturnStatus.APPROVED
    )
    after = 0
    while True:
        batch = await (
            base.filter(id__gt=after)
            .order_by("id")
            .limit(batch_size)
            .values(
                "id",
                "spend_return__award__reference",
                "financial_year",
                "quarter",
                "spent_on",
                "category",
                "amount_pence",
                "description",
                "evidence_reference",
            )
        )
        if not batch:
            return
        yield batch
        after = batch[-1]["id"]
        if len(batch) < batch_size:
            return
