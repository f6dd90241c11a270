"""Grants use cases: the only code that changes funds, awards, payments and spend.

One module per use case — :mod:`~grants.services.funds` (funds and rounds),
:mod:`~grants.services.awards`, :mod:`~grants.services.variations`,
:mod:`~grants.services.tranches`, :mod:`~grants.services.returns` (the grantee's spend returns)
and :mod:`~grants.services.decisions` (the funder's decision on them) — with the checks they
share in :mod:`~grants.services.checks`. The public functions are re-exported here, so callers
write ``from grants import services; services.create_award(...)``.

Every public function owns its transaction (:func:`~grants.services.checks.transaction`, which
raises a violated named constraint as the error :mod:`grants.constraints` gives it), checks its
rule inside it with the database doing the arithmetic (a conditional ``UPDATE … WHERE total + x
<= limit`` whose row count says whether it fitted, backed by CHECK constraints), and writes one
audit record per decision. Services take
``actor`` (a :class:`~shortbreaks.permissions.Principal`, checked again here for writes) and
``now``; they never read the clock. Helpers that run inside a caller's transaction are private or
take that connection as an argument and say so.
"""

from grants.services.awards import close_award, create_award, link_service
from grants.services.checks import MAX_PENCE, BudgetLineInput, check_dates, check_pence
from grants.services.decisions import LineExcess, approve_return, query_return, reject_return
from grants.services.funds import create_fund, create_round
from grants.services.returns import (
    add_expenditure_line,
    create_return,
    get_return,
    remove_expenditure_line,
    return_total_pence,
    submit_return,
)
from grants.services.tranches import pay_tranche, schedule_tranche
from grants.services.variations import vary_award

__all__ = [
    "MAX_PENCE",
    "BudgetLineInput",
    "LineExcess",
    "add_expenditure_line",
    "approve_return",
    "check_dates",
    "check_pence",
    "close_award",
    "create_award",
    "create_fund",
    "create_return",
    "create_round",
    "get_return",
    "link_service",
    "pay_tranche",
    "query_return",
    "reject_return",
    "remove_expenditure_line",
    "return_total_pence",
    "schedule_tranche",
    "submit_return",
    "vary_award",
]
