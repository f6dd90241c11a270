"""The fund report: everything the dashboard, the report API and the CSVs show about a fund, filtered.

:func:`fund_report` reads a handful of grouped rows (:func:`_read_rows`) and adds them up in
named steps: spend by status, month and budget line (:func:`_spend`), budget against actual
(:func:`_budget_lines`), the monthly burn and forecast (:func:`_monthly`, :func:`_forecast`),
spend by region (:func:`_by_region`) and the outcomes (:func:`_outcomes`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from pydantic import TypeAdapter
from tortoise.expressions import Q
from tortoise.functions import Sum

from grants import calculations, permissions
from grants.enums import PENDING_RETURN_STATUSES, BudgetCategory, CostKind, ReturnStatus
from grants.models import Award, AwardService, BudgetLine, Fund, SpendMonth, Tranche, category_column
from grants.periods import financial_year_label
from grants.queries.filters import award_filter, date_range, paid_window, period_filter
from grants.queries.outcomes import hours, outcomes_table, respite_by_month, respite_delivered
from grants.schemas import (
    AwardSummary,
    BudgetLineReport,
    BudgetTotals,
    ForecastOut,
    FundOut,
    FundReport,
    MonthReport,
    OutcomesReport,
    RegionReport,
    ReportQuery,
    RespiteMonth,
)
from shortbreaks import disclosure, sql
from shortbreaks.permissions import Principal


async def fund_report(fund: Fund, query: ReportQuery, principal: Principal, *, as_of: date) -> FundReport:
    """Everything the dashboard, the report API and the CSVs show about a fund, filtered.

    Six queries, independent of each other, run concurrently (:func:`_read_rows`); everything
    else (awarded, by region, by category and year, the monthly burn) is added up in Python
    from those few grouped rows, so the report never scans the expenditure lines and reads the
    fund's spend twice at most.
    """
    rows = await _read_rows(fund, query, principal)
    awards = rows.awards
    # Awarded: the awards' amounts, or their budget lines when narrowed to a category or year.
    narrowed = query.category is not None or query.financial_year is not None
    awarded = sum(int(r["total"] or 0) for r in rows.budget) if narrowed else sum(a.amount_pence for a in awards)
    spend = _spend(rows.months, _categories(query))
    approved = spend.by_status.get(ReturnStatus.APPROVED, 0)
    pending = sum(spend.by_status.get(s, 0) for s in PENDING_RETURN_STATUSES)
    budget_lines = _budget_lines(rows.budget, spend.by_line)
    budget_total = sum(line.budget_pence for line in budget_lines)
    approved_in_lines = sum(line.approved_pence for line in budget_lines)
    # The whole fund is the plan only for someone who sees all of it, unfiltered; a grantee's (or an
    # officer's) plan and share spent are their own awards', never their spend against the whole fund.
    whole_fund = permissions.sees_whole_fund(principal, fund.funder_id) and not query.is_filtered
    plan_total = fund.total_pence if whole_fund else awarded
    approved_by_award = _approved_by_award(rows.approved_by_award)
    spend_months = _spend_months_by_award(rows.approved_by_award)
    outcomes, monthly_respite = await _outcomes(fund, query, awards, approved_by_award, spend_months, rows.links)
    return FundReport(
        fund=fund_out(fund),
        filters=query,
        as_of=as_of,
        awarded_pence=awarded,
        paid_pence=rows.paid,
        approved_pence=approved,
        pending_pence=pending,
        remaining_pence=awarded - approved,
        whole_fund=whole_fund,
        percent_of_fund_spent=disclosure.percent(approved, fund.total_pence),
        percent_of_awarded_spent=disclosure.percent(approved, awarded),
        budget_lines=budget_lines,
        budget_totals=BudgetTotals(
            budget_pence=budget_total, approved_pence=approved_in_lines, variance_pence=budget_total - approved_in_lines
        ),
        monthly=_monthly(spend.by_month, plan_total, fund),
        forecast=_forecast(fund, spent=approved, plan_total=plan_total, as_of=as_of),
        by_region=_by_region(awards, approved_by_award),
        awards=awards,
        outcomes=outcomes,
        respite_by_month=[
            RespiteMonth(month=m, respite_minutes=minutes, respite_hours=hours(minutes)) for m, minutes in sorted(monthly_respite.items())
        ],
    )


# --- step 1: the grouped rows ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Rows:
    """What the report reads: each a handful of grouped rows, never the expenditure lines."""

    paid: int | None
    budget: list[dict[str, Any]]
    months: list[dict[str, Any]]
    approved_by_award: list[dict[str, Any]]
    awards: list[AwardSummary]
    links: list[tuple[UUID, UUID]]


def _categories(query: ReportQuery) -> list[BudgetCategory]:
    """Spend in one category is that category's column of ``grants_spendmonth``; otherwise every column."""
    return [BudgetCategory(query.category)] if query.category is not None else list(BudgetCategory)


async def _read_rows(fund: Fund, query: ReportQuery, principal: Principal) -> _Rows:
    """The six reads, concurrently (each on its own pooled connection on PostgreSQL).

    The awards, their budget lines by category and year, tranches paid, the services linked to
    them, and two over ``grants_spendmonth`` (a row per return and month with a column per
    category and the return's award and status, kept equal to the lines by triggers, so only
    the awards are joined): spend by status, year and month, and approved spend by award.
    """
    awards_q = award_filter(fund, query, principal)
    months_q = Q(award_filter(fund, query, principal, prefix="award__"), Q(**period_filter(query)))
    budget_q = award_filter(fund, query, principal, prefix="award__")
    budget_conditions: dict[str, Any] = {}
    if query.category is not None:
        budget_conditions["category"] = query.category
    if query.financial_year is not None:
        budget_conditions["financial_year"] = query.financial_year
    sums = {category.value: Sum(category_column(category)) for category in _categories(query)}
    # Paid: tranches are not split by category, so there is no paid figure for one category.
    paid: Coroutine[Any, Any, int | None] = (
        _sum(Tranche.filter(budget_q, paid_window(fund, query), paid_on__isnull=False), group_by="award__fund_id")
        if query.category is None
        else _nothing()
    )
    results = await asyncio.gather(
        paid,
        BudgetLine.filter(budget_q, **budget_conditions)
        .annotate(total=Sum("amount_pence"))
        .group_by("category", "financial_year", "kind")
        .values("category", "financial_year", "kind", "total"),
        SpendMonth.filter(months_q)
        .annotate(**sums)
        .group_by("status", "financial_year", "spent_month")
        .values("status", "financial_year", "spent_month", *sums),
        SpendMonth.filter(months_q, status=ReturnStatus.APPROVED)
        .annotate(total=Sum(category_column(query.category) if query.category is not None else "amount_pence"))
        .group_by("award_id", "spent_month")
        .values("award_id", "spent_month", "total"),
        award_summaries(fund, awards_q),
        AwardService.filter(budget_q).values_list("award_id", "service_id"),
    )
    return _Rows(
        paid=results[0],
        budget=results[1],
        months=results[2],
        approved_by_award=results[3],
        awards=results[4],
        links=[(sql.uuid_value(a), sql.uuid_value(s)) for a, s in results[5]],
    )


async def _nothing() -> None:
    return None


async def _sum(queryset: Any, *, group_by: str, field: str = "amount_pence") -> int:
    """One total. ``group_by`` names a column every row shares (the fund): without an explicit
    GROUP BY, Tortoise groups an aggregate over a joined filter by every column of the model."""
    rows = await queryset.annotate(total=Sum(field)).group_by(group_by).values("total")
    return sum(int(r["total"] or 0) for r in rows)


# --- step 2: spend by status, month and budget line -------------------------------------------------


@dataclass
class _Spend:
    by_status: dict[ReturnStatus, int] = field(default_factory=dict)
    by_month: dict[date, int] = field(default_factory=dict)  # approved
    by_line: dict[tuple[BudgetCategory, int], int] = field(default_factory=dict)  # approved, by category and year


def _spend(month_rows: list[dict[str, Any]], categories: list[BudgetCategory]) -> _Spend:
    """Spend by status; approved spend by month and by category and year.

    Lines are never zero (a CHECK), so a zero sum means no line: such months and lines are left out.
    """
    spend = _Spend()
    for r in month_rows:
        amounts = {category: int(r[category.value] or 0) for category in categories}
        total = sum(amounts.values())
        status = ReturnStatus(r["status"])
        spend.by_status[status] = spend.by_status.get(status, 0) + total
        if status is not ReturnStatus.APPROVED or not total:
            continue
        month = as_date(r["spent_month"])
        spend.by_month[month] = spend.by_month.get(month, 0) + total
        year = int(r["financial_year"])
        for category, amount in amounts.items():
            if amount:
                spend.by_line[(category, year)] = spend.by_line.get((category, year), 0) + amount
    return spend


# --- step 3: budget against actual, the burn and the forecast ---------------------------------------


def _budget_lines(budget_rows: list[dict[str, Any]], actual: dict[tuple[BudgetCategory, int], int]) -> list[BudgetLineReport]:
    """Budget against approved spend, by category and financial year (years in order, categories as listed)."""
    lines: dict[tuple[BudgetCategory, int], dict[str, Any]] = {}
    for r in budget_rows:
        key = (BudgetCategory(r["category"]), int(r["financial_year"]))
        entry = lines.setdefault(key, {"budget": 0, "approved": 0, "kinds": set()})
        entry["budget"] += int(r["total"] or 0)
        entry["kinds"].add(CostKind(r["kind"]))
    for key, amount in actual.items():
        lines.setdefault(key, {"budget": 0, "approved": 0, "kinds": set()})["approved"] += amount
    order = {category: i for i, category in enumerate(BudgetCategory)}
    return [
        BudgetLineReport(
            category=category,
            financial_year=year,
            financial_year_label=financial_year_label(year),
            kind=next(iter(entry["kinds"])) if len(entry["kinds"]) == 1 else None,
            budget_pence=entry["budget"],
            approved_pence=entry["approved"],
            variance_pence=entry["budget"] - entry["approved"],
        )
        for (category, year), entry in sorted(lines.items(), key=lambda item: (item[0][1], order[item[0][0]]))
    ]


def _monthly(by_month: dict[date, int], plan_total: int, fund: Fund) -> list[MonthReport]:
    """Approved spend month by month, cumulative, against a straight-line plan of ``plan_total``."""
    months = sorted(by_month)
    plan = calculations.straight_line_plan(plan_total, months, starts_on=fund.starts_on, ends_on=fund.ends_on)
    monthly = []
    cumulative = 0
    for month, planned in zip(months, plan, strict=True):
        cumulative += by_month[month]
        monthly.append(MonthReport(month=month, approved_pence=by_month[month], cumulative_pence=cumulative, plan_cumulative_pence=planned))
    return monthly


def _forecast(fund: Fund, *, spent: int, plan_total: int, as_of: date) -> ForecastOut:
    """Spend to the fund's end at the rate so far."""
    elapsed, remaining = calculations.forecast_months(fund.starts_on, fund.ends_on, as_of)
    forecast = calculations.straight_line_forecast(
        spent_pence=spent, budget_pence=plan_total, months_elapsed=elapsed, months_remaining=remaining
    )
    return ForecastOut(
        budget_pence=forecast.budget_pence,
        spent_pence=forecast.spent_pence,
        months_elapsed=forecast.months_elapsed,
        months_remaining=forecast.months_remaining,
        monthly_rate_pence=forecast.monthly_rate_pence,
        projected_total_pence=forecast.projected_total_pence,
        projected_variance_pence=forecast.projected_variance_pence,
    )


# --- step 4: by region and by award -----------------------------------------------------------------


def _approved_by_award(rows: list[dict[str, Any]]) -> dict[UUID, int]:
    """Approved spend per award (from rows by award and month), awards without any left out."""
    totals: dict[UUID, int] = {}
    for r in rows:
        total = int(r["total"] or 0)
        if total:
            award_id = sql.uuid_value(r["award_id"])
            totals[award_id] = totals.get(award_id, 0) + total
    return totals


def _spend_months_by_award(rows: list[dict[str, Any]]) -> dict[UUID, set[date]]:
    """The months (first of the month) in which each award has approved spend."""
    months: dict[UUID, set[date]] = {}
    for r in rows:
        if int(r["total"] or 0):
            months.setdefault(sql.uuid_value(r["award_id"]), set()).add(as_date(r["spent_month"]).replace(day=1))
    return months


def _by_region(awards: list[AwardSummary], approved_by_award: dict[UUID, int]) -> list[RegionReport]:
    regions: dict[str, dict[str, int]] = {}
    for a in awards:
        region = regions.setdefault(a.region, {"awarded": 0, "approved": 0})
        region["awarded"] += a.amount_pence
        region["approved"] += approved_by_award.get(a.id, 0)
    return [RegionReport(region=name, awarded_pence=v["awarded"], approved_pence=v["approved"]) for name, v in sorted(regions.items())]


async def _outcomes(
    fund: Fund,
    query: ReportQuery,
    awards: list[AwardSummary],
    approved_by_award: dict[UUID, int],
    spend_months: dict[UUID, set[date]],
    links: list[tuple[UUID, UUID]],
) -> tuple[OutcomesReport, dict[date, int]]:
    """Respite delivered in the report's period by each award's services, with cost per respite hour where
    delivery covers the spend; and respite minutes by month over all the awards (for the chart)."""
    window = date_range(query)
    since, until = (window[0], window[1]) if window else (None, None)
    delivered, by_month = await asyncio.gather(
        respite_delivered([a.id for a in awards], since=since, until=until, links=links),
        respite_by_month(links, since=since, until=until),
    )
    table = outcomes_table(
        [(a.id, a.reference, approved_by_award.get(a.id, 0)) for a in awards],
        delivered,
        threshold=fund.disclosure_threshold,
        spend_months=spend_months,
        delivery_months={award_id: set(months) for award_id, months in by_month.items()},
    )
    totals: dict[date, int] = {}
    for months in by_month.values():
        for month, minutes in months.items():
            totals[month] = totals.get(month, 0) + minutes
    return table, totals


# --- values -----------------------------------------------------------------------------------------


def as_date(value: Any) -> date:
    """A date from a row: asyncpg gives a ``date``, SQLite a string."""
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def fund_out(fund: Fund) -> FundOut:
    """The fund as the report shows it (``fund`` loaded with its funder)."""
    return FundOut(
        id=fund.id,
        name=fund.name,
        funder_name=fund.funder.name,
        funder_identifier=fund.funder.identifier,
        total_pence=fund.total_pence,
        currency=fund.currency,
        starts_on=fund.starts_on,
        ends_on=fund.ends_on,
        awarded_pence=fund.awarded_pence,
    )


async def award_summaries(fund: Fund, awards_q: Q) -> list[AwardSummary]:
    """The awards ``awards_q`` selects, by reference, as the report lists them."""
    rows = await (
        Award.filter(awards_q)
        .order_by("reference")
        .values(
            "id",
            "reference",
            "title",
            "round__name",
            "recipient_id",
            "recipient__name",
            "recipient__identifier",
            "local_authority__name",
            "region",
            "amount_pence",
            "paid_pence",
            "approved_pence",
            "status",
        )
    )
    # One validation of the whole list: a thousand AwardSummary(...) calls cost several times as much.
    return _AWARD_SUMMARIES.validate_python(
        [
            {
                "id": r["id"],
                "grant_id": f"{fund.grant_id_prefix}-{r['reference']}",
                "reference": r["reference"],
                "title": r["title"],
                "round_name": r["round__name"],
                "recipient_id": r["recipient_id"],
                "recipient_name": r["recipient__name"],
                "recipient_identifier": r["recipient__identifier"],
                "local_authority_name": r["local_authority__name"],
                "region": r["region"],
                "amount_pence": r["amount_pence"],
                "paid_pence": r["paid_pence"],
                "approved_pence": r["approved_pence"],
                "status": r["status"],
            }
            for r in rows
        ]
    )


_AWARD_SUMMARIES = TypeAdapter(list[AwardSummary])
