"""Respite delivered by an award's services: the seam to the bookings package, and the suppressed outcomes table."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any
from uuid import UUID

from bookings import queries as booking_queries
from grants import calculations
from grants.models import AwardService
from grants.schemas import OutcomesReport
from shortbreaks import disclosure
from shortbreaks.clock import LONDON


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


async def respite_by_month(
    links: list[tuple[UUID, UUID]], *, since: date | None = None, until: date | None = None
) -> dict[UUID, dict[date, int]]:
    """Respite minutes delivered by each award's linked services, by London month (the first of the month).

    The bookings package groups attended places by service and session start in SQL; this only
    buckets those rows into months and adds them up per award.
    """
    service_ids = sorted({service_id for _award, service_id in links}, key=str)
    rows = await booking_queries.attended_minutes_by_start(service_ids, since=_london_midnight(since), until=_london_midnight(until))
    by_service: dict[UUID, dict[date, int]] = {}
    for service_id, starts_at, minutes in rows:
        month = starts_at.astimezone(LONDON).date().replace(day=1)
        months = by_service.setdefault(service_id, {})
        months[month] = months.get(month, 0) + minutes
    by_award: dict[UUID, dict[date, int]] = {}
    for award_id, service_id in links:
        months = by_award.setdefault(award_id, {})
        for month, minutes in by_service.get(service_id, {}).items():
            months[month] = months.get(month, 0) + minutes
    return by_award


def outcomes_table(
    awards: list[tuple[UUID, str, int]],
    outcomes: dict[UUID, Outcomes],
    *,
    threshold: int,
    spend_months: dict[UUID, set[date]] | None = None,
    delivery_months: dict[UUID, set[date]] | None = None,
) -> OutcomesReport:
    """Per-award outcomes with cost per respite hour, suppressed by :func:`shortbreaks.disclosure.suppress_counts`.

    ``awards`` is ``(award id, reference, approved pence)`` in display order. With ``spend_months``
    and ``delivery_months`` (the months each award has approved spend, and respite delivered), cost
    per hour is given only where delivery covers the spend (:func:`grants.calculations.delivery_covers_spend`);
    the total's only when every award with spend is covered.
    """

    def covers(award_id: UUID | None) -> bool:
        if spend_months is None or delivery_months is None:
            return True
        if award_id is None:  # the total
            return all(covers(a) for a, _r, approved in awards if approved)
        spent = spend_months.get(award_id, set())
        # No approved spend: nothing to divide, so nothing missing either (the cost per hour is left blank).
        return not spent or calculations.delivery_covers_spend(spent, delivery_months.get(award_id, set()))

    raw: list[dict[str, Any]] = []
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
    rows, total = disclosure.suppress_counts(raw, keys=["children", "families"], threshold=threshold)
    total_minutes = sum(int(r["respite_minutes"]) for r in raw)
    total_approved = sum(int(r["approved_pence"]) for r in raw)

    def row(values: dict[str, Any], *, minutes: int, approved: int) -> dict[str, Any]:
        enough = covers(values.get("award_id"))
        return {
            "award_id": values.get("award_id"),
            "reference": str(values.get("reference", "Total")),
            "children": values["children"],
            "families": values["families"],
            "sessions": int(values.get("sessions", 0)),
            "respite_hours": hours(minutes),
            "approved_pence": approved,
            "cost_per_respite_hour_pence": calculations.cost_per_respite_hour(approved, minutes) if enough and approved else None,
            "enough_delivery": enough,
        }

    out_rows = [row(r, minutes=int(r["respite_minutes"]), approved=int(r["approved_pence"])) for r in rows]
    total_row = row(
        {"reference": "Total", "sessions": sum(int(r["sessions"]) for r in raw), **total}, minutes=total_minutes, approved=total_approved
    )
    available = all(o.available for o in outcomes.values()) if outcomes else False
    # One validation of the whole table: a thousand OutcomeRow(...) calls cost ten times as much.
    return OutcomesReport.model_validate({"available": available, "threshold": threshold, "rows": out_rows, "total": total_row})


def hours(minutes: int) -> str:
    """Minutes as hours to one decimal place, half up: ``90`` → ``"1.5"``."""
    tenths = disclosure.divide_half_up(minutes, 6)
    return f"{tenths // 10}.{tenths % 10}"
