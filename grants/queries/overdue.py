"""What is late: tranches past their due date and not paid, spend returns waiting past the fund's decision target.

Both are read within what the principal may see, oldest first, with how many days late each is,
so a dashboard can put them at the top.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from grants import permissions
from grants.enums import ReturnStatus
from grants.models import Fund, SpendReturn, Tranche
from shortbreaks.clock import LONDON
from shortbreaks.permissions import Principal

WAITING_STATUSES = (ReturnStatus.SUBMITTED, ReturnStatus.RESUBMITTED)


@dataclass(frozen=True)
class OverdueTranche:
    tranche: Tranche
    days_late: int


@dataclass(frozen=True)
class OverdueReturn:
    spend_return: SpendReturn
    submitted_on: date
    decide_by: date
    days_late: int


@dataclass(frozen=True)
class Overdue:
    tranches: list[OverdueTranche]
    returns: list[OverdueReturn]

    def __bool__(self) -> bool:
        return bool(self.tranches or self.returns)


def overdue_days(due: date, today: date) -> int:
    """Days after ``due`` that ``today`` is (0 on the day itself or before)."""
    return max(0, (today - due).days)


async def list_overdue(principal: Principal, fund: Fund, *, today: date) -> Overdue:
    """Unpaid tranches due before ``today`` and returns waiting longer than ``fund.decision_target_days``, oldest first."""
    scope = permissions.award_scope(principal, prefix="award__")
    tranches = (
        await Tranche.filter(scope, award__fund_id=fund.id, paid_on__isnull=True, due_on__lt=today)
        .select_related("award", "award__recipient")
        .order_by("due_on", "award__reference", "number")
    )
    waiting = (
        await SpendReturn.filter(scope, award__fund_id=fund.id, status__in=WAITING_STATUSES, submitted_at__isnull=False)
        .select_related("award", "award__recipient")
        .order_by("submitted_at")
    )
    returns = []
    for r in waiting:
        if r.submitted_at is None:  # filtered out above
            continue
        submitted_on = r.submitted_at.astimezone(LONDON).date()
        decide_by = submitted_on + timedelta(days=fund.decision_target_days)
        if today > decide_by:
            returns.append(OverdueReturn(r, submitted_on, decide_by, overdue_days(decide_by, today)))
    return Overdue(
        tranches=[OverdueTranche(t, overdue_days(t.due_on, today)) for t in tranches],
        returns=returns,
    )
