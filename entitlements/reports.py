"""A council's applications report: received, decided, approved and refused by tier and by month,
working days to decision against the council's targets, and reviews with their outcomes.

Counts are of children's applications, so they are people: every table goes through
:func:`shortbreaks.disclosure.suppress_counts` (counts from 1 to 4 shown as ``c``, and whatever
would give one away, including a part of decided = approved + refused). The median and the
percentage within target are worked out from the decided applications of a row, so they are
shown only where that row decided at least the threshold (else ``c``); with none decided there is
nothing to show (``None``).

Working days are counted as the decision queue counts them (:mod:`entitlements.workdays`: weekends
and England and Wales bank holidays left out); the time spent waiting for the family's information
(``paused_working_days``) is taken off.
"""

from __future__ import annotations

import csv
import io
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel

from entitlements import workdays
from entitlements.enums import ApplicationStatus, ReviewStatus, StatementStatus
from entitlements.models import Application, CouncilProfile, Review, Tier
from shortbreaks import disclosure
from shortbreaks.accounts.models import Organisation
from shortbreaks.clock import LONDON
from shortbreaks.exporters import spreadsheet_cell

CountCell = int | Literal["c"]
FigureCell = str | Literal["c"] | None

DECIDED = (ApplicationStatus.APPROVED, ApplicationStatus.REFUSED)
COUNT_KEYS = ("received", "decided", "approved", "refused")
REVIEW_KEYS = ("requested", "open", "upheld", "changed")
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December")


# --- working days --------------------------------------------------------------------------------------


def days_to_decision(submitted_at: datetime, decided_at: datetime, paused_working_days: int) -> int:
    """Working days from sending to decision (London dates), less those spent waiting for the family."""
    elapsed = workdays.working_days_between(workdays.london_day(submitted_at), workdays.london_day(decided_at))
    return max(0, elapsed - paused_working_days)


# --- output ----------------------------------------------------------------------------------------------


class CountsRow(BaseModel):
    key: str
    label: str
    received: CountCell
    decided: CountCell
    approved: CountCell
    refused: CountCell


class TimelinessRow(BaseModel):
    key: str
    label: str
    target_days: str
    median_working_days: FigureCell
    percent_within_target: FigureCell


class ReviewsRow(BaseModel):
    key: str
    label: str
    requested: CountCell
    open: CountCell
    upheld: CountCell
    changed: CountCell


class ApplicationsReport(BaseModel):
    """A council's applications report, with small counts hidden as ``c``."""

    council: str
    council_name: str
    threshold: int
    decision_target_days: int
    renewal_target_days: int
    by_tier: list[CountsRow]
    by_tier_total: CountsRow
    by_month: list[CountsRow]
    by_month_total: CountsRow
    timeliness: list[TimelinessRow]
    timeliness_total: TimelinessRow
    reviews: list[ReviewsRow]
    reviews_total: ReviewsRow


# --- building it ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Decision:
    tier_code: str
    days: int
    target: int


def _month_key(moment: datetime) -> str:
    return moment.astimezone(LONDON).strftime("%Y-%m")


def _month_label(key: str) -> str:
    year, month = key.split("-")
    return f"{MONTH_NAMES[int(month) - 1]} {year}"


def _months_from(first: str, last: str) -> list[str]:
    """Every month from ``first`` to ``last`` (``YYYY-MM``), empty ones too."""
    year, month = (int(p) for p in first.split("-"))
    out: list[str] = []
    while f"{year:04d}-{month:02d}" <= last:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _counts_table(
    keys: list[str], labels: dict[str, str], counts: dict[str, Counter[str]], threshold: int, total_label: str
) -> tuple[list[CountsRow], CountsRow]:
    raw = [{k: counts[key][k] for k in COUNT_KEYS} for key in keys]
    rows, total = disclosure.suppress_counts(raw, keys=COUNT_KEYS, threshold=threshold, parts={"decided": ["approved", "refused"]})
    out = [CountsRow.model_validate({"key": key, "label": labels[key], **row}) for key, row in zip(keys, rows, strict=True)]
    return out, CountsRow.model_validate({"key": "total", "label": total_label, **total})


def _timeliness(key: str, label: str, target_days: str, decisions: list[_Decision], threshold: int) -> TimelinessRow:
    median: FigureCell = None
    within: FigureCell = None
    if decisions and len(decisions) < threshold:
        median = within = disclosure.SUPPRESSED
    elif decisions:
        middle = statistics.median(d.days for d in decisions)
        median = f"{middle:g}" if middle == int(middle) else f"{middle:.1f}"
        within = disclosure.percent(sum(d.days <= d.target for d in decisions), len(decisions))
    return TimelinessRow(key=key, label=label, target_days=target_days, median_working_days=median, percent_within_target=within)


async def _tier_names(council: CouncilProfile, codes: set[str]) -> dict[str, str]:
    """Each tier code's name as the published statement (else the newest version naming it) reads, in its order."""
    tiers = await Tier.filter(statement__council_id=council.id).select_related("statement").order_by("-statement__number", "position")
    published = [t for t in tiers if t.statement.status == StatementStatus.PUBLISHED]
    names: dict[str, str] = {}
    for tier in [*published, *tiers]:
        if tier.code in codes or tier.statement.status == StatementStatus.PUBLISHED:
            names.setdefault(tier.code, tier.name)
    for code in sorted(codes - names.keys()):
        names[code] = code
    return names


async def applications_report(council: CouncilProfile, *, threshold: int = disclosure.DEFAULT_THRESHOLD) -> ApplicationsReport:
    """The council's report over every application sent to it (drafts are not counted)."""
    applications = await Application.filter(council_id=council.id).exclude(status=ApplicationStatus.DRAFT).order_by("submitted_at")
    reviews = await Review.filter(application__council_id=council.id).select_related("application")
    codes = {a.tier_code for a in applications} | {r.application.tier_code for r in reviews}
    names = await _tier_names(council, codes)
    tier_keys = list(names)

    by_tier: dict[str, Counter[str]] = defaultdict(Counter)
    by_month: dict[str, Counter[str]] = defaultdict(Counter)
    decisions: list[_Decision] = []
    for a in applications:
        if a.submitted_at is None:
            continue
        by_tier[a.tier_code]["received"] += 1
        by_month[_month_key(a.submitted_at)]["received"] += 1
        if a.status in DECIDED and a.decided_at is not None:
            outcome = "approved" if a.status == ApplicationStatus.APPROVED else "refused"
            for counter in (by_tier[a.tier_code], by_month[_month_key(a.decided_at)]):
                counter["decided"] += 1
                counter[outcome] += 1
            target = council.renewal_target_days if a.renewal_of_id else council.decision_target_days
            decisions.append(_Decision(a.tier_code, days_to_decision(a.submitted_at, a.decided_at, a.paused_working_days), target))

    months = _months_from(min(by_month), max(by_month)) if by_month else []
    tier_rows, tier_total = _counts_table(tier_keys, names, by_tier, threshold, "All tiers")
    month_rows, month_total = _counts_table(months, {m: _month_label(m) for m in months}, by_month, threshold, "All months")

    target_text = f"{council.decision_target_days} ({council.renewal_target_days} for renewals)"
    timeliness = [
        _timeliness(code, names[code], target_text, [d for d in decisions if d.tier_code == code], threshold) for code in tier_keys
    ]

    review_counts: dict[str, Counter[str]] = defaultdict(Counter)
    for r in reviews:
        review_counts[r.application.tier_code]["requested"] += 1
        review_counts[r.application.tier_code][ReviewStatus(r.status).value] += 1
    raw = [{k: review_counts[code][k] for k in REVIEW_KEYS} for code in tier_keys]
    review_rows, review_total = disclosure.suppress_counts(
        raw, keys=REVIEW_KEYS, threshold=threshold, parts={"requested": ["open", "upheld", "changed"]}
    )
    return ApplicationsReport(
        council=council.slug,
        council_name=(await Organisation.get(id=council.local_authority_id)).name,
        threshold=threshold,
        decision_target_days=council.decision_target_days,
        renewal_target_days=council.renewal_target_days,
        by_tier=tier_rows,
        by_tier_total=tier_total,
        by_month=month_rows,
        by_month_total=month_total,
        timeliness=timeliness,
        timeliness_total=_timeliness("total", "All tiers", target_text, decisions, threshold),
        reviews=[
            ReviewsRow.model_validate({"key": code, "label": names[code], **row}) for code, row in zip(tier_keys, review_rows, strict=True)
        ],
        reviews_total=ReviewsRow.model_validate({"key": "total", "label": "All tiers", **review_total}),
    )


# --- CSV ------------------------------------------------------------------------------------------------


def report_csv(report: ApplicationsReport) -> str:
    """One long table: a section column, then the row's figures (hidden ones as ``c``)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["section", "key", "label", *COUNT_KEYS, "median_working_days", "percent_within_target", *REVIEW_KEYS])

    def line(section: str, key: str, label: str, counts: list[Any], figures: list[Any], reviews: list[Any]) -> None:
        writer.writerow([section, spreadsheet_cell(key), spreadsheet_cell(label), *counts, *figures, *reviews])

    no_counts, no_figures, no_reviews = [""] * len(COUNT_KEYS), ["", ""], [""] * len(REVIEW_KEYS)
    for section, rows in (("tier", [*report.by_tier, report.by_tier_total]), ("month", [*report.by_month, report.by_month_total])):
        for c in rows:
            line(section, c.key, c.label, [c.received, c.decided, c.approved, c.refused], no_figures, no_reviews)
    for t in [*report.timeliness, report.timeliness_total]:
        line("timeliness", t.key, t.label, no_counts, [t.median_working_days or "", t.percent_within_target or ""], no_reviews)
    for r in [*report.reviews, report.reviews_total]:
        line("reviews", r.key, r.label, no_counts, no_figures, [r.requested, r.open, r.upheld, r.changed])
    return out.getvalue()
