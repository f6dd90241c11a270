"""Named grants reads: records a principal may see, the fund report, and respite delivered.

Every aggregate is one SQL ``GROUP BY`` (``Sum`` with ``group_by``), never a Python loop
over rows; Python only merges a handful of already-grouped rows. Every read filters by
:func:`grants.permissions.award_scope`, so other people's records are simply not found (404).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any
from uuid import UUID

from pydantic import TypeAdapter
from tortoise.expressions import Q
from tortoise.functions import Sum

from bookings import queries as booking_queries
from grants import calculations, permissions
from grants.enums import PENDING_RETURN_STATUSES, BudgetCategory, CostKind, ReturnStatus
from grants.models import Award, AwardService, BudgetLine, ExpenditureLine, Fund, SpendMonth, SpendReturn, Tranche, category_column
from grants.periods import financial_year_bounds, financial_year_label, financial_year_of, quarter_bounds
from grants.schemas import (
    AwardSummary,
    BudgetLineReport,
    BudgetTotals,
    ForecastOut,
    FundOut,
    FundReport,
    GrantRecord,
    MonthReport,
    OutcomesReport,
    RegionReport,
    ReportQuery,
)
from shortbreaks.clock import LONDON
from shortbreaks.errors import NotFound
from shortbreaks.permissions import Principal

AWARD = "spend_return__award__"


# --- records a principal may see -------------------------------------------------------------------


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


# --- respite delivered: the seam to the bookings package ------------------------------------------


@dataclass(frozen=True)
class Outcomes:
    """What attended bookings at an award's services add up to."""

    children: int = 0
    families: int = 0
    sessions: int = 0
    respite_minutes: int = 0
    available: bool = False


def _london_midnight(day: date | None) -> datetime | None:
    """The start of ``day`` in London, in UTC (the bookings package filters on session start times)."""
    if day is None:
        return None
    return datetime.combine(day, time.min, tzinfo=LONDON).astimezone(UTC)


async def respite_delivered(
    award_ids: Iterable[UUID],
    *,
    since: date | None = None,
    until: date | None = None,
    links: list[tuple[UUID, UUID]] | None = None,
) -> dict[UUID, Outcomes]:
    """Children and families reached, sessions and respite minutes per award, from attended bookings.

    Computed in SQL by the bookings package, never copied into grant tables. It expects::

        async def bookings.queries.attended_summary_for_services(
            service_ids: list[UUID], *, since: datetime | None, until: datetime | None
        ) -> dict[UUID, dict[str, int]]

    returning, for each service id that had attended bookings in ``[since, until]``,
    ``{"children": distinct children, "families": distinct families, "sessions": distinct
    sessions, "respite_minutes": total attended minutes}``.

    An award's
    counts are the sums over its linked services (``grants_awardservice``); a child who
    attended two services of the same award is counted twice, so ask bookings for a
    per-award grouping when one service is funded by several awards.

    ``links`` are the awards' ``(award id, service id)`` pairs when the caller has already
    fetched them (the fund report does, by joining to its award filter rather than sending a
    thousand ids back).
    """
    ids = list(award_ids)
    if not ids:
        return {}
    summary_for = booking_queries.attended_summary_for_services
    if links is None:
        links = await AwardService.filter(award_id__in=ids).values_list("award_id", "service_id")
    service_ids = sorted({service_id for _award, service_id in links}, key=str)
    by_service: dict[Any, dict[str, int]] = (
        await summary_for(service_ids, since=_london_midnight(since), until=_london_midnight(until)) if service_ids else {}
    )
    totals: dict[UUID, dict[str, int]] = {award_id: {"children": 0, "families": 0, "sessions": 0, "respite_minutes": 0} for award_id in ids}
    for award_id, service_id in links:
        counts = by_service.get(service_id) or by_service.get(str(service_id)) or {}
        for key in totals[award_id]:
            totals[award_id][key] += int(counts.get(key, 0))
    return {award_id: Outcomes(**counts, available=True) for award_id, counts in totals.items()}


def outcomes_table(awards: list[tuple[UUID, str, int]], outcomes: dict[UUID, Outcomes], *, threshold: int) -> OutcomesReport:
    """Per-award outcomes with cost per respite hour, suppressed by :func:`grants.calculations.suppress_counts`.

    ``awards`` is ``(award id, reference, approved pence)`` in display order.
    """
    raw = []
    for award_id, reference, approved in awards:
        o = outcomes.get(award_id, Outcomes())
        raw.append(
            {
                "award_id": award_id,
                "reference": reference,
                "children": o.children,
                "families": o.families,
                "sessions": o.sessions,
                "respite_minutes": o.respite_minutes,
                "approved_pence": approved,
            }
        )
    rows, total = calculations.suppress_counts(raw, keys=["children", "families"], threshold=threshold)
    total_minutes = sum(int(r["respite_minutes"]) for r in raw)
    total_approved = sum(int(r["approved_pence"]) for r in raw)

    def row(values: dict[str, Any], *, minutes: int, approved: int) -> dict[str, Any]:
        return {
            "award_id": values.get("award_id"),
            "reference": str(values.get("reference", "Total")),
            "children": values["children"],
            "families": values["families"],
            "sessions": int(values.get("sessions", 0)),
            "respite_hours": _hours(minutes),
            "approved_pence": approved,
            "cost_per_respite_hour_pence": calculations.cost_per_respite_hour(approved, minutes),
        }

    out_rows = [row(r, minutes=int(r["respite_minutes"]), approved=int(r["approved_pence"])) for r in rows]
    total_row = row(
        {"reference": "Total", "sessions": sum(int(r["sessions"]) for r in raw), **total}, minutes=total_minutes, approved=total_approved
    )
    available = all(o.available for o in outcomes.values()) if outcomes else False
    # One validation of the whole table: a thousand OutcomeRow(...) calls cost ten times as much.
    return OutcomesReport.model_validate({"available": available, "threshold": threshold, "rows": out_rows, "total": total_row})


def _hours(minutes: int) -> str:
    """Minutes as hours to one decimal place, half up: ``90`` → ``"1.5"``."""
    tenths = calculations.divide_half_up(minutes, 6)
    return f"{tenths // 10}.{tenths % 10}"


# --- the fund report -------------------------------------------------------------------------------


def award_filter(fund: Fund, query: ReportQuery, principal: Principal, *, prefix: str = "") -> Q:
    """The awards a report covers: this fund, what ``principal`` may see, and the award-level filters."""
    conditions: dict[str, Any] = {f"{prefix}fund_id": fund.id}
    if query.round_id is not None:
        conditions[f"{prefix}round_id"] = query.round_id
    if query.region is not None:
        conditions[f"{prefix}region"] = query.region
    if query.local_authority_id is not None:
        conditions[f"{prefix}local_authority_id"] = query.local_authority_id
    if query.grantee_id is not None:
        conditions[f"{prefix}recipient_id"] = query.grantee_id
    if permissions.sees_whole_fund(principal, fund.funder_id):  # type: ignore[attr-defined]
        return Q(**conditions)  # no join to the fund just to find what the fund id already says
    return Q(permissions.award_scope(principal, prefix=prefix), Q(**conditions))


def line_filter(query: ReportQuery) -> dict[str, Any]:
    """Expenditure-line filters: category, financial year and quarter of the date spent."""
    conditions: dict[str, Any] = {}
    if query.category is not None:
        conditions["category"] = query.category
    if query.financial_year is not None:
        conditions["financial_year"] = query.financial_year
    if query.quarter is not None:
        conditions["quarter"] = query.quarter
    return conditions


def period_filter(query: ReportQuery) -> dict[str, Any]:
    """The financial year and quarter filters alone (the report reads one category as its column)."""
    conditions: dict[str, Any] = {}
    if query.financial_year is not None:
        conditions["financial_year"] = query.financial_year
    if query.quarter is not None:
        conditions["quarter"] = query.quarter
    return conditions


def _date_range(query: ReportQuery) -> tuple[date, date] | None:
    if query.financial_year is None:
        return None
    if query.quarter is not None:
        return quarter_bounds(query.financial_year, query.quarter)
    return financial_year_bounds(query.financial_year)


def _paid_window(fund: Fund, query: ReportQuery) -> Q:
    """Tranches paid in the financial year and quarter asked for (a quarter alone: that quarter of every year of the fund)."""
    if query.financial_year is not None:
        start, end = _date_range(query)  # type: ignore[misc]  # a year is set
        return Q(paid_on__gte=start, paid_on__lte=end)
    if query.quarter is not None:
        years = range(financial_year_of(fund.starts_on), financial_year_of(fund.ends_on) + 1)
        return Q(
            *[Q(paid_on__gte=quarter_bounds(y, query.quarter)[0], paid_on__lte=quarter_bounds(y, query.quarter)[1]) for y in years],
            join_type="OR",
        )
    return Q()


async def _sum(queryset: Any, *, group_by: str, field: str = "amount_pence") -> int:
    """One total. ``group_by`` names a column every row shares (the fund): without an explicit
    GROUP BY, Tortoise groups an aggregate over a joined filter by every column of the model."""
    rows = await queryset.annotate(total=Sum(field)).group_by(group_by).values("total")
    return sum(int(r["total"] or 0) for r in rows)


async def fund_report(fund: Fund, query: ReportQuery, principal: Principal, *, as_of: date) -> FundReport:
    """Everything the dashboard, the report API and the CSVs show about a fund, filtered.

    Six queries, independent of each other, run concurrently (each on its own pooled
    connection on PostgreSQL): the awards, their budget lines by category and year, tranches
    paid, the services linked to them, and two over ``grants_spendmonth`` (a row per return and
    month with a column per category and the return's award and status, kept equal to the lines
    by triggers, so only the awards are joined): spend by status, year and month, and approved
    spend by award. Everything else (awarded, by region, by category and year, the
    monthly burn) is added up in Python from those few grouped rows, so the report never scans
    the expenditure lines and reads the fund's spend twice at most.
    """
    awards_q = award_filter(fund, query, principal)
    months_q = Q(award_filter(fund, query, principal, prefix="award__"), Q(**period_filter(query)))
    budget_q = award_filter(fund, query, principal, prefix="award__")
    budget_conditions: dict[str, Any] = {}
    if query.category is not None:
        budget_conditions["category"] = query.category
    if query.financial_year is not None:
        budget_conditions["financial_year"] = query.financial_year
    # Spend in one category is that category's column; otherwise every column, one per category.
    categories = [BudgetCategory(query.category)] if query.category is not None else list(BudgetCategory)
    names = [category.value for category in categories]
    sums = {name: Sum(category_column(category)) for name, category in zip(names, categories, strict=True)}

    async def nothing() -> None:
        return None

    # Paid: tranches are not split by category, so there is no paid figure for one category.
    paid_task = (
        _sum(Tranche.filter(budget_q, _paid_window(fund, query), paid_on__isnull=False), group_by="award__fund_id")
        if query.category is None
        else nothing()
    )
    results = await asyncio.gather(
        paid_task,
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
        .group_by("award_id")
        .values("award_id", "total"),
        award_summaries(fund, awards_q),
        AwardService.filter(budget_q).values_list("award_id", "service_id"),
    )
    paid: int | None = results[0]
    budget_rows, month_rows, approved_by_award_rows = results[1:4]
    awards: list[AwardSummary] = results[4]
    links: list[tuple[UUID, UUID]] = [(_uuid(a), _uuid(s)) for a, s in results[5]]

    # Awarded: the awards' amounts, or their budget lines when narrowed to a category or year.
    awarded = sum(int(r["total"] or 0) for r in budget_rows) if budget_conditions else sum(a.amount_pence for a in awards)

    # Spend by status; approved spend by month and by category and year. Lines are never zero
    # (a CHECK), so a zero sum means no line: such months and lines are left out, as before.
    status_totals: dict[ReturnStatus, int] = {}
    by_month: dict[date, int] = {}
    actual: dict[tuple[BudgetCategory, int], int] = {}
    for r in month_rows:
        amounts = {category: int(r[name] or 0) for name, category in zip(names, categories, strict=True)}
        total = sum(amounts.values())
        status = ReturnStatus(r["status"])
        status_totals[status] = status_totals.get(status, 0) + total
        if status is not ReturnStatus.APPROVED or not total:
            continue
        month = _as_date(r["spent_month"])
        by_month[month] = by_month.get(month, 0) + total
        year = int(r["financial_year"])
        for category, amount in amounts.items():
            if amount:
                actual[(category, year)] = actual.get((category, year), 0) + amount
    approved = status_totals.get(ReturnStatus.APPROVED, 0)
    pending = sum(status_totals.get(s, 0) for s in PENDING_RETURN_STATUSES)

    # Budget against actual, by category and financial year.
    lines: dict[tuple[BudgetCategory, int], dict[str, Any]] = {}
    for r in budget_rows:
        key = (BudgetCategory(r["category"]), int(r["financial_year"]))
        entry = lines.setdefault(key, {"kind": None, "budget": 0, "approved": 0, "kinds": set()})
        entry["budget"] += int(r["total"] or 0)
        entry["kinds"].add(CostKind(r["kind"]))
    for key, amount in actual.items():
        lines.setdefault(key, {"kind": None, "budget": 0, "approved": 0, "kinds": set()})["approved"] += amount
    order = {category: i for i, category in enumerate(BudgetCategory)}
    budget_lines = [
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
    budget_total = sum(line.budget_pence for line in budget_lines)
    approved_in_lines = sum(line.approved_pence for line in budget_lines)

    # Monthly burn against a straight-line plan, and the forecast to the fund's end.
    plan_total = fund.total_pence if not query.is_filtered else awarded
    months = sorted(by_month)
    plan = calculations.straight_line_plan(plan_total, months, starts_on=fund.starts_on, ends_on=fund.ends_on)
    monthly = []
    cumulative = 0
    for month, planned in zip(months, plan, strict=True):
        cumulative += by_month[month]
        monthly.append(MonthReport(month=month, approved_pence=by_month[month], cumulative_pence=cumulative, plan_cumulative_pence=planned))
    elapsed, remaining = calculations.forecast_months(fund.starts_on, fund.ends_on, as_of)
    forecast = calculations.straight_line_forecast(
        spent_pence=approved, budget_pence=plan_total, months_elapsed=elapsed, months_remaining=remaining
    )

    # Spend by region, and by award for cost per respite hour.
    approved_by_award: dict[UUID, int] = {}
    for r in approved_by_award_rows:
        total = int(r["total"] or 0)
        if total:
            approved_by_award[_uuid(r["award_id"])] = total
    regions: dict[str, dict[str, int]] = {}
    for a in awards:
        region = regions.setdefault(a.region, {"awarded": 0, "approved": 0})
        region["awarded"] += a.amount_pence
        region["approved"] += approved_by_award.get(a.id, 0)
    by_region = [RegionReport(region=name, awarded_pence=v["awarded"], approved_pence=v["approved"]) for name, v in sorted(regions.items())]

    window = _date_range(query)
    delivered = await respite_delivered(
        [a.id for a in awards], since=window[0] if window else None, until=window[1] if window else None, links=links
    )
    outcomes = outcomes_table(
        [(a.id, a.reference, approved_by_award.get(a.id, 0)) for a in awards], delivered, threshold=fund.disclosure_threshold
    )

    return FundReport(
        fund=fund_out(fund),
        filters=query,
        as_of=as_of,
        awarded_pence=awarded,
        paid_pence=paid,
        approved_pence=approved,
        pending_pence=pending,
        remaining_pence=awarded - approved,
        percent_of_fund_spent=calculations.percent(approved, fund.total_pence),
        budget_lines=budget_lines,
        budget_totals=BudgetTotals(
            budget_pence=budget_total, approved_pence=approved_in_lines, variance_pence=budget_total - approved_in_lines
        ),
        monthly=monthly,
        forecast=ForecastOut(
            budget_pence=forecast.budget_pence,
            spent_pence=forecast.spent_pence,
            months_elapsed=forecast.months_elapsed,
            months_remaining=forecast.months_remaining,
            monthly_rate_pence=forecast.monthly_rate_pence,
            projected_total_pence=forecast.projected_total_pence,
            projected_variance_pence=forecast.projected_variance_pence,
        ),
        by_region=by_region,
        awards=awards,
        outcomes=outcomes,
    )


def _uuid(value: Any) -> UUID:
    """A UUID from a grouped row: asyncpg gives one already (a subclass), SQLite a string."""
    return value if isinstance(value, UUID) else UUID(str(value))


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def fund_out(fund: Fund) -> FundOut:
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


# --- exports -----------------------------------------------------------------------------------------


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
            awarded_on=_as_date(r["awarded_on"]),
            planned_start=_as_date(r["planned_start"]),
            planned_end=_as_date(r["planned_end"]),
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
