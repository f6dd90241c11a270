"""Financial years (April to March) and quarters: 2025 means April 2025 to March 2026, quarter 1 is April to June."""

from __future__ import annotations

from datetime import date


def financial_year_of(day: date) -> int:
    return day.year if day.month >= 4 else day.year - 1


def quarter_of(day: date) -> int:
    return (day.month - 4) % 12 // 3 + 1


def financial_year_label(year: int) -> str:
    """``2025`` → ``2025-26``."""
    return f"{year}-{(year + 1) % 100:02d}"


def quarter_bounds(financial_year: int, quarter: int) -> tuple[date, date]:
    """First and last day of a quarter of a financial year."""
    first_month = 4 + (quarter - 1) * 3
    year = financial_year + (first_month - 1) // 12
    month = (first_month - 1) % 12 + 1
    start = date(year, month, 1)
    end_month = month + 3
    end_year = year + (end_month - 1) // 12
    end_month = (end_month - 1) % 12 + 1
    end = date.fromordinal(date(end_year, end_month, 1).toordinal() - 1)
    return start, end


def financial_year_bounds(financial_year: int) -> tuple[date, date]:
    return date(financial_year, 4, 1), date(financial_year + 1, 3, 31)


def month_start(day: date) -> date:
    return day.replace(day=1)


def months_between(start: date, end: date) -> int:
    """Whole calendar months from ``start``'s month to ``end``'s month, counting both (Jan to Mar is 3)."""
    return (end.year - start.year) * 12 + end.month - start.month + 1
