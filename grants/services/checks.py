"""What every grants use case shares: the checks it makes before its transaction (amounts, dates,
budget lines, the funder), and the transaction itself."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from grants import permissions
from grants.enums import BudgetCategory, CostKind
from grants.models import Fund
from shortbreaks import constraints
from shortbreaks.errors import PermissionDenied, ValidationFailed
from shortbreaks.permissions import Principal

MAX_PENCE = 10**13  # £100bn: far above any grant, far below a 64-bit overflow


@dataclass(frozen=True)
class BudgetLineInput:
    """One budget line of an award, as the caller gives it (checked by :func:`check_budget_lines`)."""

    category: BudgetCategory
    financial_year: int
    amount_pence: int
    kind: CostKind = CostKind.REVENUE


def check_pence(value: Any, *, field: str, allow_zero: bool = False) -> int:
    """A whole, positive number of pence (``bool`` and fractions refused), or ``ValidationFailed``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationFailed.field(field, "Enter the amount as a whole number of pence")
    if value < 0 or (value == 0 and not allow_zero):
        raise ValidationFailed.field(field, "The amount must be more than zero" if not allow_zero else "The amount cannot be negative")
    if value > MAX_PENCE:
        raise ValidationFailed.field(field, "The amount is too large")
    return value


def check_dates(start: date, end: date, *, field: str = "planned_end") -> None:
    """``start`` before ``end``, or ``ValidationFailed`` on ``field``."""
    if not start < end:
        raise ValidationFailed.field(field, "The end date must be after the start date")


def require_funder(actor: Principal, fund: Fund) -> None:
    """``PermissionDenied`` unless ``actor`` decides for the fund's funder."""
    if not permissions.can_decide(actor, funder_id=fund.funder_id):
        raise PermissionDenied("Only the fund's funder can do that")


def check_budget_lines(lines: Sequence[BudgetLineInput], *, amount_pence: int) -> None:
    """Known categories, each once a financial year, amounts of zero or more adding up to ``amount_pence`` exactly."""
    seen: set[tuple[BudgetCategory, int]] = set()
    for i, line in enumerate(lines):
        try:
            BudgetCategory(line.category)
            CostKind(line.kind)
        except ValueError:
            raise ValidationFailed.field(f"budget_lines.{i}.category", "Choose a category from the list") from None
        check_pence(line.amount_pence, field=f"budget_lines.{i}.amount_pence", allow_zero=True)
        key = (BudgetCategory(line.category), line.financial_year)
        if key in seen:
            raise ValidationFailed.field(f"budget_lines.{i}", "Each category may appear once a financial year")
        seen.add(key)
    if lines and sum(line.amount_pence for line in lines) != amount_pence:
        raise ValidationFailed.field("budget_lines", "The budget lines must add up to the award amount exactly")


@asynccontextmanager
async def transaction() -> AsyncIterator[BaseDBAsyncClient]:
    """``in_transaction()``, with a violated named constraint raised as the error
    :mod:`grants.constraints` gives it (a duplicate reference, a request racing another)."""
    try:
        async with in_transaction() as conn:
            yield conn
    except IntegrityError as exc:
        error = constraints.translate(exc)
        if error is None:
            raise
        raise error from exc
