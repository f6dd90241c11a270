"""Named grants reads: records a principal may see, the fund report, respite delivered, and the exports' rows.

Every aggregate is one SQL ``GROUP BY`` (``Sum`` with ``group_by``), never a Python loop
over rows; Python only merges a handful of already-grouped rows. Every read filters by
:func:`grants.permissions.award_scope`, so other people's records are simply not found (404).

One module per subject — :mod:`~grants.queries.records`, :mod:`~grants.queries.filters`,
:mod:`~grants.queries.report`, :mod:`~grants.queries.outcomes`, :mod:`~grants.queries.exports`
— re-exported here, so callers write ``from grants import queries; queries.fund_report(...)``.
"""

from grants.queries.exports import approved_line_batches, grant_records, tranche_rows
from grants.queries.filters import award_filter, line_filter, period_filter
from grants.queries.outcomes import Outcomes, outcomes_table, respite_delivered
from grants.queries.overdue import Overdue, list_overdue
from grants.queries.records import (
    get_award,
    get_fund,
    get_return,
    get_tranche,
    grant_id,
    list_awaiting_decision,
    list_funds,
    list_lines,
    list_returns,
    return_totals,
)
from grants.queries.report import award_summaries, fund_out, fund_report

__all__ = [
    "Outcomes",
    "Overdue",
    "approved_line_batches",
    "award_filter",
    "award_summaries",
    "fund_out",
    "fund_report",
    "get_award",
    "get_fund",
    "get_return",
    "get_tranche",
    "grant_id",
    "grant_records",
    "line_filter",
    "list_awaiting_decision",
    "list_funds",
    "list_lines",
    "list_overdue",
    "list_returns",
    "outcomes_table",
    "period_filter",
    "respite_delivered",
    "return_totals",
    "tranche_rows",
]
